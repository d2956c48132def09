"""Inspection and fault control for tests and demos (no token, never under /caas/v4)."""

import json
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse

from portal_sandbox import faults, stats
from portal_sandbox.models import Classified
from portal_sandbox.views.api import status_item


def stats_view(request: HttpRequest) -> JsonResponse:
    """Return the sandbox's counters."""
    return JsonResponse(stats.sandbox_stats())


def faults_view(request: HttpRequest) -> JsonResponse:
    """Inject faults (POST, see portal_sandbox.faults) or list the active ones (GET)."""
    if request.method == "GET":
        return JsonResponse({"faults": faults.active_faults()})
    if request.method != "POST":
        return JsonResponse({"error": "use GET or POST"}, status=405)
    try:
        outcome = faults.fault_inject(json.loads(request.body or b"{}"))
    except (ValueError, UnicodeDecodeError) as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(outcome)


def reset_view(request: HttpRequest) -> HttpResponse:
    """Forget everything (POST only)."""
    if request.method != "POST":
        return JsonResponse({"error": "use POST"}, status=405)
    stats.sandbox_reset()
    return JsonResponse({"reset": True})


def classified_view(request: HttpRequest, classified_id: uuid.UUID) -> JsonResponse:
    """Return everything the sandbox knows about one classified, without a token."""
    classified = Classified.objects.filter(pk=classified_id).first()
    if classified is None:
        return JsonResponse({"error": "unknown classified"}, status=404)
    return JsonResponse({
        "classifiedId": str(classified.pk),
        "clientId": classified.client_id,
        "intermediaryId": classified.intermediary_id,
        "offererEstateId": classified.offerer_estate_id,
        "revision": classified.revision,
        "etag": classified.etag,
        "deleted": classified.deleted_at is not None,
        "payload": classified.payload,
        "statuses": [status_item(event, classified) for event in classified.status_events.all()],
        "media": [
            {
                "url": media.url,
                "position": media.position,
                "mediaType": media.media_type,
                "title": media.title,
                "status": media.status,
                "reason": media.reason,
                "width": media.width,
                "height": media.height,
            }
            for media in classified.media.all()
        ],
    })  # fmt: skip
