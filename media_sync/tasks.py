"""Celery tasks of the portal sync: thin glue that fetches by id and calls a service.

``sync_listing_task`` retries only when the portal could not be reached (network error,
timeout, 5xx, 429): ``Retry-After`` first, otherwise exponential backoff with jitter, a
bounded number of times; then the listing shows FAILED with the reason and a "retry now"
action. After an accepted call, ``poll_portal_status_task`` reads the statuses with a
growing delay until the classified reaches a final status.
"""

from __future__ import annotations

import random
import time

from celery import shared_task

SYNC_MAX_RETRIES = 6
SYNC_BACKOFF_BASE = 4.0  # seconds: about 4, 8, 16, 32, 64, 128 with jitter
SYNC_BACKOFF_CAP = 600.0
RETRY_AFTER_CAP = 3600.0
STATUS_DELAYS = (1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 60, 60, 120, 120, 300, 300, 600)


def retry_delay(retries: int, *, retry_after: float | None = None) -> float:
    """Return the seconds to wait before retry number `retries` + 1: Retry-After, else backoff with jitter."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), RETRY_AFTER_CAP)
    ceiling = min(SYNC_BACKOFF_CAP, SYNC_BACKOFF_BASE * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


@shared_task(bind=True, name="media_sync.sync_listing", acks_late=True, max_retries=SYNC_MAX_RETRIES)
def sync_listing_task(self, listing_id: int, version: int | None = None, force: bool = False) -> str:
    """Send listing `listing_id` to the portal if it changed (see ``media_sync.sync``)."""
    from media_sync.portal import PortalUnavailable
    from media_sync.sync import mark_sync_failed, sync_listing

    try:
        outcome = sync_listing(listing_id, version=version, force=force)
    except PortalUnavailable as error:
        if self.request.retries >= self.max_retries:
            mark_sync_failed(listing_id, reason=str(error))
            return "failed"
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries, retry_after=error.retry_after))
    if outcome.reason == "busy":
        # Another worker is sending this listing: come back when its lease ends. A fresh
        # task, so waiting for a colleague never uses up the retries kept for failures.
        sync_listing_task.apply_async((listing_id,), {"version": version, "force": force}, countdown=outcome.retry_in)
    elif outcome.sent:
        poll_portal_status_task.apply_async((listing_id,), countdown=STATUS_DELAYS[0])
    return outcome.reason


@shared_task(bind=True, name="media_sync.poll_portal_status", acks_late=True, max_retries=len(STATUS_DELAYS))
def poll_portal_status_task(self, listing_id: int) -> str:
    """Read the portal's statuses of listing `listing_id` until they are final."""
    from media_sync.portal import PortalError
    from media_sync.statuses import refresh_portal_status

    try:
        outcome = refresh_portal_status(listing_id)
    except PortalError as error:
        outcome = None
        last_error: Exception | None = error
    else:
        last_error = None
    if outcome is not None and outcome.final:
        return outcome.status
    retries = self.request.retries
    if retries >= self.max_retries:
        return "gave up"
    countdown = STATUS_DELAYS[min(retries + 1, len(STATUS_DELAYS) - 1)]
    if self.request.is_eager:
        # Celery runs eager retries at once, ignoring countdowns: wait here instead, briefly.
        time.sleep(min(countdown, 1))
    raise self.retry(countdown=countdown, exc=last_error)
