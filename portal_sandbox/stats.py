"""What the sandbox tells tests and demos about itself, and how it forgets everything."""

from django.db import transaction
from django.db.models import Count

from portal_sandbox import faults, processing
from portal_sandbox.models import (
    AccessToken,
    ApiCall,
    Classified,
    Fault,
    MediaDownload,
    Revision,
    TokenRequest,
)

RECENT_CALLS = 50


def sandbox_stats() -> dict:
    """Return the counters of GET /_sandbox/stats."""
    calls = ApiCall.objects.all()
    token_requests = TokenRequest.objects.all()
    downloads = MediaDownload.objects.all()
    noops = calls.filter(is_noop=True)
    by_intermediary: dict[str, dict[str, int]] = {}
    for row in token_requests.filter(granted=True).values("client_id", "intermediary_id").annotate(n=Count("id")):
        by_intermediary.setdefault(row["client_id"], {})[row["intermediary_id"]] = row["n"]
    return {
        "calls": {
            "total": calls.count(),
            "by_method": _counts(calls, "method"),
            "by_status": {str(key): value for key, value in _counts(calls, "status").items()},
            "recent": [
                {
                    "method": call.method,
                    "path": call.path,
                    "status": call.status,
                    "traceparent": call.traceparent,
                    "noop": call.is_noop,
                    "at": call.created_at.isoformat(),
                }
                for call in calls.order_by("-id")[:RECENT_CALLS][::-1]
            ],
        },
        "token_requests": {
            "total": token_requests.filter(granted=True).count(),
            "refused": token_requests.filter(granted=False).count(),
            "by_client": _counts(token_requests.filter(granted=True), "client_id"),
            "by_client_and_intermediary": by_intermediary,
        },
        "downloads": {
            "total": downloads.count(),
            "failed": downloads.filter(succeeded=False).count(),
            "by_url": _counts(downloads, "url"),
        },
        "put_noops": {
            "total": noops.count(),
            "by_classified": {str(key): value for key, value in _counts(noops, "classified_id").items()},
        },
        "classifieds": {
            "live": Classified.objects.filter(deleted_at__isnull=True).count(),
            "deleted": Classified.objects.filter(deleted_at__isnull=False).count(),
        },
        "pending_revisions": Revision.objects.exclude(state=Revision.State.DONE).count(),
        "faults": faults.active_faults(),
    }


def _counts(queryset, field: str) -> dict:
    """Return {value: number of rows} for one field of ``queryset``."""
    rows = queryset.order_by().values(field).annotate(n=Count("id"))
    return {row[field]: row["n"] for row in rows}


def sandbox_reset() -> None:
    """Forget every classified, token, log and fault, with the processor held still."""
    with processing.processing_paused(), transaction.atomic():
        for model in (Classified, AccessToken, TokenRequest, ApiCall, MediaDownload, Fault):
            model.objects.all().delete()
