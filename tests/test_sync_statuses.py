"""What the portal made of our calls reaches the agent: classified and media statuses, fixes, support text."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from listings.models import Listing, MediaVersion, User
from listings.pictures import rotate_picture
from media_sync.models import ListingSync, MediaPortalStatus
from media_sync.selectors import listing_sync_states
from media_sync.statuses import check_media_url, latest_status
from tests.sync_support import make_agency, make_link, make_listing, make_picture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]


@pytest.fixture
def listing(portal) -> Listing:
    listing = make_listing(make_agency())
    make_picture(listing, category="LIVING_ROOM")
    make_picture(listing, category="KITCHEN")
    make_link(listing, kind="VIDEO")
    return listing


def test_each_media_status_is_recorded_against_its_media(portal, listing):
    portal.sync_and_settle(listing)
    statuses = {row.media_id: row.status for row in MediaPortalStatus.objects.filter(listing=listing)}
    assert statuses == {media.pk: "CREATED" for media in listing.media.all()}
    view = listing_sync_states([listing.pk])[listing.pk]
    assert view.state == "SYNCED" and view.portal_status == "CREATED" and not view.needs_action


def test_a_media_the_portal_could_not_download_reaches_the_agent_with_a_check_and_a_support_request(portal, listing):
    kitchen = listing.media.get(category="KITCHEN")
    portal.sandbox.inject_fault(download_fail_pattern=kitchen.public_key)
    portal.sync_and_settle(listing)
    sync = ListingSync.objects.get(listing=listing)
    assert sync.portal_status == "CREATED_WITH_MEDIA_ERROR" and sync.state == "PORTAL_ERROR"
    view = listing_sync_states([listing.pk])[listing.pk]
    assert view.needs_action and view.what_happened and view.how_to_fix
    media = view.media[kitchen.pk]
    assert media.status == "DOWNLOADING_FAILED" and media.is_error
    assert media.what_happened == "The portal could not download this media."
    # Our own check from outside: the URL does work now.
    assert media.url_works is True and "image/jpeg" in media.url_check_detail
    text = media.customer_care_text
    for expected in (sync.classified_id, media.url, sync.last_traceparent, "DOWNLOADING_FAILED", listing.reference):
        assert expected in text
    assert not view.media[listing.media.get(category="LIVING_ROOM").pk].is_error


def test_a_media_the_portal_could_not_use_is_marked_creating_failed(portal, listing):
    kitchen = listing.media.get(category="KITCHEN")
    version = MediaVersion.objects.get(media=kitchen)
    # Bytes that look like a JPEG but do not decode.
    version.file.name = default_storage.save("portal/broken.jpg", ContentFile(b"\xff\xd8\xff\xe0" + b"x" * 2000))
    MediaVersion.objects.filter(pk=version.pk).update(file=version.file.name, byte_size=2004)
    portal.sync_and_settle(listing)
    view = listing_sync_states([listing.pk])[listing.pk]
    assert view.media[kitchen.pk].status == "CREATING_FAILED"
    assert "Replace the file" in view.media[kitchen.pk].how_to_fix
    # Fixing it (new content, so a new URL) clears the error.
    rotate_picture(kitchen, quarter_turns=1)
    portal.sync_and_settle(listing)
    assert ListingSync.objects.get(listing=listing).state == "SYNCED"
    assert not listing_sync_states([listing.pk])[listing.pk].needs_action


def test_the_back_office_lists_listings_with_portal_errors(portal, listing, client):
    healthy = make_listing(listing.agency, reference="REF-OK")
    make_picture(healthy)
    portal.sandbox.inject_fault(download_fail_pattern=listing.media.get(category="KITCHEN").public_key)
    portal.sync_and_settle(listing)
    portal.sync_and_settle(healthy)
    client.force_login(User.objects.create_superuser("boss", "boss@example.fr", "pw"))
    page = client.get("/admin/listings/listing/", {"portal": "errors"}).content.decode()
    assert "REF-1" in page and "REF-OK" not in page
    detail = client.get(f"/admin/media_sync/listingsync/{ListingSync.objects.get(listing=listing).pk}/change/")
    assert detail.status_code == 200 and "DOWNLOADING_FAILED" in detail.content.decode()


def test_sync_states_of_many_listings_take_a_constant_number_of_queries(portal, listing, django_assert_num_queries):
    portal.sync_and_settle(listing)
    ids = [listing.pk]
    for n in range(5):
        other = make_listing(listing.agency, reference=f"REF-{n + 10}")
        make_picture(other)
        portal.sync_and_settle(other)
        ids.append(other.pk)
    with django_assert_num_queries(2):
        views = listing_sync_states(ids + [999_999])
    assert views[999_999].state == "NEW" and all(views[pk].state == "SYNCED" for pk in ids)


def test_the_url_check_reports_a_broken_address(portal):
    check = check_media_url(f"{portal.media_base_url}/m/doesNotExist12345.jpg?timestamp=2026-01-01T00:00:00")
    assert check.works is False and check.detail == "HTTP 404"
    assert check_media_url("http://127.0.0.1:9/nothing.jpg", timeout=1).works is False


def test_the_latest_status_is_the_highest_revision_then_the_latest_date():
    items = [
        {"revision": 2, "status": "RECEIVED", "statusDate": "2026-01-01T10:00:00.000Z"},
        {"revision": 2, "status": "UPDATED", "statusDate": "2026-01-01T10:00:01.000Z", "somethingNew": True},
        {"revision": 1, "status": "CREATED", "statusDate": "2026-01-01T11:00:00.000Z"},
    ]
    assert latest_status(items)["status"] == "UPDATED"
    assert latest_status([]) is None
