"""Helpers of the sync engine's tests: listings, pictures and the portal schema (fixtures: tests.sync_fixtures)."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

from jsonschema import Draft7Validator
from PIL import Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from listings.media import next_position
from listings.models import Agency, Listing, Media
from listings.pictures import add_picture

_colors = itertools.count(1)


def jpeg_bytes(color: tuple[int, int, int] | None = None, *, size: tuple[int, int] = (1000, 750)) -> bytes:
    """Return a JPEG whose content differs with `color` (a new one each call by default)."""
    if color is None:
        n = next(_colors)
        color = ((n * 53) % 256, (n * 97) % 256, (n * 31) % 256)
    output = io.BytesIO()
    image = Image.new("RGB", size, color)
    image.putpixel((0, 0), (255 - color[0], 0, 0))
    image.save(output, format="JPEG", quality=90)
    return output.getvalue()


def make_agency(name: str = "Agence du Vieux-Port", key: str = "AG-1") -> Agency:
    return Agency.objects.create(name=name, intermediary_id=f"INT-{key}", offerer_marketing_key=f"MK-{key}")


def make_listing(agency: Agency, reference: str = "REF-1", **fields) -> Listing:
    values = {
        "title": "T3 lumineux avec balcon",
        "description": "Au cœur du Panier, trois pièces traversant.",
        "price": 289000,
        "living_area": 68.5,
        "rooms": 3,
        "bedrooms": 2,
        "street": "rue du Panier",
        "house_number": "12",
        "postal_code": "13002",
        "city": "Marseille",
        "dpe_class": "C",
        "ges_class": "D",
    }
    values.update(fields)
    return Listing.objects.create(agency=agency, reference=reference, **values)


def make_picture(
    listing: Listing, *, title: str = "", category: str = "MISC", color=None, is_draft: bool = False
) -> Media:
    """Upload a JPEG as the listing's last media, processed at once (a READY picture with a version)."""
    media = add_picture(
        listing, upload=io.BytesIO(jpeg_bytes(color)), filename="photo.jpg", is_draft=is_draft, process_inline=True
    )
    if title or category != "MISC":
        Media.objects.filter(pk=media.pk).update(title=title, category=category)
        media.refresh_from_db()
    return media


def make_link(
    listing: Listing, *, kind: str = "VIDEO", url: str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
) -> Media:
    return Media.objects.create(
        listing=listing, kind=kind, position=next_position(listing), external_url=url, processing_status="READY"
    )


def portal_schema_validator(schema_path: Path) -> Draft7Validator:
    """Return a validator of ``AvivClassified`` with the specification's components resolved."""
    spec = json.loads(schema_path.read_text())
    registry = Registry().with_resource("urn:portal-spec", Resource.from_contents(spec, default_specification=DRAFT7))
    return Draft7Validator(
        {"$ref": "urn:portal-spec#/components/schemas/AvivClassified"},
        registry=registry,
        format_checker=Draft7Validator.FORMAT_CHECKER,
    )
