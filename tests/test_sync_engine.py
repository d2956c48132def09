"""The sync engine against the portal sandbox over real HTTP: the rules of the portal's media page.

The sandbox downloads our public media URLs from the live server, so "downloads" below are
real HTTP fetches of our URLs.
"""

from __future__ import annotations

import io

import pytest
from django.db import transaction

from listings.media import delete_media, reorder_media, update_media_details
from listings.models import Listing
from listings.pictures import replace_picture, rotate_picture
from media_sync.models import ListingSync, SyncAttempt
from media_sync.sync import preview_changes, request_sync, sync_listing
from tests.sync_support import jpeg_bytes, make_agency, make_link, make_listing, make_picture, portal_schema_validator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]


@pytest.fixture
def listing(portal) -> Listing:
    listing = make_listing(make_agency())
    make_picture(listing, title="Séjour traversant", category="LIVING_ROOM")
    make_picture(listing, category="KITCHEN")
    make_picture(listing, title="Chambre sur cour", category="BEDROOM")
    make_link(listing, kind="VIDEO")
    return listing


@pytest.fixture
def published(portal, listing) -> Listing:
    portal.sync_and_settle(listing)
    return listing


def test_first_publication_is_one_post_and_every_file_is_downloaded_once(portal, listing):
    outcome = portal.sync_and_settle(listing)
    assert outcome.method == "POST"
    assert portal.writes() == 1
    assert portal.downloads() == 3  # the YouTube link is embedded, not downloaded
    classified = portal.classified(listing)
    assert [m["status"] for m in classified["media"]] == ["CREATED"] * 4
    sync = ListingSync.objects.get(listing=listing)
    assert sync.state == "SYNCED" and sync.portal_status == "CREATED"


def test_the_portal_holds_the_media_in_display_order_with_the_cover_first(portal, published):
    media = portal.classified(published)["payload"]["media"]
    assert [m["mediaType"] for m in media] == ["PICTURE", "PICTURE", "PICTURE", "VIDEO"]
    assert media[0]["tags"][0] == "COVER_PICTURE" and media[0]["title"] == "Séjour traversant"


def test_saving_an_identical_state_sends_nothing(portal, published):
    calls = portal.sandbox.stats()["calls"]["total"]
    outcome = sync_listing(published.pk)
    assert outcome.reason == "unchanged"
    assert portal.sandbox.stats()["calls"]["total"] == calls


def test_a_caption_change_is_one_put_and_no_download(portal, published):
    downloads = portal.downloads()
    media = published.media.order_by("position")[1]
    update_media_details(media, title="Cuisine équipée", category="KITCHEN", tags=["KITCHEN"])
    outcome = portal.sync_and_settle(published)
    assert outcome.method == "PUT"
    assert portal.writes() == 2
    assert portal.downloads() == downloads
    assert outcome.changes.text() == "updates the details of 1 picture; video unchanged"


def test_a_new_order_is_one_put_that_moves_without_downloading(portal, published):
    downloads = portal.downloads()
    ids = list(published.media.order_by("position").values_list("pk", flat=True))
    reorder_media(published, media_ids=[ids[2], ids[0], ids[1], ids[3]])
    outcome = portal.sync_and_settle(published)
    assert outcome.method == "PUT" and portal.writes() == 2
    assert portal.downloads() == downloads
    assert outcome.changes.moved["PICTURE"] == 1
    media = portal.classified(published)["payload"]["media"]
    assert media[0]["title"] == "Chambre sur cour" and media[0]["tags"][0] == "COVER_PICTURE"
    assert "COVER_PICTURE" not in media[1]["tags"]


def test_a_content_change_is_one_put_and_exactly_one_download(portal, published):
    downloads = portal.downloads()
    media = published.media.order_by("position")[1]
    old_url = portal.classified(published)["payload"]["media"][1]["url"]
    rotate_picture(media, quarter_turns=1)
    outcome = portal.sync_and_settle(published)
    assert outcome.method == "PUT" and portal.writes() == 2
    assert portal.downloads() == downloads + 1
    new_url = portal.classified(published)["payload"]["media"][1]["url"]
    assert new_url != old_url and new_url.split("?")[0] == old_url.split("?")[0]
    assert outcome.changes.downloaded_again["PICTURE"] == 1


def test_a_replaced_picture_is_downloaded_once_in_the_same_place(portal, published):
    downloads = portal.downloads()
    media = published.media.order_by("position")[2]
    replace_picture(media, upload=io.BytesIO(jpeg_bytes()), filename="new.jpg")
    portal.sync_and_settle(published)
    assert portal.downloads() == downloads + 1
    assert portal.classified(published)["payload"]["media"][2]["title"] == "Chambre sur cour"


def test_a_deleted_media_is_removed_from_the_portal(portal, published):
    media = published.media.order_by("position")[1]
    url = portal.classified(published)["payload"]["media"][1]["url"]
    delete_media(media)
    outcome = portal.sync_and_settle(published)
    assert outcome.changes.removed["PICTURE"] == 1
    assert url not in [m["url"] for m in portal.classified(published)["media"]]
    assert len(portal.classified(published)["media"]) == 3


def test_a_new_picture_is_one_download(portal, published):
    downloads = portal.downloads()
    make_picture(published, category="BATHROOM")
    outcome = portal.sync_and_settle(published)
    assert portal.downloads() == downloads + 1
    assert outcome.changes.text() == "adds 1 picture; video unchanged"


