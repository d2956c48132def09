"""Public media URLs: stable while the content is, new (and increasing) when it changes, served as they name."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client

from listings.media import reorder_media, update_media_details
from listings.models import MediaVersion
from listings.pictures import replace_picture, rotate_picture
from media_sync.building import build_payloads
from media_sync.payload import ordered_media
from media_sync.public_media import public_media_url, url_identity
from media_sync.snapshots import listing_snapshots
from media_sync.versions import collect_unreferenced_versions
from tests.sync_support import jpeg_bytes, make_agency, make_link, make_listing, make_picture

BASE = "https://media.example.fr"


@pytest.fixture
def listing(db, settings):
    settings.PUBLIC_MEDIA_BASE_URL = BASE
    listing = make_listing(make_agency())
    make_picture(listing, title="Séjour", category="LIVING_ROOM")
    make_picture(listing, category="KITCHEN")
    return listing


def urls_of(listing) -> dict[int, str]:
    snapshot = listing_snapshots([listing.pk], media_base_url=BASE)[listing.pk].snapshot
    return {media_id: item["url"] for item, media_id in ordered_media(snapshot.media)}


def local(url: str) -> str:
    return url.removeprefix(BASE)


def test_a_url_has_the_seed_form_with_the_content_version_to_the_second(listing):
    media = listing.media.first()
    url = urls_of(listing)[media.pk]
    assert re.fullmatch(rf"{BASE}/m/[A-Za-z0-9_-]{{24}}\.jpg\?timestamp=\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d", url)
    assert url.endswith(media.content_version.strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_url_stays_byte_for_byte_the_same_across_title_category_tag_and_position_changes(listing):
    before = urls_of(listing)
    first, second = listing.media.order_by("position")
    update_media_details(first, title="Grand séjour", category="INDOOR", tags=["LIVING_ROOM", "INDOOR"])
    reorder_media(listing, media_ids=[second.pk, first.pk])
    assert urls_of(listing) == before


def test_a_content_change_gives_a_new_strictly_increasing_timestamp_even_within_one_second(listing):
    media = listing.media.first()
    seen = [urls_of(listing)[media.pk]]
    for _turn in range(3):  # three changes in well under a second
        rotate_picture(media, quarter_turns=1)
        seen.append(urls_of(listing)[media.pk])
    replace_picture(media, upload=io.BytesIO(jpeg_bytes()), filename="autre.jpg")
    seen.append(urls_of(listing)[media.pk])
    stamps = [url.split("timestamp=")[1] for url in seen]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert {url_identity(url) for url in seen} == {url_identity(seen[0])}


def test_the_same_photo_in_two_listings_has_two_urls(listing):
    other = make_listing(listing.agency, reference="REF-2")
    make_picture(other, color=(1, 2, 3))
    make_picture(listing, color=(1, 2, 3))
    assert not set(urls_of(listing).values()) & set(urls_of(other).values())


def test_urls_are_unguessable(listing):
    keys = [url.split("/m/")[1].split(".")[0] for url in urls_of(listing).values()]
    assert all(len(key) >= 24 for key in keys) and len(set(keys)) == len(keys)
    for url in urls_of(listing).values():
        assert listing.reference not in url and f"/{listing.pk}/" not in url


def test_external_links_are_their_own_url(listing):
    video = make_link(listing, url="https://vimeo.com/76979871")
    assert urls_of(listing)[video.pk] == "https://vimeo.com/76979871"


def test_get_serves_the_bytes_with_type_length_and_immutable_caching_without_authentication(listing):
    media = listing.media.first()
    version = MediaVersion.objects.get(media=media)
    response = Client().get(local(urls_of(listing)[media.pk]))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str(len(body)) == str(version.byte_size)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert body[:3] == b"\xff\xd8\xff"
    assert not response.cookies


def test_head_answers_the_same_headers_without_a_body(listing):
    url = local(urls_of(listing)[listing.media.first().pk])
    get, head = Client().get(url), Client().head(url)
    assert head.status_code == 200 and head.content == b""
    for header in ("Content-Type", "Content-Length", "Cache-Control", "ETag"):
        assert head[header] == get[header]


def test_other_methods_are_refused(listing):
    assert Client().post(local(urls_of(listing)[listing.media.first().pk])).status_code == 405


def test_an_unknown_key_or_timestamp_is_not_found(listing):
    url = local(urls_of(listing)[listing.media.first().pk])
    assert Client().get(url.replace("timestamp=20", "timestamp=19")).status_code == 404
    assert Client().get(url.split("?")[0]).status_code == 404
    assert Client().get("/m/AAAAAAAAAAAAAAAAAAAAAAAA.jpg?timestamp=2026-01-01T00:00:00").status_code == 404


def test_each_url_serves_exactly_the_version_it_names_until_the_portal_no_longer_needs_it(listing):
    media = listing.media.first()
    accepted = build_payloads([listing.pk])[listing.pk].payload  # what the portal holds
    old_url = local(urls_of(listing)[media.pk])
    old_bytes = b"".join(Client().get(old_url).streaming_content)
    rotate_picture(media, quarter_turns=1)
    new_url = local(urls_of(listing)[media.pk])
    new_bytes = b"".join(Client().get(new_url).streaming_content)
    assert new_bytes != old_bytes
    # Not sent yet: the portal still references the old URL, which keeps its old bytes.
    assert collect_unreferenced_versions(listing.pk, accepted_payload=accepted) == 0
    assert b"".join(Client().get(old_url).streaming_content) == old_bytes
    # The portal accepted (and finished) the payload with the new URL: the old version goes.
    accepted = build_payloads([listing.pk])[listing.pk].payload
    assert collect_unreferenced_versions(listing.pk, accepted_payload=accepted) == 1
    assert Client().get(old_url).status_code == 404
    assert b"".join(Client().get(new_url).streaming_content) == new_bytes


def test_the_version_being_processed_is_never_collected(listing):
    media = listing.media.first()
    accepted = build_payloads([listing.pk])[listing.pk].payload
    rotate_picture(media, quarter_turns=1)
    rotate_picture(media, quarter_turns=1)  # the middle version was never sent
    assert collect_unreferenced_versions(listing.pk, accepted_payload=accepted) == 1
    assert MediaVersion.objects.filter(media=media).count() == 2  # the one the portal has, the current one


def test_the_url_builder_refuses_a_naive_datetime():
    import datetime as dt

    with pytest.raises(ValueError):
        public_media_url(base_url=BASE, public_key="k", content_version=dt.datetime(2026, 1, 1))


def test_a_version_whose_file_is_gone_is_not_found_rather_than_an_error(listing):
    media = listing.media.first()
    url = local(urls_of(listing)[media.pk])
    version = media.versions.get()
    version.file.storage.delete(version.file.name)
    assert Client().get(url).status_code == 404
