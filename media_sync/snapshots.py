"""Listing snapshots read from the database, in a fixed number of queries per batch.

Which media are sent (the rule the whole engine relies on):

- drafts (``is_draft``: uploaded but not saved) never are, unless a preview asks to see
  the listing as if it were saved;
- ``FAILED`` media never are: the agent has to fix or delete them;
- a ``READY`` media is sent: an external link as the agent gave it, a file at the public
  URL of its current content version;
- a ``PENDING`` media (being processed) is never sent half-made: if it already had a
  complete version (a replacement being processed), that previous version keeps its
  URL; if it never had one, it is left out and the sync requested when its processing
  ends sends it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from listings.choices import ProcessingStatus
from listings.models import Listing, Media
from media_sync.payload import ListingSnapshot, MediaSnapshot
from media_sync.public_media import public_media_url

_LISTING_FIELDS = (
    "pk", "reference", "agency__offerer_marketing_key", "transaction_type", "property_type", "title",
    "price", "postal_code", "city", "country", "street", "house_number", "description", "living_area",
    "rooms", "bedrooms", "dpe_class", "ges_class",
)  # fmt: skip
_MEDIA_FIELDS = (
    "pk", "listing_id", "kind", "position", "category", "tags", "title", "is_draft", "processing_status",
    "original", "external_url", "public_key", "content_version", "content_type",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LoadedListing:
    """A snapshot and what was left out of it."""

    snapshot: ListingSnapshot
    agency_id: int
    intermediary_id: str
    pending_media_ids: tuple[int, ...]


def listing_snapshots(
    listing_ids: Iterable[int], *, media_base_url: str, include_drafts: bool = False
) -> dict[int, LoadedListing]:
    """Return the snapshot of each listing in `listing_ids` (missing ones are absent), in two queries."""
    ids = list(listing_ids)
    rows = Listing.objects.filter(pk__in=ids).values_list(*_LISTING_FIELDS, "agency_id", "agency__intermediary_id")
    media_rows = (
        Media.objects.filter(listing_id__in=ids)
        .exclude(processing_status=ProcessingStatus.FAILED)
        .order_by("listing_id", "position")
        .values_list(*_MEDIA_FIELDS)
    )
    if not include_drafts:
        media_rows = media_rows.filter(is_draft=False)
    sent: dict[int, list[MediaSnapshot]] = defaultdict(list)
    pending: dict[int, list[int]] = defaultdict(list)
    for row in media_rows:
        media = dict(zip(_MEDIA_FIELDS, row, strict=True))
        url = sendable_url(media, media_base_url=media_base_url)
        if url is None:
            pending[media["listing_id"]].append(media["pk"])
            continue
        sent[media["listing_id"]].append(
            MediaSnapshot(
                media_id=media["pk"],
                kind=media["kind"],
                position=media["position"],
                url=url,
                category=media["category"],
                tags=tuple(media["tags"] or ()),
                title=media["title"],
            )
        )
    loaded = {}
    for row in rows:
        values = dict(zip((*_LISTING_FIELDS, "agency_id", "intermediary_id"), row, strict=True))
        listing_id = values["pk"]
        snapshot = ListingSnapshot(
            listing_id=listing_id,
            reference=values["reference"],
            offerer_marketing_key=values["agency__offerer_marketing_key"],
            transaction_type=values["transaction_type"],
            property_type=values["property_type"],
            title=values["title"],
            price=values["price"],
            postal_code=values["postal_code"],
            city=values["city"],
            country=values["country"],
            street=values["street"],
            house_number=values["house_number"],
            description=values["description"],
            living_area=values["living_area"],
            rooms=values["rooms"],
            bedrooms=values["bedrooms"],
            dpe_class=values["dpe_class"],
            ges_class=values["ges_class"],
            media=tuple(sent.get(listing_id, ())),
        )
        loaded[listing_id] = LoadedListing(
            snapshot=snapshot,
            agency_id=values["agency_id"],
            intermediary_id=values["intermediary_id"],
            pending_media_ids=tuple(pending.get(listing_id, ())),
        )
    return loaded


def sendable_url(media: dict, *, media_base_url: str) -> str | None:
    """Return the URL a media row is sent at, or None when it must not be sent now."""
    status = media["processing_status"]
    if status == ProcessingStatus.FAILED:
        return None
    if media["external_url"] and not media["original"]:
        return media["external_url"] if status == ProcessingStatus.READY else None
    if media["content_version"] is None:
        return None
    return public_media_url(
        base_url=media_base_url,
        public_key=media["public_key"],
        content_version=media["content_version"],
        content_type=media["content_type"],
    )
