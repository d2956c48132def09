"""Helpers of the agent-facing tests: agencies, agents, listings, pictures made with Pillow."""

from __future__ import annotations

import copy
import functools
import io
import json

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from PIL import Image

from listings.choices import MediaKind, ProcessingStatus
from listings.models import Agency, Listing, Media, User

PASSWORD = "correct-horse-battery"


def make_agency(name: str = "Agence du Port", key: str = "INT-1") -> Agency:
    return Agency.objects.create(name=name, intermediary_id=key, offerer_marketing_key=f"MK-{key}")


@functools.cache
def password_hash() -> str:
    """Return the hash of PASSWORD, computed once: hashing is slow on purpose."""
    return make_password(PASSWORD)


def make_agent(agency: Agency, username: str = "agent") -> User:
    return User.objects.create(
        username=username, password=password_hash(), agency=agency, first_name=username.capitalize()
    )


def make_listing(agency: Agency, reference: str = "REF-1", **fields) -> Listing:
    values = {"title": "T3 lumineux avec balcon", "price": 250000, "postal_code": "13002", "city": "Marseille"}
    values.update(fields)
    return Listing.objects.create(agency=agency, reference=reference, **values)


def jpeg_bytes(
    size: tuple[int, int] = (1200, 900), color: tuple[int, int, int] = (120, 150, 180), seed: int = 0
) -> bytes:
    """Return a JPEG with some structure (so it is neither blurry nor a duplicate of another seed)."""
    image = Image.new("RGB", size, color)
    pixels = image.load()
    step = 40 + seed * 7
    for x in range(0, size[0], 2):
        for y in range(0, size[1], step):
            pixels[x, y] = ((x * (seed + 3)) % 256, (y * 5) % 256, (x + y + seed * 40) % 256)
    for y in range(0, size[1], 2):
        for x in range(seed * 13 % step, size[0], step):
            pixels[x, y] = (255 - (y % 256), (x * 3) % 256, seed * 50 % 256)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def mp4_bytes(extra: int = 2048) -> bytes:
    """Return the start of an MP4 file (an `ftyp` box of brand isom) followed by filler."""
    ftyp = (24).to_bytes(4, "big") + b"ftypisom" + (512).to_bytes(4, "big") + b"isomavc1"
    return ftyp + (8 + extra).to_bytes(4, "big") + b"mdat" + bytes(extra)


def make_media(listing: Listing, count: int, *, kind: str = MediaKind.PICTURE, start: int = 0, **fields) -> list[Media]:
    """Create `count` ready media rows without files' pixels (fast, for pages and orders)."""
    now = timezone.now().replace(microsecond=0)
    rows = []
    for index in range(count):
        values = {
            "listing": listing,
            "kind": kind,
            "position": start + index,
            "processing_status": ProcessingStatus.READY,
            "width": 1600,
            "height": 1200,
            "content_type": "image/jpeg",
            "content_version": now,
            "warnings": ["too_small"] if index % 3 == 0 else [],
        }
        if kind in (MediaKind.PICTURE, MediaKind.PANORAMA):
            values.update(
                original=f"originals/x/{index}.jpg",
                thumbnail=f"thumbs/k{index}/320.jpg",
                thumbnail_large=f"thumbs/k{index}/640.jpg",
            )
        else:
            values.update(external_url=f"https://www.youtube.com/watch?v=abcdef{start + index}")
        values.update(fields)
        rows.append(Media(**values))
    return Media.objects.bulk_create(rows)


def page_state(client, listing: Listing) -> tuple[int, dict]:
    """Return the version and the saved state the media manager page hands its script."""
    response = client.get(f"/listings/{listing.pk}/media/")
    assert response.status_code == 200
    saved = response.context["page"].saved_state
    base = saved["base"]
    return saved["version"], {"items": copy.deepcopy(base), "deleted": [], "drafts": [], "base": base}


def save(client, listing: Listing, *, version: int, state: dict):
    """POST the media manager's Save with `state`."""
    return client.post(f"/listings/{listing.pk}/media/", {"version": version, "state": json.dumps(state)})
