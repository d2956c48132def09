"""The history of calls to the portal: one ``SyncAttempt`` per call, finished with what it got."""

from __future__ import annotations

from media_sync import portal
from media_sync.models import ListingSync, SyncAttempt

Outcome = SyncAttempt.Outcome


def outcome_of(error: portal.PortalError) -> str:
    """Return how the history names a call that ended with `error`."""
    if isinstance(error, portal.PortalUnavailable):
        return Outcome.RETRYING
    if isinstance(error, portal.PreconditionFailed):
        return Outcome.CONFLICT
    if isinstance(error, portal.DuplicatedClassified):
        return Outcome.DUPLICATE
    if isinstance(error, portal.PortalRejected):
        return Outcome.REJECTED
    return Outcome.FAILED


def finish_attempt(
    attempt: SyncAttempt, *, outcome: str, response: portal.PortalResponse | None = None,
    error: portal.PortalError | None = None,
) -> None:  # fmt: skip
    """Record what an in-flight call got: its answer or its error."""
    source = response or error
    SyncAttempt.objects.filter(pk=attempt.pk).update(
        outcome=outcome,
        http_status=getattr(source, "status", None),
        traceparent=getattr(source, "traceparent", "") or "",
        duration_ms=getattr(source, "duration_ms", None),
        error=str(error) if error else "",
    )


def record_read(
    sync: ListingSync, call, client: portal.PortalClient | None = None, *, path: str = ""
) -> portal.PortalResponse:
    """Make a read call (`call(client)`) of `path` for `sync`'s classified and record it in the history."""
    if client is None:
        client = portal.PortalClient(intermediary_id=sync.listing.agency.intermediary_id)
    attempt = SyncAttempt.objects.create(
        listing_id=sync.listing_id, method="GET", path=path, classified_id=sync.classified_id, outcome=Outcome.IN_FLIGHT
    )
    try:
        response = call(client)
    except portal.PortalError as error:
        finish_attempt(attempt, error=error, outcome=outcome_of(error))
        raise
    finish_attempt(attempt, response=response, outcome=Outcome.READ)
    return response
