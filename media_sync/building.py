"""Payloads as they stand in the database: built, hashed and compared with what the portal has."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from listings.models import Listing
from media_sync import vocabulary as v
from media_sync.diff import ChangeSummary, summarize_changes
from media_sync.models import ListingSync
from media_sync.payload import SourceSystem, build_classified, ordered_media, payload_hash
from media_sync.snapshots import LoadedListing, listing_snapshots

# The version of our payload format, sent as sourceSystemVersion. It is not the release
# number on purpose: deploying a new release must not make every listing differ (and be
# sent again); raise it when the payload format itself changes.
PAYLOAD_FORMAT_VERSION = "1"


def source_system() -> SourceSystem:
    """Return who we are in ``metaData.source`` and where we publish."""
    portals = tuple(settings.PORTAL_PORTALS)
    return SourceSystem(name=settings.PORTAL_SOFTWARE_NAME, version=PAYLOAD_FORMAT_VERSION, portals=portals)


@dataclass(frozen=True)
class BuiltPayload:
    payload: dict
    hash: str
    media_by_url: dict[str, int]
    loaded: LoadedListing


def build_payloads(listing_ids: list[int], *, include_drafts: bool = False) -> dict[int, BuiltPayload]:
    """Return the payload of each listing as it stands in the database (two queries per call)."""
    loaded = listing_snapshots(
        listing_ids, media_base_url=settings.PUBLIC_MEDIA_BASE_URL, include_drafts=include_drafts
    )
    source = source_system()
    built = {}
    for listing_id, item in loaded.items():
        payload = build_classified(item.snapshot, source=source)
        media_by_url = {entry[v.MEDIA_URL]: media_id for entry, media_id in ordered_media(item.snapshot.media)}
        built[listing_id] = BuiltPayload(payload, payload_hash(payload), media_by_url, item)
    return built


def preview_changes(listing: Listing, *, include_drafts: bool = True) -> ChangeSummary:
    """Return what saving `listing` now would make the portal do, in words and counts.

    Drafts count as saved (the agent is about to save them); media still being processed
    are counted in ``pending_media``. ``str(summary)`` gives for example "adds 3 pictures,
    moves 2 pictures; video unchanged" or "nothing to send"; the same diff code writes the
    history.
    """
    built = build_payloads([listing.pk], include_drafts=include_drafts).get(listing.pk)
    if built is None:
        return ChangeSummary()
    sync = ListingSync.objects.filter(listing_id=listing.pk).first()
    previous = sync.last_accepted_payload if sync and sync.classified_id else None
    summary = summarize_changes(previous, built.payload)
    summary.pending_media = len(built.loaded.pending_media_ids)
    return summary
