"""End to end through a real Celery worker process (Redis in CI): save, collapse, send, poll statuses."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from listings.media import update_media_details
from media_sync.models import ListingSync
from media_sync.sync import request_sync
from tests.sync_support import make_agency, make_link, make_listing, make_picture


def wait_for_state(listing, state: str, worker, timeout: float = 60) -> ListingSync:
    deadline = time.monotonic() + timeout
    while True:
        sync = ListingSync.objects.get(listing=listing)
        if sync.state == state and not sync.awaiting_status:
            return sync
        assert time.monotonic() < deadline, f"{sync.state}/{sync.portal_status}\n{worker.log()[-4000:]}"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_saves_go_through_the_worker_as_one_call_per_change_set(portal, celery_worker_process):
    listing = make_listing(make_agency())
    make_picture(listing, category="LIVING_ROOM")
    make_picture(listing, category="KITCHEN")
    make_link(listing)
    with transaction.atomic():
        request_sync(listing)
    sync = wait_for_state(listing, "SYNCED", celery_worker_process)
    assert sync.portal_status == "CREATED" and sync.etag
    assert portal.writes() == 1 and portal.downloads() == 2

    # Three saves in a row, queued before the worker gets to them: one PUT, the last state.
    for title in ("Séjour", "Séjour clair", "Séjour traversant"):
        with transaction.atomic():
            update_media_details(
                listing.media.get(category="LIVING_ROOM"), title=title, category="LIVING_ROOM", tags=[]
            )
            request_sync(listing)
    deadline = time.monotonic() + 60
    while (
        ListingSync.objects.get(listing=listing).synced_version
        < ListingSync.objects.get(listing=listing).requested_version
    ):
        assert time.monotonic() < deadline, celery_worker_process.log()[-4000:]
        time.sleep(0.2)
    wait_for_state(listing, "SYNCED", celery_worker_process)
    assert 2 <= portal.writes() <= 3  # one PUT, two if the worker started between two saves
    assert portal.downloads() == 2
    assert portal.classified(listing)["payload"]["media"][0]["title"] == "Séjour traversant"
    assert portal.sandbox.stats()["put_noops"]["total"] == 0
