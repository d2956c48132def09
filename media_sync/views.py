"""The public media URLs the portal downloads: no authentication, immutable content."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from listings.models import MediaVersion
from media_sync.public_media import TIMESTAMP_PARAM, parse_version_stamp

IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def public_media(request: HttpRequest, public_key: str, extension: str) -> HttpResponse:
    """Serve exactly the content version the URL's ``timestamp`` names (GET and HEAD)."""
    version = _version_or_404(public_key, request.GET.get(TIMESTAMP_PARAM, ""))
    response: HttpResponse
    if request.method == "HEAD":
        response = HttpResponse(content_type=version.content_type)
    else:
        try:
            content = version.file.open("rb")
        except FileNotFoundError:
            # A version whose file was removed (collected, or lost by the storage) is gone.
            raise Http404("media file missing") from None
        response = FileResponse(content, content_type=version.content_type)
    response["Content-Length"] = str(version.byte_size)
    response["Cache-Control"] = IMMUTABLE
    response["ETag"] = f'"{version.sha256}"'
    response["Last-Modified"] = http_date(version.content_version.timestamp())
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _version_or_404(public_key: str, stamp: str) -> MediaVersion:
    second = parse_version_stamp(stamp)
    if second is None:
        raise Http404("unknown media version")
    version = (
        MediaVersion.objects.filter(
            media__public_key=public_key,
            content_version__gte=second,
            content_version__lt=second + dt.timedelta(seconds=1),
        )
        .only("file", "content_type", "byte_size", "sha256", "content_version")
        .first()
    )
    if version is None or not version.file:
        raise Http404("unknown media version")
    return version
