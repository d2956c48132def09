"""`manage.py sync_listings`: bulk sync where unchanged listings cost no call and queries do not grow with media."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings.models import Listing
from media_sync.building import build_payloads
from media_sync.models import ListingSync
from tests.sync_support import make_agency, make_listing, make_picture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("sync_listings", *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


@pytest.fixture
def listings(portal):
    agency = make_agency()
    made = []
    for n in range(3):
        listing = make_listing(agency, reference=f"REF-{n}")
        make_picture(listing)
        made.append(listing)
    return made


def test_a_dry_run_says_what_would_be_sent_and_calls_nothing(portal, listings):
    output = run("--all", "--dry-run")
    assert "REF-0: first publication: sends 1 picture" in output
    assert "3 listings: 0 unchanged, 3 changed" in output
    assert portal.sandbox.stats()["calls"]["total"] == 0


def test_unchanged_listings_cost_no_call(portal, listings, eager_celery):
    assert "3 changed, 3 sent" in run("--agency", "INT-AG-1", "--now")
    calls = portal.sandbox.stats()["calls"]["by_method"]
    assert calls.get("POST") == 3
    Listing.objects.filter(pk=listings[1].pk).update(price=1)
    before = portal.sandbox.stats()["calls"]["total"]
    assert "2 unchanged, 1 changed" in run("--all")  # queued: the eager worker sends it
    stats = portal.sandbox.stats()
    assert stats["calls"]["by_method"].get("PUT") == 1
    writes_after = stats["calls"]["by_method"]["POST"] + stats["calls"]["by_method"]["PUT"]
    assert writes_after == 4 and stats["calls"]["total"] > before
    assert "3 unchanged, 0 changed" in run("--all", "--dry-run")


def test_an_unknown_agency_is_an_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("--agency", "nobody")


def test_building_a_batch_takes_the_same_queries_whatever_the_number_of_media(portal, listings):
    with CaptureQueriesContext(connection) as few:
        build_payloads([listing.pk for listing in listings])
    for listing in listings:
        for _ in range(4):
            make_picture(listing)
    with CaptureQueriesContext(connection) as many:
        built = build_payloads([listing.pk for listing in listings])
    assert len(many) == len(few) == 2
    assert all(len(item.payload["media"]) == 5 for item in built.values())
    assert ListingSync.objects.count() == 0  # building sends and records nothing
