"""Sending listings to the portal: one stable POST or PUT per change set, nothing when nothing changed.

How a save reaches the portal:

1. The save (agent page, admin) calls ``request_sync(listing, requested_by=user)`` in its
   transaction: the listing's ``requested_version`` goes up and, after commit, a task is
   queued with that version. A rollback queues nothing.
2. The task calls ``sync_listing``. It skips at once when a previous run already covered
   its version (several saves queued before a worker runs give one call). Otherwise it
   takes the listing's lease (one worker at a time per listing), builds the payload from
   the database *now* (the latest state, so an older state never follows a newer one),
   and compares its hash with the last payload the portal accepted: equal, nothing is
   sent. Different: one ``POST`` (first publication) or one ``PUT`` (``If-Match`` when an
   ETag is known).
3. The call is recorded as "in flight" (committed) before it leaves: a worker killed in
   the middle leaves a trace the next run resolves, POSTing again and adopting the
   classified the portal names in "Duplicated classified", so there is never a duplicate.

Call ``sync_listing`` outside any transaction: its records must commit as it goes.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from listings.models import Listing, User
from media_sync import portal
from media_sync import vocabulary as v
from media_sync.building import BuiltPayload, build_payloads, preview_changes, source_system  # noqa: F401 - API
from media_sync.diff import ChangeSummary, summarize_changes
from media_sync.field_errors import locate_error
from media_sync.history import finish_attempt, outcome_of, record_read
from media_sync.models import ListingSync, SyncAttempt

State = ListingSync.State
Outcome = SyncAttempt.Outcome

BUSY_RECHECK_SECONDS = 5.0


@dataclass
class SyncOutcome:
    """What one run of ``sync_listing`` did."""

    listing_id: int
    sent: bool = False
    reason: str = ""  # accepted, unchanged, covered, busy, rejected, conflict, gone
    method: str = ""
    classified_id: str = ""
    retry_in: float = 0.0
    changes: ChangeSummary | None = None
    attempts: list[int] = field(default_factory=list)


class SyncBusy(Exception):
    """Another worker holds the listing's lease."""


# ---------------------------------------------------------------------------
# Requests (called by the save paths)
# ---------------------------------------------------------------------------
def request_sync(listing: Listing, *, requested_by: User | None = None, force: bool = False) -> int:
    """Ask for `listing` to be sent to the portal once the current transaction commits.

    Call it from the save that changed the listing or its media, inside its transaction:
    the sync task is queued on commit (nothing on rollback). Several requests before a
    worker runs end in one call with the latest state. `force` sends even an unchanged
    payload (the "retry now" action). Return the request's version.
    """
    sync = _sync_row(listing.pk)
    ListingSync.objects.filter(pk=sync.pk).update(
        requested_version=F("requested_version") + 1,
        requested_by=requested_by if getattr(requested_by, "pk", None) else None,
        requested_at=timezone.now(),
        state=Case(When(state=State.SENDING, then=Value(State.SENDING)), default=Value(State.PENDING)),
    )
    version = ListingSync.objects.filter(pk=sync.pk).values_list("requested_version", flat=True).get()
    listing_id = listing.pk

    def enqueue() -> None:
        from media_sync.tasks import sync_listing_task

        sync_listing_task.delay(listing_id, version=version, force=force)

    # robust: a broker outage must not turn a committed save into an error page; the
    # listing stays PENDING and `manage.py sync_listings` sends it later.
    transaction.on_commit(enqueue, robust=True)
    return version


def retry_sync(listing: Listing, *, requested_by: User | None = None) -> int:
    """Send `listing` again now, even if the portal already accepted this payload ("retry now")."""
    with transaction.atomic():
        return request_sync(listing, requested_by=requested_by, force=True)


def _sync_row(listing_id: int) -> ListingSync:
    sync = ListingSync.objects.filter(listing_id=listing_id).first()
    if sync is not None:
        return sync
    try:
        with transaction.atomic():
            return ListingSync.objects.create(listing_id=listing_id)
    except IntegrityError:
        return ListingSync.objects.get(listing_id=listing_id)


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------
def lease_seconds() -> float:
    """Return how long a worker may hold a listing: two call timeouts and a margin."""
    return 2 * float(settings.PORTAL_TIMEOUT) + 10


def _lease_acquire(sync_id: int) -> str | None:
    owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    now = timezone.now()
    taken = (
        ListingSync.objects.filter(pk=sync_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds()))
    )
    return owner if taken else None


def _lease_extend(sync_id: int, owner: str) -> None:
    until = timezone.now() + dt.timedelta(seconds=lease_seconds())
    ListingSync.objects.filter(pk=sync_id, lease_owner=owner).update(lease_until=until)


def _lease_release(sync_id: int, owner: str) -> None:
    ListingSync.objects.filter(pk=sync_id, lease_owner=owner).update(lease_owner="", lease_until=None)


