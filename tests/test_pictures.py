"""Stored pictures: processing in the request or the worker, failures, rotation, sync after processing."""

from __future__ import annotations

import io
import json

import pytest
from django.utils import translation
from PIL import Image

from listings.choices import ProcessingStatus
from listings.models import MediaVersion
from listings.pictures import _should_process_inline, add_picture, process_media, rotate_picture
from listings.tasks import process_media_task
from media_sync.models import ListingSync
from tests.agents import jpeg_bytes, make_agency, make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    return make_listing(make_agency())


def encoded(fmt: str, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 140, 160)).save(buffer, fmt)
    return buffer.getvalue()


def test_a_jpeg_is_processed_in_the_request(listing):
    media = add_picture(listing, upload=io.BytesIO(jpeg_bytes()), filename="a.jpg")
    assert media.processing_status == ProcessingStatus.READY
    assert media.thumbnail and media.versions.count() == 1


def test_large_png_and_webp_are_left_to_the_worker_while_a_large_jpeg_is_not():
    assert _should_process_inline(encoded("JPEG", (4000, 3000)))
    assert not _should_process_inline(encoded("PNG", (4000, 3000)))
    assert not _should_process_inline(encoded("WEBP", (4000, 3000)))
    assert _should_process_inline(encoded("PNG", (1600, 1200)))


def test_a_picture_left_to_the_worker_is_pending_until_processed(listing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        media = add_picture(listing, upload=io.BytesIO(jpeg_bytes()), filename="a.jpg", process_inline=False)
    assert media.processing_status == ProcessingStatus.PENDING
    assert len(callbacks) == 1  # the processing task, queued after commit


def test_a_saved_picture_processed_by_the_worker_is_then_sent_to_the_portal(listing):
    media = add_picture(listing, upload=io.BytesIO(jpeg_bytes()), filename="a.jpg", process_inline=False)
    process_media_task(media.pk)
    media.refresh_from_db()
    assert media.processing_status == ProcessingStatus.READY
    assert ListingSync.objects.get(listing=listing).requested_version == 1


def test_a_draft_processed_by_the_worker_is_not_sent(listing):
    media = add_picture(listing, upload=io.BytesIO(jpeg_bytes()), filename="a.jpg", is_draft=True, process_inline=False)
    process_media_task(media.pk)
    assert not ListingSync.objects.filter(listing=listing, requested_version__gt=0).exists()


def test_a_file_that_fails_in_the_worker_explains_itself_in_the_agents_language(listing):
    media = add_picture(listing, upload=io.BytesIO(jpeg_bytes()), filename="a.jpg", process_inline=False)
    with media.original.open("rb") as original:
        head = original.read()[:300]
    media.original.save("broken.jpg", io.BytesIO(head), save=True)
    process_media(media)
    media.refresh_from_db()
    assert media.processing_status == ProcessingStatus.FAILED
    assert json.loads(media.processing_error)["code"]
    with translation.override("en"):
        english = media.processing_error_text()
    with translation.override("fr"):
        french = media.processing_error_text()
    assert "JPEG" in english and english != french


def test_rotating_twice_in_one_second_gives_two_increasing_content_versions(listing):
    media = add_picture(listing, upload=io.BytesIO(jpeg_bytes()), filename="a.jpg")
    first, size = media.content_version, (media.width, media.height)
    rotate_picture(media, quarter_turns=1)
    second = media.content_version
    assert (media.height, media.width) == size
    rotate_picture(media, quarter_turns=1)
    third = media.content_version
    assert first < second < third
    assert MediaVersion.objects.filter(media=media).count() == 3
