"""Fixtures of the sync engine's tests, loaded by tests/conftest.py.

``portal`` wires the product to the session's portal sandbox and serves the public media
URLs from pytest-django's ``live_server``, so that the sandbox downloads them for real.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from listings.models import Listing
from media_sync.models import ListingSync
from media_sync.statuses import refresh_portal_status
from media_sync.sync import sync_listing


@dataclass
class PortalWorld:
    """The sandbox and the product's live server, wired together for one test."""

    sandbox: object
    media_base_url: str

    def writes(self) -> int:
        """Return how many POST and PUT the sandbox received."""
        by_method = self.sandbox.stats()["calls"]["by_method"]
        return by_method.get("POST", 0) + by_method.get("PUT", 0)

    def downloads(self) -> int:
        """Return how many media downloads the sandbox made."""
        return self.sandbox.stats()["downloads"]["total"]

    def sync_and_settle(self, listing: Listing, **kwargs):
        """Run one sync of `listing`; when something was sent, wait for the portal and record its statuses."""
        outcome = sync_listing(listing.pk, **kwargs)
        if outcome.sent:
            self.settle(listing)
        return outcome

    def settle(self, listing: Listing, timeout: float = 15) -> None:
        """Wait until the portal finished the listing's last call and record its statuses."""
        sync = ListingSync.objects.get(listing=listing)
        self.sandbox.wait_for_final_status(sync.classified_id, timeout=timeout)
        deadline = time.monotonic() + timeout
        while not refresh_portal_status(listing.pk).final:
            assert time.monotonic() < deadline, "no final status recorded"
            time.sleep(0.05)

    def classified(self, listing: Listing) -> dict:
        """Return what the sandbox holds for the listing's classified."""
        return self.sandbox.inspect(ListingSync.objects.get(listing=listing).classified_id)


@pytest.fixture
def portal(portal_sandbox, live_server, settings) -> Iterator[PortalWorld]:
    """Point the product at the sandbox and serve public media URLs from the live server."""
    settings.PORTAL_BASE_URL = portal_sandbox.base_url
    settings.PORTAL_TOKEN_URL = portal_sandbox.token_url
    settings.PORTAL_CLIENT_ID = portal_sandbox.client_id
    settings.PORTAL_CLIENT_SECRET = portal_sandbox.client_secret
    settings.PORTAL_AUDIENCE = portal_sandbox.audience
    settings.PORTAL_TIMEOUT = 5
    settings.PUBLIC_MEDIA_BASE_URL = live_server.url
    cache.clear()
    yield PortalWorld(sandbox=portal_sandbox, media_base_url=live_server.url)
    # Stop the sandbox's work before the database is flushed: a download still running
    # against the live server would hold database locks the flush waits for.
    portal_sandbox.reset()


@pytest.fixture
def eager_celery():
    """Run tasks in the calling process (retries at once: Celery ignores countdowns when eager)."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def english():
    """Say things in English, whatever the default language (French) and its translations."""
    from django.utils import translation

    with translation.override("en"):
        yield