def sync_listing(
    listing_id: int, *, version: int | None = None, force: bool = False, client: portal.PortalClient | None = None
) -> SyncOutcome:
    """Send listing `listing_id` to the portal if its payload differs from the last one accepted.

    `version` is the request being served: when a finished run already covered it, nothing
    is done. Raise ``portal.PortalUnavailable`` when the portal could not be reached (the
    caller retries later); every other outcome is recorded and returned.
    """
    sync = ListingSync.objects.filter(listing_id=listing_id).first()
    if sync is None:
        if not Listing.objects.filter(pk=listing_id).exists():
            return SyncOutcome(listing_id, reason="gone")
        sync = _sync_row(listing_id)
    if version is not None and not force and sync.synced_version >= version:
        return SyncOutcome(listing_id, reason="covered")
    owner = _lease_acquire(sync.pk)
    if owner is None:
        sync.refresh_from_db(fields=["lease_until"])
        # The holder usually finishes well before its lease ends: look again soon.
        wait = (sync.lease_until - timezone.now()).total_seconds() if sync.lease_until else 1.0
        return SyncOutcome(listing_id, reason="busy", retry_in=min(max(1.0, wait), BUSY_RECHECK_SECONDS))
    try:
        return _Run(sync.pk, owner=owner, force=force, client=client).run()
    finally:
        _lease_release(sync.pk, owner)


