"""Creating and changing a listing's own fields (the classified), each save requesting a sync."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from listings.manager import VersionConflict
from listings.media import lock_listing
from listings.models import Agency, Listing

EDITABLE_FIELDS = (
    "reference", "transaction_type", "property_type", "title", "description", "price", "living_area", "rooms",
    "bedrooms", "street", "house_number", "postal_code", "city", "country", "dpe_class", "ges_class",
)  # fmt: skip


def create_listing(*, agency: Agency, data: dict[str, Any], user) -> Listing:
    """Create a listing of `agency` from validated form `data` and request its first sync."""
    from media_sync.sync import request_sync

    with transaction.atomic():
        listing = Listing.objects.create(agency=agency, **{name: data[name] for name in EDITABLE_FIELDS})
        request_sync(listing, requested_by=user)
    return listing


def changed_fields(listing: Listing, data: dict[str, Any]) -> list[str]:
    """Return the names of the fields whose value in `data` differs from `listing`'s."""
    return [name for name in EDITABLE_FIELDS if name in data and getattr(listing, name) != data[name]]


def update_listing(listing: Listing, *, data: dict[str, Any], version: int, user) -> Listing:
    """Write validated form `data` on `listing` if nobody saved it since `version`; request a sync.

    Raises `VersionConflict` (nothing written) when the listing was saved meanwhile.
    """
    from media_sync.sync import request_sync

    with transaction.atomic():
        locked = lock_listing(listing.pk)
        if locked.version != version:
            raise VersionConflict(locked)
        for name in EDITABLE_FIELDS:
            setattr(locked, name, data[name])
        locked.version = F("version") + 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*EDITABLE_FIELDS, "version", "updated_at"])
        locked.refresh_from_db(fields=["version"])
        request_sync(locked, requested_by=user)
    return locked
