"""Languages: French by default, English through the switcher, every string translated."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.agents import make_agency, make_agent, make_listing, make_media

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def manager_url(client, db) -> str:
    agency = make_agency()
    listing = make_listing(agency)
    make_media(listing, 2)
    client.force_login(make_agent(agency))
    return f"/listings/{listing.pk}/media/"


def test_pages_are_in_french_by_default(client, manager_url):
    html = client.get("/").content.decode()
    assert '<html lang="fr">' in html
    assert "Annonces" in html and "Gérer les médias" in html
    manager = client.get(manager_url).content.decode()
    assert "Enregistrer" in manager and "Couverture, affich\\u00e9e dans les r\\u00e9sultats de recherche" in manager


def test_the_switcher_turns_the_pages_to_english(client, manager_url):
    response = client.post("/i18n/setlang/", {"language": "en", "next": manager_url})
    assert response.status_code == 302 and response["Location"] == manager_url
    html = client.get(manager_url).content.decode()
    assert '<html lang="en">' in html
    assert "Save" in html and "Cover, shown in search results" in html and "Enregistrer" not in html


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_every_string_has_a_french_translation():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr
