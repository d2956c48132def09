"""Where the portal's validation errors point: a listing field or a media of the payload."""

from __future__ import annotations

import re

from media_sync import vocabulary as v

# Where a validation error points to: a listing field (model field name) or a media.
_FIELD_OF_POINTER = (
    ("/data/texts/headline", "title"),
    ("/data/texts/description", "description"),
    ("/data/prices", "price"),
    ("/data/location/postalcode", "postal_code"),
    ("/data/location/city", "city"),
    ("/data/location/street", "street"),
    ("/data/location/houseNumber", "house_number"),
    ("/data/location/country", "country"),
    ("/data/spaces", "living_area"),
    ("/data/structure/rooms/numberOfRooms", "rooms"),
    ("/data/structure/rooms/numberOfBedRooms", "bedrooms"),
    ("/data/energy", "dpe_class"),
    ("/data/estateType", "property_type"),
    ("/data/estateSubType", "property_type"),
    ("/data/distributionType", "transaction_type"),
    ("/data/metaData", "reference"),
)
_MEDIA_POINTER = re.compile(r"^/media/(\d+)(?:/|$)")


def locate_error(name: str, payload: dict, media_by_url: dict[str, int]) -> dict:
    """Return ``{"field", "media_id"}`` for a validation error's name (a JSON pointer)."""
    pointer = name if name.startswith("/") else "/" + name.replace(".", "/")
    media = _MEDIA_POINTER.match(pointer)
    if media:
        items = payload.get(v.MEDIA) or []
        index = int(media.group(1))
        url = items[index].get(v.MEDIA_URL) if index < len(items) else None
        return {"field": "", "media_id": media_by_url.get(url)}
    if "GHGEmission" in pointer:
        return {"field": "ges_class", "media_id": None}
    field_name = next((name for prefix, name in _FIELD_OF_POINTER if pointer.startswith(prefix)), "")
    return {"field": field_name, "media_id": None}
