"""Pictures of a listing: upload, processing into derivatives, rotation, replacement.

`listings.images` does the pixel work on bytes; this module stores what it produces and
records it on the media. Small JPEG/PNG uploads are processed in the request (measured at
about a tenth of a second, see docs/performance.md); HEIC and very large files go to a
Celery task so that a slow decode never holds a web worker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from listings import images
from listings.choices import MediaKind, ProcessingStatus
from listings.media import delete_files, lock_listing, next_position
from listings.models import Listing, Media, MediaVersion

logger = logging.getLogger(__name__)

# What is quick enough to process inside the upload request (docs/performance.md): a
# 12 MP JPEG takes about 110 ms thanks to draft decoding; PNG and WebP decode every pixel
# (about 300 ms at 12 MP), so only small ones stay inline.
INLINE_MAX_PIXELS = {"JPEG": 16_000_000, "PNG": 4_000_000, "WEBP": 4_000_000, "GIF": 4_000_000}
PICTURE_KINDS = {MediaKind.PICTURE, MediaKind.PANORAMA}


def next_content_version(previous: dt.datetime | None) -> dt.datetime:
    """Return a content version after `previous`, to the second, strictly increasing."""
    now = timezone.now().replace(microsecond=0)
    if previous is not None and now <= previous:
        return previous + dt.timedelta(seconds=1)
    return now


def read_upload(upload: IO[bytes]) -> bytes:
    """Return the bytes of an upload, refusing it as soon as it passes the byte cap."""
    return images.read_capped(upload, max_bytes=settings.PICTURE_MAX_BYTES)


def _should_process_inline(data: bytes) -> bool:
    header = images.inspect_picture(data, max_pixels=settings.PICTURE_MAX_PIXELS)
    return header.width * header.height <= INLINE_MAX_PIXELS.get(header.format, 0)


def add_picture(
    listing: Listing,
    *,
    upload: IO[bytes],
    filename: str,
    kind: str = MediaKind.PICTURE,
    is_draft: bool = False,
    process_inline: bool | None = None,
) -> Media:
    """Store an uploaded picture as the last media of `listing` and have it processed.

    Raises `images.PictureRejected` (nothing stored) when the file is not an accepted picture.
    """
    data = read_upload(upload)
    inline = _should_process_inline(data) if process_inline is None else process_inline
    with transaction.atomic():
        lock_listing(listing.pk)
        media = Media(listing=listing, kind=kind, position=next_position(listing), is_draft=is_draft)
        media.original.save(filename or "picture", ContentFile(data), save=False)
        media.save()
        if inline:
            process_media(media, data=data)
        else:
            _enqueue_processing(media)
    return media


def replace_picture(media: Media, *, upload: IO[bytes], filename: str) -> Media:
    """Give `media` new content in the same place; the portal sees a new URL."""
    data = read_upload(upload)
    images.inspect_picture(data, max_pixels=settings.PICTURE_MAX_PIXELS)
    with transaction.atomic():
        old_original = media.original.name
        media.original.save(filename or "picture", ContentFile(data), save=False)
        media.quarter_turns = 0
        media.processing_status = ProcessingStatus.PENDING
        media.save(update_fields=["original", "quarter_turns", "processing_status", "updated_at"])
        transaction.on_commit(lambda: media.original.storage.delete(old_original))
        if _should_process_inline(data):
            process_media(media, data=data)
        else:
            _enqueue_processing(media)
    return media


def rotate_picture(media: Media, *, quarter_turns: int) -> Media:
    """Turn `media` by `quarter_turns` clockwise quarter turns, re-deriving from the original."""
    media.quarter_turns = (media.quarter_turns + quarter_turns) % 4
    media.save(update_fields=["quarter_turns", "updated_at"])
    return process_media(media)


def _enqueue_processing(media: Media) -> None:
    from listings.tasks import process_media_task

    media_id = media.pk
    transaction.on_commit(lambda: process_media_task.delay(media_id))


def _store(name: str, data: bytes) -> str:
    return default_storage.save(name, ContentFile(data))


def process_media(media: Media, *, data: bytes | None = None) -> Media:
    """Derive the portal copy and thumbnails of `media` from its original and record them."""
    if data is None:
        with media.original.open("rb") as original:
            data = original.read()
    try:
        result = images.process_picture(
            data,
            quarter_turns=media.quarter_turns,
            portal_long_side=settings.PICTURE_PORTAL_LONG_SIDE,
            jpeg_quality=settings.PICTURE_JPEG_QUALITY,
            max_pixels=settings.PICTURE_MAX_PIXELS,
        )
    except images.PictureRejected as rejected:
        media.processing_status = ProcessingStatus.FAILED
        # The code, not the text: the page renders it in the agent's language.
        media.processing_error = json.dumps({"code": rejected.code, "params": rejected.params})
        media.save(update_fields=["processing_status", "processing_error", "updated_at"])
        return media

    key = media.public_key
    small, large = sorted(result.thumbnails)[:2] if len(result.thumbnails) > 1 else (min(result.thumbnails),) * 2
    old_thumbs = [media.thumbnail.name, media.thumbnail_large.name]
    with transaction.atomic():
        media.thumbnail.name = _store(f"thumbs/{key}/{small}.jpg", result.thumbnails[small].data)
        media.thumbnail_large.name = _store(f"thumbs/{key}/{large}.jpg", result.thumbnails[large].data)
        content_changed = result.sha256 != media.sha256 or media.content_version is None
        if content_changed:
            media.content_version = next_content_version(media.content_version)
            MediaVersion.objects.create(
                media=media,
                content_version=media.content_version,
                file=_store(f"portal/{key}/{hashlib.sha1(result.sha256.encode()).hexdigest()[:12]}.jpg", result.portal.data),
                content_type="image/jpeg",
                byte_size=result.byte_size,
                sha256=result.sha256,
            )
        media.width, media.height = result.portal.width, result.portal.height
        media.byte_size = result.byte_size
        media.sha256 = result.sha256
        media.content_type = "image/jpeg"
        media.source_format = result.source_format
        media.phash = result.phash
        media.warnings = list(result.warnings) + _duplicate_warnings(media)
        media.processing_status = ProcessingStatus.READY
        media.processing_error = ""
        media.save()
        transaction.on_commit(lambda: delete_files((default_storage, name) for name in old_thumbs))
    return media


def _duplicate_warnings(media: Media) -> list[str]:
    others = dict(
        media.listing.media.filter(kind__in=PICTURE_KINDS)
        .exclude(pk=media.pk)
        .exclude(phash="")
        .values_list("pk", "phash")
    )
    twin = images.near_duplicate_of(media.phash, others)
    # The twin is named by id: its position may change, the page shows the current one.
    return [] if twin is None else [f"duplicate:{twin}"]
