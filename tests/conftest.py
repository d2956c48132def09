"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

pytest_plugins = ["tests.worker_fixtures", "tests.sandbox_fixtures", "tests.sync_fixtures"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect `needs_shared` tests where ../shared is absent, except in CI where that is an error."""
    if SHARED.is_dir():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI needs {SHARED} (corpus and portal specification) beside the project.")
    kept = [item for item in items if item.get_closest_marker("needs_shared") is None]
    deselected = [item for item in items if item.get_closest_marker("needs_shared") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture
def shared_dir() -> Path:
    """Return the ../shared folder (corpus, specification)."""
    return SHARED


@pytest.fixture
def corpus_dir() -> Path:
    """Return the folder of real photos."""
    return SHARED / "corpus"


@pytest.fixture
def portal_schema_path() -> Path:
    """Return the path of the portal's OpenAPI specification."""
    return SHARED / "reference" / "portal-openapi-v4.json"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Start every test with an empty cache (in CI it is a shared Redis database)."""
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:
        pass


@pytest.fixture(autouse=True)
def _media_storage(settings, tmp_path: Path) -> None:
    """Give every test its own media folders, so files never leak between tests."""
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media"), "base_url": settings.MEDIA_URL}},
            "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path / "private")}},
        }
