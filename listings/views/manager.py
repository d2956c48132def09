"""The media manager page: show, Save, Discard, and the change preview next to Save."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from listings.access import agent_required, listing_for_user
from listings.choices import MediaCategory
from listings.forms import DiscardForm, MediaManagerForm, PreviewForm
from listings.manager import ChangesRejected, VersionConflict, discard_drafts, preview_media_manager, save_media_manager
from listings.models import Listing
from listings.pending import PendingChanges, rebase_changes
from listings.selectors import manager_page
from media_sync.sync import retry_sync as request_retry

# Files sent at once: enough to fill a phone's uplink, few enough to keep each one moving.
PARALLEL_UPLOADS = 3


@agent_required
@require_http_methods(["GET", "POST"])
def media_manager(request: HttpRequest, pk: int) -> HttpResponse:
    listing = listing_for_user(request.user, pk)
    if request.method == "GET":
        return _render(request, listing)
    form = MediaManagerForm(request.POST)
    if not form.is_valid():
        return _render(request, listing, errors=[e for errors in form.errors.values() for e in errors], status=400)
    changes = form.cleaned_data["state"]
    try:
        result = save_media_manager(listing, version=form.cleaned_data["version"], changes=changes, user=request.user)
    except VersionConflict as conflict:
        return _render_rebased(request, conflict.listing, changes, status=409)
    except ChangesRejected as rejected:
        return _render_rebased(request, listing, changes, error=str(rejected), status=400)
    messages.success(request, _("Saved. The portal will be updated in a moment."))
    return redirect(result.listing)


@agent_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    listing = listing_for_user(request.user, pk)
    form = DiscardForm(request.POST)
    drafts = form.cleaned_data["drafts"] if form.is_valid() else []
    discard_drafts(listing, draft_ids=drafts)
    messages.info(request, _("Your changes were discarded: this is the saved state."))
    return redirect(listing)


@agent_required
@require_POST
def preview(request: HttpRequest, pk: int) -> JsonResponse:
    listing = listing_for_user(request.user, pk)
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(form.errors.get("state", []))}, status=400)
    summary = preview_media_manager(listing, changes=form.cleaned_data["state"])
    return JsonResponse(preview_json(summary))


def preview_json(summary) -> dict[str, object]:
    """Return the sync engine's change summary as the page shows it."""
    return {"text": summary.text(), "nothing": summary.nothing_to_send}


def manager_config(listing: Listing) -> dict[str, object]:
    """Return the endpoints and limits the page's script works with."""
    return {
        "uploadUrl": reverse("listings:upload", args=[listing.pk]),
        "linkUrl": reverse("listings:link", args=[listing.pk]),
        "previewUrl": reverse("listings:preview", args=[listing.pk]),
        "pictureMaxBytes": settings.PICTURE_MAX_BYTES,
        "videoMaxBytes": settings.VIDEO_MAX_BYTES,
        "parallelUploads": PARALLEL_UPLOADS,
    }


def _render(
    request: HttpRequest,
    listing: Listing,
    *,
    pending: PendingChanges | None = None,
    notices: Sequence[str] = (),
    errors: Sequence[str] = (),
    status: int = 200,
) -> HttpResponse:
    page = manager_page(listing, pending=pending)
    context = {
        "page": page,
        "listing": page.listing,
        "categories": MediaCategory.choices,
        "preview": preview_json(preview_media_manager(listing, changes=pending)),
        "notices": notices,
        "errors": errors,
        "config": manager_config(listing),
        "video_max_mb": settings.VIDEO_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "listings/media_manager.html", context, status=status)


def _render_rebased(
    request: HttpRequest, listing: Listing, changes: PendingChanges, *, error: str = "", status: int
) -> HttpResponse:
    """Show the listing as saved now with the agent's changes carried over, not saved yet."""
    listing.refresh_from_db()
    rebase = rebase_changes(changes, current=list(listing.media.all()))
    notices = [] if error else rebase.notices()
    return _render(
        request, listing, pending=rebase.changes, notices=notices, errors=[error] * bool(error), status=status
    )


@agent_required
@require_POST
def retry_sync(request: HttpRequest, pk: int) -> HttpResponse:
    listing = listing_for_user(request.user, pk)
    request_retry(listing, requested_by=request.user)
    messages.info(request, _("The listing is being sent to the portal again."))
    return redirect(listing)
