"""Failure modes against the sandbox's fault injection: retries, refusals, conflicts, crashes."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from listings.media import update_media_details
from media_sync.models import ListingSync, SyncAttempt
from media_sync.selectors import listing_sync_state, listings_with_portal_errors
from media_sync.sync import retry_sync, sync_listing
from media_sync.tasks import SYNC_MAX_RETRIES, sync_listing_task
from tests.sync_support import make_agency, make_link, make_listing, make_picture
from tests.worker_fixtures import database_url_for_worker

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def listing(portal):
    listing = make_listing(make_agency())
    make_picture(listing, category="LIVING_ROOM")
    make_picture(listing, category="KITCHEN")
    return listing


def writes(portal, status: int | None = None) -> int:
    stats = portal.sandbox.stats()
    if status is not None:
        return stats["calls"]["by_status"].get(str(status), 0)
    return stats["calls"]["by_method"].get("POST", 0) + stats["calls"]["by_method"].get("PUT", 0)


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried_then_the_call_goes_through(portal, listing, eager_celery, status):
    portal.sandbox.inject_fault(fail_next=2, status=status)
    assert sync_listing_task.apply(args=(listing.pk,)).get() == "accepted"
    assert writes(portal, status) == 2 and writes(portal, 202) == 1
    outcomes = list(
        SyncAttempt.objects.filter(listing=listing, method="POST").order_by("id").values_list("outcome", flat=True)
    )
    assert outcomes == ["RETRYING", "RETRYING", "ACCEPTED"]


def test_a_server_that_keeps_failing_leaves_the_listing_failed_with_the_reason(portal, listing, eager_celery):
    portal.sandbox.inject_fault(fail_next=50, status=503)
    assert sync_listing_task.apply(args=(listing.pk,)).get() == "failed"
    assert writes(portal, 503) == SYNC_MAX_RETRIES + 1  # bounded
    sync = ListingSync.objects.get(listing=listing)
    assert sync.state == "FAILED" and "503" in sync.error
    view = listing_sync_state(listing)
    assert view.can_retry and view.needs_action
    assert list(listings_with_portal_errors()) == [listing]


def test_retry_now_sends_a_failed_listing_again(portal, listing, eager_celery):
    portal.sandbox.inject_fault(fail_next=50, status=500)
    sync_listing_task.apply(args=(listing.pk,))
    portal.sandbox.inject_fault(clear=True)
    retry_sync(listing)  # queued on commit, run at once by the eager worker
    assert ListingSync.objects.get(listing=listing).state in {"PROCESSING", "SYNCED"}
    assert writes(portal, 202) == 1


def test_rate_limits_are_retried_and_retry_after_is_read(portal, listing, eager_celery):
    from media_sync.portal import PortalClient, PortalRateLimited

    portal.sandbox.inject_fault(rate_limit_next=1, retry_after=7)
    with pytest.raises(PortalRateLimited) as raised:
        PortalClient(intermediary_id=listing.agency.intermediary_id).classified_statuses(
            "00000000-0000-0000-0000-000000000000"
        )
    assert raised.value.retry_after == 7
    portal.sandbox.inject_fault(rate_limit_next=2, retry_after=1)
    assert sync_listing_task.apply(args=(listing.pk,)).get() == "accepted"
    assert writes(portal, 429) == 3


def test_a_timed_out_post_is_retried_without_creating_a_duplicate(portal, listing, eager_celery, settings):
    settings.PORTAL_TIMEOUT = 1
    # The sandbox handles the POST but answers too late: the classified exists, we never learnt its id.
    portal.sandbox.inject_fault(delay_next=1, seconds=2.5)
    assert sync_listing_task.apply(args=(listing.pk,)).get() == "accepted"
    assert portal.sandbox.stats()["classifieds"]["live"] == 1
    calls = [
        (a.method, a.outcome)
        for a in SyncAttempt.objects.filter(listing=listing, method__in=["POST", "PUT"]).order_by("id")
    ]
    assert calls == [("POST", "RETRYING"), ("POST", "DUPLICATE"), ("PUT", "ACCEPTED")]


def test_a_validation_error_is_not_retried_and_points_at_the_media_concerned(portal, listing, eager_celery):
    bad = make_link(listing, kind="VIDEO", url="ftp://videos.example.fr/visite.mp4")
    assert sync_listing_task.apply(args=(listing.pk,)).get() == "rejected"
    assert writes(portal, 400) == 1
    sync = ListingSync.objects.get(listing=listing)
    assert sync.state == "REJECTED"
    assert sync.field_errors == [
        {"name": "/media/2/url", "reason": 'must match format "url"', "field": "", "media_id": bad.pk}
    ]
    assert listing_sync_state(listing).errors_by_media == {bad.pk: ['must match format "url"']}
    # The same state is not sent again; fixing it is.
    assert (
        sync_listing(listing.pk, version=ListingSync.objects.get(listing=listing).requested_version).reason == "covered"
    )
    bad.delete()
    assert sync_listing(listing.pk).reason == "accepted"


def test_a_duplicated_classified_is_adopted_and_updated(portal, listing):
    portal.sync_and_settle(listing)
    classified_id = ListingSync.objects.get(listing=listing).classified_id
    # Our record of it is lost (restored backup, new environment...): the reference is still known to the portal.
    ListingSync.objects.filter(listing=listing).update(classified_id="", etag="", last_accepted_hash="")
    update_media_details(listing.media.first(), title="Séjour lumineux", category="LIVING_ROOM", tags=[])
    outcome = sync_listing(listing.pk)
    assert outcome.reason == "accepted" and outcome.method == "PUT"
    assert ListingSync.objects.get(listing=listing).classified_id == classified_id
    assert portal.sandbox.stats()["classifieds"]["live"] == 1


def test_a_stale_etag_is_read_again_and_the_put_tried_once_more(portal, listing):
    portal.sync_and_settle(listing)
    sync = ListingSync.objects.get(listing=listing)
    assert sync.etag  # read after the portal finished: the next PUT carries If-Match
    portal.sandbox.inject_fault(rotate_etag=sync.classified_id)
    update_media_details(listing.media.first(), title="Séjour lumineux", category="LIVING_ROOM", tags=[])
    assert sync_listing(listing.pk).reason == "accepted"
    calls = [(a.method, a.http_status, a.outcome) for a in SyncAttempt.objects.filter(listing=listing).order_by("id")]
    assert calls[-3:] == [("PUT", 412, "CONFLICT"), ("GET", 200, "READ"), ("PUT", 202, "ACCEPTED")]


def test_an_expired_token_is_renewed_once_and_the_call_goes_through(portal, listing):
    portal.sync_and_settle(listing)
    portal.sandbox.inject_fault(expire_tokens=True)
    update_media_details(listing.media.first(), title="Séjour lumineux", category="LIVING_ROOM", tags=[])
    assert sync_listing(listing.pk).reason == "accepted"
    assert portal.sandbox.stats()["token_requests"]["total"] == 2


def test_one_token_serves_every_call_of_an_agency(portal, listing):
    portal.sync_and_settle(listing)
    for title in ("un", "deux", "trois"):
        update_media_details(listing.media.first(), title=title, category="LIVING_ROOM", tags=[])
        portal.sync_and_settle(listing)
    stats = portal.sandbox.stats()
    assert stats["calls"]["total"] >= 12
    assert stats["token_requests"]["by_client_and_intermediary"] == {portal.sandbox.client_id: {"INT-AG-1": 1}}


def test_each_agency_has_its_own_token(portal, listing):
    other = make_listing(make_agency("Agence du Prado", key="AG-2"), reference="P-1")
    make_picture(other)
    sync_listing(listing.pk)
    sync_listing(other.pk)
    assert portal.sandbox.stats()["token_requests"]["by_client_and_intermediary"][portal.sandbox.client_id] == {
        "INT-AG-1": 1, "INT-AG-2": 1,
    }  # fmt: skip


def test_two_workers_never_send_the_same_listing_at_once(portal, listing):
    sync_listing(listing.pk)
    ListingSync.objects.filter(listing=listing).update(
        lease_owner="other-worker", lease_until=timezone.now() + dt.timedelta(seconds=30)
    )
    update_media_details(listing.media.first(), title="Séjour lumineux", category="LIVING_ROOM", tags=[])
    outcome = sync_listing(listing.pk)
    assert outcome.reason == "busy" and outcome.retry_in > 0
    assert writes(portal) == 1


def test_a_worker_killed_during_its_call_leaves_a_state_the_next_run_completes(portal, listing, settings, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_worker(),
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
        "PORTAL_TOKEN_URL": settings.PORTAL_TOKEN_URL,
        "PUBLIC_MEDIA_BASE_URL": settings.PUBLIC_MEDIA_BASE_URL,
        "PORTAL_TIMEOUT": "30",
    }
    # The portal takes the POST but answers late; the worker is killed while it waits.
    portal.sandbox.inject_fault(delay_next=1, seconds=4)
    code = f"import django; django.setup(); from media_sync.sync import sync_listing; sync_listing({listing.pk})"
    with open(tmp_path / "w.log", "wb") as log:
        worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=log)
    deadline = time.monotonic() + 20
    while not SyncAttempt.objects.filter(listing=listing, outcome="IN_FLIGHT").exists():
        assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "w.log").read_text()
        time.sleep(0.05)
    time.sleep(0.5)  # the POST is on the wire
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert ListingSync.objects.get(listing=listing).state == "SENDING"
    assert sync_listing(listing.pk).reason == "busy"  # its lease still holds
    ListingSync.objects.filter(listing=listing).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    time.sleep(4)  # let the sandbox finish the late answer
    outcome = sync_listing(listing.pk)
    assert outcome.reason == "accepted"
    assert portal.sandbox.stats()["classifieds"]["live"] == 1
    calls = [
        (a.method, a.outcome)
        for a in SyncAttempt.objects.filter(listing=listing, method__in=["POST", "PUT"]).order_by("id")
    ]
    assert calls == [("POST", "INTERRUPTED"), ("POST", "DUPLICATE"), ("PUT", "ACCEPTED")]
    portal.settle(listing)
    assert ListingSync.objects.get(listing=listing).state == "SYNCED"
    assert portal.sandbox.stats()["token_requests"]["total"] == 1  # the killed worker's token is shared
