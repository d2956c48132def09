"""The portal payload (``AvivClassified``), built from plain snapshots.

Pure: no database, network, Celery or settings. A listing snapshot goes in, a dict valid
against the portal's schema comes out, and ``payload_hash`` gives the fingerprint that
decides whether anything is sent at all. Media URLs are resolved before building (see
``media_sync.snapshots`` and ``media_sync.public_media``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from listings.choices import PORTAL_ESTATE_TYPES
from media_sync import vocabulary as v

ALLOWED_CATEGORIES = frozenset({
    "BALCONY", "BASEMENT", "BATHROOM", "BEDROOM", "CHILDREN_ROOM", "CORRIDOR", "COVER_PICTURE",
    "ENERGY_CERTIFICATE", "ENTRY_HALL", "FLOOR_PLAN", "GARAGE", "GARDEN", "HOUSE_VIEW", "INDOOR",
    "KITCHEN", "LIVING_ROOM", "LOGO", "MAP", "MISC", "OUTDOOR", "OUTDOOR_BUILDING", "OUTDOOR_HOUSE",
    "OUTSIDE_VIEW", "POOL", "PROPERTY_INFORMATION", "SCHEMA", "SITE_PLAN", "STAIRS", "STORAGE_ROOM",
    "SURROUNDING", "TERRACE", "TOILETS", "VERANDA", "VIEW_FROM_PROPERTY", "WORK_ROOM",
})  # fmt: skip

# Default titles, in French like the rest of the classified: fixed words rather than the
# active translation, so that the payload (and its hash) never depends on who builds it.
DEFAULT_TITLES = {
    "BALCONY": "Balcon", "BASEMENT": "Sous-sol", "BATHROOM": "Salle de bains", "BEDROOM": "Chambre",
    "CHILDREN_ROOM": "Chambre d'enfant", "CORRIDOR": "Couloir", "COVER_PICTURE": "Photo principale",
    "ENERGY_CERTIFICATE": "Diagnostic de performance énergétique", "ENTRY_HALL": "Entrée",
    "FLOOR_PLAN": "Plan", "GARAGE": "Garage", "GARDEN": "Jardin", "HOUSE_VIEW": "Vue de la maison",
    "INDOOR": "Intérieur", "KITCHEN": "Cuisine", "LIVING_ROOM": "Séjour", "LOGO": "Logo",
    "MAP": "Carte", "MISC": "Photo", "OUTDOOR": "Extérieur", "OUTDOOR_BUILDING": "Bâtiment",
    "OUTDOOR_HOUSE": "Façade", "OUTSIDE_VIEW": "Vue extérieure", "POOL": "Piscine",
    "PROPERTY_INFORMATION": "Informations sur le bien", "SCHEMA": "Schéma", "SITE_PLAN": "Plan de situation",
    "STAIRS": "Escalier", "STORAGE_ROOM": "Cellier", "SURROUNDING": "Environnement", "TERRACE": "Terrasse",
    "TOILETS": "Toilettes", "VERANDA": "Véranda", "VIEW_FROM_PROPERTY": "Vue depuis le bien",
    "WORK_ROOM": "Bureau",
}  # fmt: skip
DEFAULT_TYPE_TITLES = {
    v.MEDIA_TYPE_VIDEO: "Vidéo du bien",
    v.MEDIA_TYPE_VIRTUAL_TOUR: "Visite virtuelle",
    v.MEDIA_TYPE_PANORAMA: "Panorama 360°",
}
TITLE_MAX_LENGTH = 200
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class MediaSnapshot:
    """One media as the portal will see it; `url` is already resolved."""

    media_id: int
    kind: str
    position: int
    url: str
    category: str = v.MISC
    tags: tuple[str, ...] = ()
    title: str = ""


@dataclass(frozen=True, slots=True)
class ListingSnapshot:
    """The fields of a listing the payload is built from, and its sendable media."""

    listing_id: int
    reference: str
    offerer_marketing_key: str
    transaction_type: str
    property_type: str
    title: str
    price: Decimal | int | float
    postal_code: str
    city: str
    country: str = "FR"
    street: str = ""
    house_number: str = ""
    description: str = ""
    living_area: Decimal | int | float | None = None
    rooms: int | None = None
    bedrooms: int | None = None
    dpe_class: str = ""
    ges_class: str = ""
    media: tuple[MediaSnapshot, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class SourceSystem:
    """Who sends: ``metaData.source`` and the portals to publish on."""

    name: str
    version: str
    portals: tuple[str, ...] = v.DEFAULT_PORTALS


def build_classified(listing: ListingSnapshot, *, source: SourceSystem) -> dict:
    """Return the ``AvivClassified`` payload of `listing`."""
    return {
        v.PORTALS: list(source.portals),
        v.DATA: _real_estate(listing, source=source),
        v.MEDIA: build_media_list(listing.media),
    }


def build_media_list(media: Iterable[MediaSnapshot]) -> list[dict]:
    """Return the ordered media list: pictures first (the first is the cover), then videos, tours, panoramas."""
    return [item for item, _media_id in ordered_media(media)]


def ordered_media(media: Iterable[MediaSnapshot]) -> list[tuple[dict, int]]:
    """Return each payload media item with the id of the media it comes from, in display order."""
    order = {media_type: index for index, media_type in enumerate(v.MEDIA_TYPE_ORDER)}
    ordered = sorted(media, key=lambda item: (order.get(item.kind, len(order)), item.position, item.media_id))
    items = []
    cover_given = False
    seen_urls: set[str] = set()
    for item in ordered:
        # The portal knows a media by its URL: a link given twice is one media, sent once.
        if item.url in seen_urls:
            continue
        seen_urls.add(item.url)
        is_cover = item.kind == v.MEDIA_TYPE_PICTURE and not cover_given
        cover_given = cover_given or is_cover
        items.append((_media_item(item, is_cover=is_cover), item.media_id))
    return items


def _media_item(item: MediaSnapshot, *, is_cover: bool) -> dict:
    category = item.category if item.category in ALLOWED_CATEGORIES else v.MISC
    # The cover tag is derived from the order, never stored: only the first picture has it.
    tags = [tag for tag in dict.fromkeys(item.tags) if tag in ALLOWED_CATEGORIES and tag != v.COVER_PICTURE]
    if is_cover:
        tags.insert(0, v.COVER_PICTURE)
    return {
        v.MEDIA_URL: item.url,
        v.MEDIA_TYPE: item.kind,
        v.MEDIA_CATEGORY: category,
        v.MEDIA_TAGS: tags,
        v.MEDIA_TITLE: media_title(item.title, category=category, media_type=item.kind),
    }


def media_title(title: str, *, category: str, media_type: str) -> str:
    """Return the title sent for a media: the agent's caption on one line, or a default from its category."""
    cleaned = _WHITESPACE.sub(" ", title or "").strip()[:TITLE_MAX_LENGTH].strip()
    if cleaned:
        return cleaned
    if category == v.MISC and media_type in DEFAULT_TYPE_TITLES:
        return DEFAULT_TYPE_TITLES[media_type]
    return DEFAULT_TITLES.get(category, DEFAULT_TITLES[v.MISC])


