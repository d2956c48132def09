"""The media manager page through HTTP: render, Save in one transaction, conflicts, Discard, preview."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage

from listings.models import Listing, Media
from media_sync.models import ListingSync
from tests.agents import jpeg_bytes, make_agency, make_agent, make_listing, make_media, page_state, save

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return make_agency()


@pytest.fixture
def agent(agency):
    return make_agent(agency)


@pytest.fixture
def listing(agency):
    return make_listing(agency)


@pytest.fixture
def client(client, agent):
    client.force_login(agent)
    return client


def sync_requests(listing: Listing) -> int:
    sync = ListingSync.objects.filter(listing=listing).first()
    return sync.requested_version if sync else 0


def upload(client, listing, data: bytes, name: str = "photo.jpg", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/listings/{listing.pk}/media/upload/", {"file": SimpleUploadedFile(name, data), **extra})


def test_the_page_shows_groups_badges_and_warnings(client, listing):
    make_media(listing, 3)
    make_media(listing, 2, kind="VIDEO", start=3)
    response = client.get(f"/listings/{listing.pk}/media/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-group="PICTURE"' in html and 'data-group="VIDEO"' in html and 'data-group="VIRTUAL_TOUR"' in html
    assert html.count('data-status-url="/media/') == 5
    assert 'loading="lazy"' in html and 'width="320" height="240"' in html
    assert 'data-code="too_small"' in html


def test_save_applies_order_details_deletion_and_panorama_in_one_go(client, listing):
    first, second, third = make_media(listing, 3)
    version, state = page_state(client, listing)
    items = {item["id"]: item for item in state["items"]}
    items[third.pk].update(title="Séjour lumineux", category="LIVING_ROOM", tags=["LIVING_ROOM", "INDOOR"])
    items[second.pk].update(kind="PANORAMA")
    state.update(items=[items[third.pk], items[second.pk]], deleted=[first.pk])

    response = save(client, listing, version=version, state=state)

    assert response.status_code == 302
    rows = list(listing.media.order_by("position").values_list("pk", "position", "kind", "title", "category", "tags"))
    assert rows == [
        (third.pk, 0, "PICTURE", "Séjour lumineux", "LIVING_ROOM", ["LIVING_ROOM", "INDOOR"]),
        (second.pk, 1, "PANORAMA", "", "MISC", []),
    ]
    listing.refresh_from_db()
    assert listing.version == version + 1
    assert sync_requests(listing) == 1


def test_save_makes_uploaded_drafts_real_and_removes_given_up_ones(client, listing):
    kept = upload(client, listing, jpeg_bytes(seed=1)).json()
    given_up = upload(client, listing, jpeg_bytes(seed=2)).json()
    assert Media.objects.get(pk=kept["id"]).is_draft
    version, state = page_state(client, listing)
    state["items"].append(
        {"id": kept["id"], "kind": "PICTURE", "title": "Façade", "category": "HOUSE_VIEW", "tags": []}
    )
    state["drafts"] = [kept["id"], given_up["id"]]

    assert save(client, listing, version=version, state=state).status_code == 302

    media = Media.objects.get(pk=kept["id"])
    assert (media.is_draft, media.title, media.position) == (False, "Façade", 0)
    assert not Media.objects.filter(pk=given_up["id"]).exists()


def test_a_save_that_lost_the_race_writes_nothing_and_keeps_both_sides(client, listing):
    first, second = make_media(listing, 2)
    version, mine = page_state(client, listing)
    _, theirs = page_state(client, listing)
    theirs["items"][0]["title"] = "Their caption"
    assert save(client, listing, version=version, state=theirs).status_code == 302

    mine["items"] = [mine["items"][1], mine["items"][0]]  # I moved the second picture first
    response = save(client, listing, version=version, state=mine)

    assert response.status_code == 409
    assert list(listing.media.order_by("position").values_list("pk", "title")) == [
        (first.pk, "Their caption"),
        (second.pk, ""),
    ]
    html = response.content.decode()
    assert "conflict-notice" in html
    page = response.context["page"]
    assert [item["id"] for item in page.page_state["items"]] == [second.pk, first.pk]
    assert page.page_state["items"][1]["title"] == "Their caption"
    assert page.saved_state["version"] == version + 1
    assert sync_requests(listing) == 1


def test_save_refuses_media_of_another_listing(client, listing, agency):
    other = make_listing(agency, reference="REF-2")
    (foreign,) = make_media(other, 1)
    version, state = page_state(client, listing)
    state["items"].append({"id": foreign.pk, "kind": "PICTURE", "title": "", "category": "MISC", "tags": []})

    response = save(client, listing, version=version, state=state)

    assert response.status_code == 400
    assert Media.objects.get(pk=foreign.pk).listing_id == other.pk
    assert Listing.objects.get(pk=listing.pk).version == version


def test_save_refuses_an_unknown_category(client, listing):
    make_media(listing, 1)
    version, state = page_state(client, listing)
    state["items"][0]["category"] = "SPACESHIP"
    assert save(client, listing, version=version, state=state).status_code == 400
    assert Listing.objects.get(pk=listing.pk).version == version


def test_discard_deletes_the_drafts_and_their_files(client, listing, django_capture_on_commit_callbacks):
    (saved,) = make_media(listing, 1)
    draft = upload(client, listing, jpeg_bytes()).json()
    media = Media.objects.get(pk=draft["id"])
    thumbnail, original = media.thumbnail.name, media.original.name
    assert default_storage.exists(thumbnail) and media.original.storage.exists(original)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/listings/{listing.pk}/media/discard/", {"drafts": f"{draft['id']},{saved.pk}"})

    assert response.status_code == 302
    assert list(listing.media.values_list("pk", flat=True)) == [saved.pk]  # a saved media is never discarded
    assert not default_storage.exists(thumbnail) and not media.original.storage.exists(original)


def test_the_preview_says_what_the_portal_will_do(client, listing):
    make_media(listing, 2)
    version, state = page_state(client, listing)
    response = client.post(f"/listings/{listing.pk}/media/preview/", {"state": json.dumps(state)})
    assert response.status_code == 200
    assert response.json()["text"]
    assert Listing.objects.get(pk=listing.pk).version == version


def test_replacing_a_picture_keeps_its_place_and_details_with_new_content(client, listing):
    original = upload(client, listing, jpeg_bytes(seed=1)).json()
    version, state = page_state(client, listing)
    state["items"].append(
        {"id": original["id"], "kind": "PICTURE", "title": "Cuisine", "category": "KITCHEN", "tags": []}
    )
    save(client, listing, version=version, state=state)
    before = Media.objects.get(pk=original["id"])

    replacement = upload(client, listing, jpeg_bytes(seed=4), replaces=original["id"]).json()
    version, state = page_state(client, listing)
    state["items"][0]["replacement"] = replacement["id"]
    state["drafts"] = [replacement["id"]]
    assert save(client, listing, version=version, state=state).status_code == 302

    after = Media.objects.get(pk=original["id"])
    assert (after.position, after.title, after.category) == (0, "Cuisine", "KITCHEN")
    assert after.sha256 != before.sha256 and after.content_version > before.content_version
    assert after.versions.filter(content_version=after.content_version).exists()
    assert not Media.objects.filter(pk=replacement["id"]).exists()


def test_the_page_renders_in_constant_queries(client, listing, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_media(listing, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/listings/{listing.pk}/media/").status_code == 200
    make_media(listing, 99, start=1)
    make_media(listing, 5, kind="VIDEO", start=100)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(f"/listings/{listing.pk}/media/")
    assert response.content.decode().count('data-status-url="/media/') == 105


def test_retry_now_sends_the_listing_again(client, listing):
    response = client.post(f"/listings/{listing.pk}/sync/retry/")
    assert response.status_code == 302
    assert sync_requests(listing) == 1


def test_the_portal_panel_shows_the_state_media_errors_and_the_preview_link(client, listing, settings):
    from media_sync.models import MediaPortalStatus

    settings.PORTAL_PREVIEW_URL = "https://sandbox.example/classifieds/{classified_id}/preview"
    (media,) = make_media(listing, 1)
    ListingSync.objects.create(
        listing=listing,
        state="SYNCED",
        classified_id="abc-123",
        has_portal_errors=True,
        portal_status="UPDATED_WITH_MEDIA_ERROR",
    )
    MediaPortalStatus.objects.create(listing=listing, media=media, url="https://x/m/a.jpg", status="DOWNLOADING_FAILED")

    html = client.get(f"/listings/{listing.pk}/media/").content.decode()

    assert "https://sandbox.example/classifieds/abc-123/preview" in html
    assert 'class="portal-error"' in html
    assert f'action="/listings/{listing.pk}/sync/retry/"' in html
