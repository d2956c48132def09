"""Celery tasks of the listings app: thin glue that fetches by id and calls a service."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache


@shared_task(name="listings.ping")
def ping(token: str) -> str:
    """Record `token` in the shared cache: proves a worker, the broker and the database work together."""
    cache.set(f"ping:{token}", "pong", timeout=300)
    return token


@shared_task(name="listings.process_media", acks_late=True)
def process_media_task(media_id: int) -> None:
    """Process the uploaded picture `media_id` (gone media are ignored).

    A saved media that finishes processing in the background is sent to the portal
    then: the Save that added it could not send a half-made picture.
    """
    from django.db import transaction

    from listings.choices import ProcessingStatus
    from listings.models import Media
    from listings.pictures import process_media
    from media_sync.sync import request_sync

    media = Media.objects.filter(pk=media_id).select_related("listing").first()
    if media is None or not media.original:
        return
    with transaction.atomic():
        process_media(media)
        if not media.is_draft and media.processing_status == ProcessingStatus.READY:
            request_sync(media.listing)
