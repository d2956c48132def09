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
    """Process the uploaded picture `media_id` (gone media are ignored)."""
    from listings.models import Media
    from listings.pictures import process_media

    media = Media.objects.filter(pk=media_id).select_related("listing").first()
    if media is not None and media.original:
        process_media(media)
