"""The back office asks for syncs when it saves, and offers "retry now" and the call history."""

from __future__ import annotations

import pytest

from listings.models import User
from media_sync.models import ListingSync, SyncAttempt
from tests.sync_support import make_agency, make_listing, make_picture


@pytest.fixture
def staff_client(client, db):
    client.force_login(User.objects.create_superuser("boss", "boss@example.fr", "pw"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def listing(db):
    listing = make_listing(make_agency())
    make_picture(listing, category="KITCHEN")
    return listing


def test_retry_now_requests_a_forced_sync_after_commit(staff_client, listing, django_capture_on_commit_callbacks):
    ListingSync.objects.create(listing=listing, state="FAILED", error="503", classified_id="c-1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            "/admin/listings/listing/", {"action": "retry_now_action", "_selected_action": [listing.pk]}
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    sync = ListingSync.objects.get(listing=listing)
    assert sync.state == "PENDING" and sync.requested_version == 1
    assert sync.requested_by.username == "boss"


def test_saving_a_media_in_the_admin_requests_one_sync(staff_client, listing, django_capture_on_commit_callbacks):
    media = listing.media.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            f"/admin/listings/media/{media.pk}/change/",
            {"title": "Cuisine équipée", "category": "KITCHEN", "tags": "[]"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) == 1
    assert ListingSync.objects.get(listing=listing).requested_version == 1


def test_the_call_history_is_shown_in_the_back_office(staff_client, listing):
    sync = ListingSync.objects.create(listing=listing, state="SYNCED", classified_id="c-1")
    SyncAttempt.objects.create(
        listing=listing, method="PUT", path="/classifieds/c-1", outcome="ACCEPTED", http_status=202,
        traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01", changes={"added": {"PICTURE": 2}},
    )  # fmt: skip
    page = staff_client.get(f"/admin/media_sync/listingsync/{sync.pk}/change/").content.decode()
    assert "adds 2 pictures" in page and "00-aaaa" in page
    listing_page = staff_client.get("/admin/media_sync/syncattempt/").content.decode()
    assert "adds 2 pictures" in listing_page
    assert staff_client.get("/admin/media_sync/listingsync/", {"portal": "errors"}).status_code == 200