class _Run:
    """One run of the sync of a listing, holding its lease."""

    def __init__(self, sync_id: int, *, owner: str, force: bool, client: portal.PortalClient | None) -> None:
        self.sync = ListingSync.objects.select_related("listing__agency").get(pk=sync_id)
        self.owner = owner
        self.force = force
        self.client = client
        self.outcome = SyncOutcome(self.sync.listing_id)

    def run(self) -> SyncOutcome:
        sync = self.sync
        started_version = sync.requested_version
        interrupted = self._resolve_interrupted()
        built = build_payloads([sync.listing_id]).get(sync.listing_id)
        if built is None:
            self.outcome.reason = "gone"
            return self.outcome
        if not self.force and not interrupted and sync.classified_id and built.hash == sync.last_accepted_hash:
            self._settle(started_version)
            self.outcome.reason = "unchanged"
            return self.outcome
        previous = sync.last_accepted_payload if sync.classified_id else None
        changes = summarize_changes(previous, built.payload)
        changes.pending_media = len(built.loaded.pending_media_ids)
        self.outcome.changes = changes
        if self.client is None:
            self.client = portal.PortalClient(intermediary_id=built.loaded.intermediary_id)
        ListingSync.objects.filter(pk=sync.pk).update(state=State.SENDING)
        try:
            response = self._send(built, changes)
        except portal.PortalUnavailable as error:
            ListingSync.objects.filter(pk=sync.pk).update(state=State.PENDING, error=str(error))
            raise
        except portal.PortalRejected as error:
            self._rejected(error, built, started_version)
            return self.outcome
        except portal.PortalError as error:  # 412 twice, refused credentials, other 4xx
            self._failed(str(error))
            self.outcome.reason = "conflict" if isinstance(error, portal.PreconditionFailed) else "failed"
            return self.outcome
        self._accepted(response, built, started_version)
        return self.outcome

    # -- the calls ----------------------------------------------------------------------
    def _send(self, built: BuiltPayload, changes: ChangeSummary) -> portal.PortalResponse:
        sync = self.sync
        if not sync.classified_id:
            try:
                return self._call("POST", built, changes)
            except portal.DuplicatedClassified as error:
                if not error.classified_id:
                    raise
                # Our offererEstateId is already a classified (an earlier POST whose answer we
                # never got, or a listing published before): adopt it and update it.
                self._adopt(error.classified_id)
        try:
            return self._call("PUT", built, changes, etag=sync.etag)
        except portal.ClassifiedNotFound:
            # Deleted on the portal's side: publish it again rather than fail forever.
            self._adopt("")
            return self._call("POST", built, changes)
        except portal.PreconditionFailed:
            # Changed elsewhere since our ETag: read the current one and try once more.
            etag = self._read_etag()
            return self._call("PUT", built, changes, etag=etag)

    def _call(
        self, method: str, built: BuiltPayload, changes: ChangeSummary, *, etag: str = ""
    ) -> portal.PortalResponse:
        sync = self.sync
        path = portal.PortalClient.classified_path(sync.classified_id) if method == "PUT" else v.CLASSIFIEDS_PATH
        attempt = SyncAttempt.objects.create(
            listing_id=sync.listing_id,
            requested_by_id=sync.requested_by_id,
            method=method,
            path=path,
            classified_id=sync.classified_id,
            payload_hash=built.hash,
            changes=changes.as_dict(),
            outcome=Outcome.IN_FLIGHT,
        )
        self.outcome.attempts.append(attempt.pk)
        _lease_extend(sync.pk, self.owner)
        try:
            if method == "POST":
                response = self.client.create_classified(built.payload)
            else:
                response = self.client.update_classified(sync.classified_id, built.payload, etag=etag)
        except portal.PortalError as error:
            finish_attempt(attempt, error=error, outcome=outcome_of(error))
            raise
        finish_attempt(attempt, response=response, outcome=Outcome.ACCEPTED)
        if method == "POST":
            SyncAttempt.objects.filter(pk=attempt.pk).update(classified_id=response.classified_id)
        self.outcome.method = method
        return response

    def _read_etag(self) -> str:
        classified_id = self.sync.classified_id
        response = record_read(
            self.sync,
            lambda client: client.get_classified(classified_id),
            self.client,
            path=portal.PortalClient.classified_path(classified_id),
        )
        ListingSync.objects.filter(pk=self.sync.pk).update(etag=response.etag)
        self.sync.etag = response.etag
        return response.etag

    def _adopt(self, classified_id: str) -> None:
        ListingSync.objects.filter(pk=self.sync.pk).update(classified_id=classified_id, etag="")
        self.sync.classified_id = classified_id
        self.sync.etag = ""

    def _resolve_interrupted(self) -> bool:
        """Mark calls left in flight by a killed worker; return whether there were any."""
        return bool(
            SyncAttempt.objects.filter(
                listing_id=self.sync.listing_id, method__in=("POST", "PUT"), outcome=Outcome.IN_FLIGHT
            ).update(
                outcome=Outcome.INTERRUPTED,
                error="The worker stopped before the portal's answer was recorded; sent again.",
            )
        )

    # -- outcomes -----------------------------------------------------------------------
    def _accepted(self, response: portal.PortalResponse, built: BuiltPayload, started_version: int) -> None:
        sync = self.sync
        classified_id = response.classified_id or sync.classified_id
        ListingSync.objects.filter(pk=sync.pk).update(
            classified_id=classified_id,
            # A 202 carries no ETag: the next one is read once the portal has processed this one.
            etag=response.etag,
            last_accepted_hash=built.hash,
            last_accepted_payload=built.payload,
            last_accepted_media={url: media_id for url, media_id in built.media_by_url.items()},
            last_accepted_at=timezone.now(),
            last_traceparent=response.traceparent,
            synced_version=_max_version(started_version),
            state=_unless_requested(State.PROCESSING, started_version),
            awaiting_status=True,
            error="",
            field_errors=[],
        )
        self.outcome.sent = True
        self.outcome.reason = "accepted"
        self.outcome.classified_id = classified_id

    def _rejected(self, error: portal.PortalRejected, built: BuiltPayload, started_version: int) -> None:
        field_errors = [
            {**item, **locate_error(item["name"], built.payload, built.media_by_url)} for item in error.errors
        ]
        if isinstance(error, portal.DuplicatedMedia) and error.url:
            field_errors.append(
                {"name": "/media", "reason": str(error), "field": "", "media_id": built.media_by_url.get(error.url)}
            )
        ListingSync.objects.filter(pk=self.sync.pk).update(
            state=State.REJECTED,
            error=str(error),
            field_errors=field_errors,
            # The same payload would be refused again: only a new save is worth a new call.
            synced_version=_max_version(started_version),
        )
        self.outcome.reason = "rejected"

    def _failed(self, reason: str) -> None:
        ListingSync.objects.filter(pk=self.sync.pk).update(state=State.FAILED, error=reason)

    def _settle(self, started_version: int) -> None:
        sync = self.sync
        ListingSync.objects.filter(pk=sync.pk).update(
            synced_version=_max_version(started_version),
            state=_unless_requested(settled_state(sync), started_version),
            error="",
            field_errors=[],
        )


def settled_state(sync: ListingSync) -> str:
    """Return the state a listing shows when nothing is waiting to be sent."""
    if not sync.classified_id:
        return State.NEW
    if sync.awaiting_status:
        return State.PROCESSING
    if sync.has_portal_errors:
        return State.PORTAL_ERROR
    return State.SYNCED


def _max_version(version: int):
    return Case(When(synced_version__gt=version, then=F("synced_version")), default=Value(version))


def _unless_requested(state: str, started_version: int):
    """Return `state`, unless a newer request arrived during the run (then stay PENDING)."""
    return Case(When(requested_version__gt=started_version, then=Value(State.PENDING)), default=Value(state))


def mark_sync_failed(listing_id: int, *, reason: str) -> None:
    """Show `listing_id` as FAILED with `reason` (retries exhausted); the agent can "retry now"."""
    ListingSync.objects.filter(listing_id=listing_id).update(state=State.FAILED, error=reason)
    last = (
        SyncAttempt.objects.filter(listing_id=listing_id, outcome=Outcome.RETRYING)
        .order_by("-started_at", "-id")
        .first()
    )
    if last is not None:
        SyncAttempt.objects.filter(pk=last.pk).update(outcome=Outcome.FAILED)
