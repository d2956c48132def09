"""The media manager's JSON endpoints: upload a file, add a link, poll a media's processing."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from listings.access import agent_required, listing_for_user, media_for_user
from listings.forms import LinkForm, UploadForm
from listings.pending import PICTURE_KINDS
from listings.selectors import media_json
from listings.upload_limits import upload_refusal
from listings.uploads import PICTURE, VIDEO, add_upload
from listings.videos import MediaRejected, add_link


def _refused(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _form_refused(form) -> JsonResponse:
    return _refused(" ".join(error for errors in form.errors.values() for error in errors))


@agent_required
@require_POST
def upload(request: HttpRequest, pk: int) -> JsonResponse:
    listing = listing_for_user(request.user, pk)
    form = UploadForm(request.POST, request.FILES)
    if refusal := upload_refusal(request):
        return _refused(refusal)
    if not form.is_valid():
        return _form_refused(form)
    expect = None
    if form.cleaned_data["replaces"] is not None:
        target = get_object_or_404(listing.media, pk=form.cleaned_data["replaces"])
        expect = PICTURE if target.kind in PICTURE_KINDS else VIDEO
    upload = form.cleaned_data["file"]
    try:
        media = add_upload(listing, upload=upload, filename=upload.name, expect=expect)
    except MediaRejected as rejected:
        return _refused(str(rejected))
    return JsonResponse(media_json(media), status=201)


@agent_required
@require_POST
def link(request: HttpRequest, pk: int) -> JsonResponse:
    listing = listing_for_user(request.user, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _form_refused(form)
    try:
        media = add_link(listing, kind=form.cleaned_data["kind"], url=form.cleaned_data["url"], is_draft=True)
    except MediaRejected as rejected:
        return _refused(str(rejected))
    return JsonResponse(media_json(media), status=201)


@agent_required
@require_GET
def media_status(request: HttpRequest, pk: int) -> JsonResponse:
    media = media_for_user(request.user, pk)
    return JsonResponse(media_json(media))