def test_a_change_of_listing_fields_is_one_put_without_download(portal, published):
    downloads = portal.downloads()
    Listing.objects.filter(pk=published.pk).update(price=279000, title="T3 rénové")
    outcome = portal.sync_and_settle(published)
    assert outcome.method == "PUT" and portal.downloads() == downloads
    assert outcome.changes.listing_fields == ["price", "title"]
    assert portal.classified(published)["payload"]["data"]["prices"]["buy"]["price"]["amount"] == 279000


def test_several_edits_make_one_consolidated_put(portal, published):
    media = list(published.media.order_by("position"))
    update_media_details(media[0], title="Grand séjour", category="LIVING_ROOM", tags=[])
    rotate_picture(media[1], quarter_turns=2)
    delete_media(media[2])
    make_picture(published, category="GARDEN")
    make_picture(published, category="TERRACE")
    reorder_media(published, media_ids=[m.pk for m in published.media.order_by("-position")])
    downloads = portal.downloads()
    outcome = portal.sync_and_settle(published)
    assert portal.writes() == 2
    assert portal.downloads() == downloads + 3  # two new pictures, one rotated
    assert outcome.changes.added["PICTURE"] == 2 and outcome.changes.removed["PICTURE"] == 1


def test_queued_requests_collapse_into_one_call_with_the_latest_state(
    portal, published, django_capture_on_commit_callbacks
):
    versions = []
    for title in ("un", "deux", "trois"):
        with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
            media = published.media.order_by("position")[0]
            update_media_details(media, title=f"Séjour {title}", category="LIVING_ROOM", tags=[])
            versions.append(request_sync(published))
    outcomes = [sync_listing(published.pk, version=version) for version in versions]
    assert [o.reason for o in outcomes] == ["accepted", "covered", "covered"]
    assert portal.writes() == 2
    portal.settle(published)
    assert portal.classified(published)["payload"]["media"][0]["title"] == "Séjour trois"


def test_a_rolled_back_save_requests_nothing(portal, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        request_sync(published)
        raise RuntimeError("the save failed")
    assert callbacks == []
    assert ListingSync.objects.get(listing=published).state == "SYNCED"


def test_drafts_and_unprocessed_media_are_never_sent(portal, published):
    make_picture(published, is_draft=True)
    published.media.create(kind="PICTURE", position=50, original="originals/x.jpg", processing_status="PENDING")
    assert sync_listing(published.pk).reason == "unchanged"
    assert preview_changes(published, include_drafts=False).pending_media == 1


def test_a_picture_being_reprocessed_keeps_its_previous_url(portal, published):
    media = published.media.order_by("position")[0]
    published.media.filter(pk=media.pk).update(processing_status="PENDING")
    assert sync_listing(published.pk).reason == "unchanged"


def test_the_preview_says_what_the_portal_will_do_before_saving(portal, published):
    media = list(published.media.order_by("position"))
    rotate_picture(media[0], quarter_turns=1)
    delete_media(media[1])
    make_picture(published, is_draft=True)
    reorder_media(
        published,
        media_ids=[media[2].pk, media[0].pk, media[3].pk] + [m.pk for m in published.media.filter(is_draft=True)],
    )
    summary = preview_changes(published)
    # The bedroom picture moves to the front: it becomes the cover, so its tags change too.
    assert str(summary) == (
        "adds 1 picture, removes 1 picture, moves 1 picture, downloads 1 picture again, "
        "updates the details of 1 picture; video unchanged"
    )
    assert summary.downloads == 2
    assert portal.writes() == 1  # previewing sends nothing


def test_the_preview_of_an_unchanged_listing_says_nothing_to_send(portal, published):
    assert preview_changes(published).text() == "nothing to send"


def test_every_call_is_in_the_history_with_its_traceparent(portal, published):
    media = published.media.order_by("position")[0]
    update_media_details(media, title="Séjour", category="LIVING_ROOM", tags=[])
    portal.sync_and_settle(published)
    writes = SyncAttempt.objects.filter(listing=published, method__in=["POST", "PUT"]).order_by("started_at")
    assert [(a.method, a.outcome, a.http_status) for a in writes] == [
        ("POST", "ACCEPTED", 202),
        ("PUT", "ACCEPTED", 202),
    ]
    sandbox_traces = {c["traceparent"] for c in portal.sandbox.stats()["calls"]["recent"]}
    for attempt in SyncAttempt.objects.filter(listing=published):
        assert attempt.traceparent in sandbox_traces
        assert attempt.duration_ms is not None
    assert writes[1].change_text() == "updates the details of 1 picture; video unchanged"
    assert writes[0].payload_hash and writes[0].payload_hash != writes[1].payload_hash


@pytest.mark.needs_shared
def test_what_the_engine_sends_is_valid_against_the_portal_schema(portal, published, portal_schema_path):
    validator = portal_schema_validator(portal_schema_path)
    payload = ListingSync.objects.get(listing=published).last_accepted_payload
    assert [e.message for e in validator.iter_errors(payload)] == []


def test_the_same_photo_in_two_listings_gets_two_urls_and_no_duplicated_media_error(portal, published):
    other = make_listing(published.agency, reference="REF-2")
    make_picture(other, color=(10, 20, 30))
    make_picture(published, color=(10, 20, 30))
    assert sync_listing(other.pk).reason == "accepted"
    assert sync_listing(published.pk).reason == "accepted"
    urls = [m["url"] for m in ListingSync.objects.get(listing=other).last_accepted_payload["media"]]
    assert not set(urls) & {m["url"] for m in ListingSync.objects.get(listing=published).last_accepted_payload["media"]}
