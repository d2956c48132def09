"""Pages for people: the index of classifieds, a classified's preview, picture renditions."""

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portal_sandbox.models import Classified, PortalMedia
from portal_sandbox.preview import classified_preview


def index(request: HttpRequest) -> HttpResponse:
    """List every classified with a link to its preview."""
    rows = [
        {"classified": classified, "preview": classified_preview(classified)}
        for classified in Classified.objects.order_by("deleted_at", "-updated_at").prefetch_related("media")[:200]
    ]
    return render(request, "portal_sandbox/index.html", {"rows": rows})


def preview(request: HttpRequest, classified_id: uuid.UUID) -> HttpResponse:
    """Show the search-list card and the detail page as the portal would display them."""
    classified = Classified.objects.filter(pk=classified_id).first()
    if classified is None:
        raise Http404("Annonce inconnue")
    status = 404 if classified.deleted_at else 200
    context = {"p": classified_preview(classified), "deleted": classified.deleted_at is not None}
    return render(request, "portal_sandbox/preview.html", context, status=status)


def rendition(request: HttpRequest, media_id: int) -> HttpResponse:
    """Return the portal's own JPEG copy of a picture."""
    data = PortalMedia.objects.filter(pk=media_id).values_list("rendition", flat=True).first()
    if not data:
        raise Http404("Image inconnue")
    response = HttpResponse(bytes(data), content_type="image/jpeg")
    response["Cache-Control"] = "no-cache"
    return response
