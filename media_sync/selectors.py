"""Reads for the agent's pages and the back office: sync state, media statuses, history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet

from listings.models import Listing
from media_sync.models import ListingSync, MediaPortalStatus, SyncAttempt
from media_sync.statuses import classified_status_help, customer_care_request, media_status_help

State = ListingSync.State


@dataclass(frozen=True)
class MediaPortalView:
    """The portal's status of one media, and what the agent can do about it."""

    media_id: int | None
    url: str
    status: str
    is_error: bool
    what_happened: str
    how_to_fix: str
    url_works: bool | None
    url_checked_at: dt.datetime | None
    url_check_detail: str
    customer_care_text: str


@dataclass(frozen=True)
class ListingSyncView:
    """Where a listing stands with the portal, ready for a template.

    ``state`` is a ``ListingSync.State`` value; ``errors_by_field`` maps listing field names
    and ``errors_by_media`` media ids to the reasons the portal gave (400 validation);
    ``media`` maps media ids to their portal status.
    """

    listing_id: int
    state: str
    state_label: str
    classified_id: str = ""
    portal_status: str = ""
    portal_message: str = ""
    what_happened: str = ""
    how_to_fix: str = ""
    error: str = ""
    errors_by_field: dict[str, list[str]] = field(default_factory=dict)
    errors_by_media: dict[int, list[str]] = field(default_factory=dict)
    other_errors: list[str] = field(default_factory=list)
    media: dict[int, MediaPortalView] = field(default_factory=dict)
    unmatched_media: list[MediaPortalView] = field(default_factory=list)
    last_accepted_at: dt.datetime | None = None
    last_traceparent: str = ""
    needs_action: bool = False
    can_retry: bool = False
    preview_url: str = ""


def is_published(listing: Listing) -> bool:
    """Return whether the portal knows `listing` (it has a classified id)."""
    return ListingSync.objects.filter(listing=listing).exclude(classified_id="").exists()


def listing_sync_states(listing_ids: Iterable[int]) -> dict[int, ListingSyncView]:
    """Return the sync state of each listing of `listing_ids`, in two queries whatever their number.

    Listings never saved for the portal get a ``NEW`` view.
    """
    ids = list(listing_ids)
    syncs = {s.listing_id: s for s in ListingSync.objects.filter(listing_id__in=ids).select_related("listing")}
    statuses: dict[int, list[MediaPortalStatus]] = defaultdict(list)
    for row in MediaPortalStatus.objects.filter(listing_id__in=list(syncs)).order_by("id"):
        statuses[row.listing_id].append(row)
    views = {}
    for listing_id in ids:
        sync = syncs.get(listing_id)
        views[listing_id] = (
            _view(sync, statuses.get(listing_id, []))
            if sync
            else ListingSyncView(listing_id=listing_id, state=State.NEW, state_label=str(State.NEW.label))
        )
    return views


def listing_sync_state(listing: Listing) -> ListingSyncView:
    """Return the sync state of one listing (see `listing_sync_states`)."""
    return listing_sync_states([listing.pk])[listing.pk]


def _view(sync: ListingSync, rows: list[MediaPortalStatus]) -> ListingSyncView:
    by_field: dict[str, list[str]] = defaultdict(list)
    by_media: dict[int, list[str]] = defaultdict(list)
    other: list[str] = []
    for item in sync.field_errors or []:
        reason = str(item.get("reason") or "")
        if item.get("media_id"):
            by_media[int(item["media_id"])].append(reason)
        elif item.get("field"):
            by_field[str(item["field"])].append(reason)
        else:
            other.append(f"{item.get('name', '')}: {reason}".strip(": "))
    media: dict[int, MediaPortalView] = {}
    unmatched = []
    for row in rows:
        what, how = media_status_help(row.status)
        item = MediaPortalView(
            media_id=row.media_id,
            url=row.url,
            status=row.status,
            is_error=row.is_error,
            what_happened=what,
            how_to_fix=how,
            url_works=row.url_works,
            url_checked_at=row.url_checked_at,
            url_check_detail=row.url_check_detail,
            customer_care_text=customer_care_request(row, sync=sync) if row.is_error else "",
        )
        if row.media_id is None:
            unmatched.append(item)
        else:
            media[row.media_id] = item
    what, how = classified_status_help(sync.portal_status)
    preview = settings.PORTAL_PREVIEW_URL
    return ListingSyncView(
        listing_id=sync.listing_id,
        state=sync.state,
        state_label=str(sync.get_state_display()),
        classified_id=sync.classified_id,
        portal_status=sync.portal_status,
        portal_message=sync.portal_message,
        what_happened=what,
        how_to_fix=how,
        error=sync.error,
        errors_by_field=dict(by_field),
        errors_by_media=dict(by_media),
        other_errors=other,
        media=media,
        unmatched_media=unmatched,
        last_accepted_at=sync.last_accepted_at,
        last_traceparent=sync.last_traceparent,
        needs_action=sync.needs_action,
        can_retry=sync.state in {State.FAILED, State.REJECTED, State.PORTAL_ERROR} or sync.has_portal_errors,
        preview_url=preview.format(classified_id=sync.classified_id) if preview and sync.classified_id else "",
    )


def listing_sync_history(listing: Listing, *, limit: int = 50, writes_only: bool = False) -> QuerySet[SyncAttempt]:
    """Return the latest portal calls of `listing`, newest first (one query)."""
    attempts = SyncAttempt.objects.filter(listing=listing).select_related("requested_by")
    if writes_only:
        attempts = attempts.filter(method__in=("POST", "PUT"))
    return attempts.order_by("-started_at", "-id")[:limit]


def listings_with_portal_errors() -> QuerySet[Listing]:
    """Return the listings that need an action: failed or refused sync, or errors reported by the portal."""
    return Listing.objects.filter(portal_errors_q())


def portal_errors_q(prefix: str = "portal_sync__") -> Q:
    """Return the condition "needs an action on the portal side" for listings (or, prefix "", for syncs)."""
    return Q(**{f"{prefix}state__in": [State.FAILED, State.REJECTED, State.PORTAL_ERROR]}) | Q(
        **{f"{prefix}has_portal_errors": True}
    )