def _real_estate(listing: ListingSnapshot, *, source: SourceSystem) -> dict:
    estate_type, sub_type = PORTAL_ESTATE_TYPES.get(listing.property_type, ("MISCELLANEOUS", None))
    data: dict = {v.ESTATE_TYPE: estate_type}
    if sub_type is not None:
        data[v.ESTATE_SUB_TYPE] = {sub_type[0]: sub_type[1]}
    data[v.DISTRIBUTION_TYPE] = listing.transaction_type
    data[v.LOCATION] = {
        v.POSTAL_CODE: listing.postal_code,
        v.CITY: listing.city,
        v.STREET: listing.street,
        v.HOUSE_NUMBER: listing.house_number,
        v.COUNTRY: listing.country,
    }
    data[v.PRICES] = _prices(listing)
    spaces = _spaces(listing, estate_type=estate_type)
    if spaces:
        data[v.SPACES] = spaces
    rooms = {
        key: number
        for key, number in ((v.NUMBER_OF_ROOMS, listing.rooms), (v.NUMBER_OF_BEDROOMS, listing.bedrooms))
        if number is not None
    }
    if rooms:
        data[v.STRUCTURE] = {v.ROOMS: rooms}
    energy = _energy(listing)
    if energy:
        data[v.ENERGY] = energy
    texts = {v.HEADLINE: {v.TEXT_LANGUAGE: listing.title.strip()}}
    if listing.description.strip():
        texts[v.DESCRIPTION] = {v.TEXT_LANGUAGE: listing.description.strip()}
    data[v.TEXTS] = texts
    data[v.META_DATA] = {
        v.SOURCE: {
            v.SOURCE_SYSTEM: source.name,
            v.SOURCE_SYSTEM_VERSION: source.version,
            v.OFFERER_MARKETING_KEY: listing.offerer_marketing_key,
            v.OFFERER_ESTATE_ID: listing.reference,
        }
    }
    return data


def _prices(listing: ListingSnapshot) -> dict:
    amount = {v.AMOUNT: json_number(listing.price)}
    if listing.transaction_type == v.DISTRIBUTION_RENT:
        return {
            v.CURRENCY: v.CURRENCY_EUR,
            v.PRICES_RENT: {v.RENT_BASE_RENT: amount, v.PRICE_TIME_UNIT: v.PRICE_TIME_UNIT_MONTH},
        }
    return {v.CURRENCY: v.CURRENCY_EUR, v.PRICES_BUY: {v.BUY_PRICE: amount}}


def _spaces(listing: ListingSnapshot, *, estate_type: str) -> dict:
    if listing.living_area is None:
        return {}
    area = json_number(listing.living_area)
    if estate_type in v.RESIDENTIAL_ESTATE_TYPES:
        return {v.SPACE_MEASURE_UNIT: v.SQUARE_METER, v.SPACES_RESIDENTIAL: {v.LIVING_SPACE: area}}
    key = v.PLOT_SPACE if estate_type == v.PLOT_ESTATE_TYPE else v.OVERALL_SPACE
    return {v.SPACE_MEASURE_UNIT: v.SQUARE_METER, key: area}


def _energy(listing: ListingSnapshot) -> dict:
    certificate = {}
    if listing.dpe_class:
        certificate[v.EFFICIENCY_CLASS] = listing.dpe_class
    if listing.ges_class:
        certificate[v.GHG_EMISSION_CLASS] = listing.ges_class
    if not certificate:
        return {}
    certificate = {v.CERTIFICATE_TYPE: v.CERTIFICATE_TYPE_CURRENT_DPE, **certificate}
    return {v.COUNTRY_SPECIFIC: {v.FRANCE: {v.ENERGY_CERTIFICATE: certificate}}}


def json_number(value: Decimal | float) -> int | float:
    """Return `value` as a JSON number that prints the same every time (250000, not 250000.00)."""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def canonical_json(payload: object) -> str:
    """Return `payload` as compact JSON with sorted keys: equal payloads give equal strings."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(payload: object) -> str:
    """Return the sha256 of the canonical JSON of `payload`."""
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()
