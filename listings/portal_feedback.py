"""The portal's side of a listing as the agent's pages show it: a badge, the last sync, media errors.

A thin layer over the sync engine's selector (`media_sync.selectors.listing_sync_states`,
constant queries for any number of listings) that adds what the templates need: the
badge's tone, the URL of "Retry now" and each media's problem with how to fix it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from media_sync.models import ListingSync
from media_sync.selectors import ListingSyncView, listing_sync_states

State = ListingSync.State
TONES = {
    State.NEW: "none", State.PENDING: "pending", State.SENDING: "pending", State.PROCESSING: "pending",
    State.SYNCED: "ok", State.PORTAL_ERROR: "error", State.REJECTED: "error", State.FAILED: "error",
}  # fmt: skip


@dataclass
class MediaProblem:
    text: str
    fix: str
    customer_care_text: str = ""


@dataclass
class PortalState:
    state: str
    label: str
    tone: str
    last_sync_at: dt.datetime | None = None
    outcome: str = ""
    how_to_fix: str = ""
    error: str = ""
    field_errors: list[str] = field(default_factory=list)
    media_errors: dict[int, MediaProblem] = field(default_factory=dict)
    preview_url: str = ""
    can_retry: bool = False
    retry_url: str = ""


def _state(view: ListingSyncView) -> PortalState:
    media_errors = {
        media_id: MediaProblem(item.what_happened, item.how_to_fix, item.customer_care_text)
        for media_id, item in view.media.items()
        if item.is_error and media_id is not None
    }
    for media_id, reasons in view.errors_by_media.items():
        media_errors.setdefault(
            media_id,
            MediaProblem(_("The portal refused this media: %(reasons)s") % {"reasons": "; ".join(reasons)},
                         _("Fix it (caption, category, file or link) or delete it, then save.")),
        )  # fmt: skip
    field_errors = [f"{name}: {'; '.join(reasons)}" for name, reasons in view.errors_by_field.items()]
    tone = TONES.get(view.state, "none")
    if tone == "ok" and (media_errors or view.needs_action):
        tone = "warn"
    return PortalState(
        state=view.state,
        label=view.state_label,
        tone=tone,
        last_sync_at=view.last_accepted_at,
        outcome=view.what_happened or view.portal_message,
        how_to_fix=view.how_to_fix,
        error=view.error,
        field_errors=field_errors + list(view.other_errors),
        media_errors=media_errors,
        preview_url=view.preview_url,
        can_retry=view.can_retry,
        retry_url=reverse("listings:retry-sync", args=[view.listing_id]),
    )


def portal_states(listing_ids: Iterable[int]) -> dict[int, PortalState]:
    """Return the portal state of each listing of `listing_ids`, in constant queries."""
    return {pk: _state(view) for pk, view in listing_sync_states(listing_ids).items()}


def portal_state(listing) -> PortalState:
    """Return the portal state of one listing."""
    return portal_states([listing.pk])[listing.pk]
