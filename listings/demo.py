"""Demo data: an agency, an agent, a staff login and three listings with pictures.

The pictures are drawn here (a sky, a house, a window), so the demo runs without any
file from outside the project.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db import transaction
from PIL import Image, ImageDraw

from listings.choices import MediaCategory, PropertyType, TransactionType
from listings.media import update_media_details
from listings.models import Agency, Listing, User
from listings.pictures import add_picture
from media_sync.sync import request_sync

DEMO_AGENT = ("agent", "agent-demo-2026")
DEMO_STAFF = ("staff", "staff-demo-2026")


@dataclass(frozen=True)
class DemoListing:
    reference: str
    title: str
    property_type: str
    transaction_type: str
    price: int
    city: str
    postal_code: str
    rooms: int
    area: int
    palette: tuple[tuple[int, int, int], ...]


DEMO_LISTINGS = [
    DemoListing("DEMO-001", "Appartement T3 lumineux avec balcon", PropertyType.APARTMENT, TransactionType.SALE,
                289000, "Lyon", "69003", 3, 68, ((120, 170, 220), (230, 200, 160), (90, 120, 80))),
    DemoListing("DEMO-002", "Maison familiale avec jardin", PropertyType.HOUSE, TransactionType.SALE,
                425000, "Nantes", "44300", 5, 124, ((140, 190, 235), (200, 120, 90), (70, 140, 60))),
    DemoListing("DEMO-003", "Studio meublé proche gare", PropertyType.STUDIO, TransactionType.RENT,
                690, "Lille", "59000", 1, 24, ((160, 180, 210), (240, 235, 220), (110, 90, 70))),
]  # fmt: skip

PICTURE_CATEGORIES = [MediaCategory.HOUSE_VIEW, MediaCategory.LIVING_ROOM, MediaCategory.KITCHEN]


def draw_picture(palette: tuple[tuple[int, int, int], ...], variant: int) -> bytes:
    """Return a 1600x1200 JPEG drawing of a house, different for each variant."""
    sky, wall, ground = palette
    image = Image.new("RGB", (1600, 1200), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 850, 1600, 1200], fill=ground)
    left = 300 + variant * 180
    draw.rectangle([left, 450, left + 700, 900], fill=wall)
    draw.polygon([(left - 60, 460), (left + 350, 180), (left + 760, 460)], fill=(150, 60, 50))
    for column in range(3):
        x = left + 80 + column * 200
        draw.rectangle([x, 560, x + 120, 700], fill=(60, 90, 130), outline=(255, 255, 255), width=8)
    draw.rectangle([left + 560, 700, left + 650, 900], fill=(90, 60, 40))
    draw.ellipse([1300 - variant * 400, 100, 1450 - variant * 400, 250], fill=(255, 220, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Create the demo data if absent; return how many objects were created."""
    created = {"agencies": 0, "users": 0, "listings": 0, "pictures": 0}
    agency, made = Agency.objects.get_or_create(
        intermediary_id="DEMO-AGENCY",
        defaults={"name": "Agence Démo Immobilier", "offerer_marketing_key": "DEMO-MARKETING-KEY"},
    )
    created["agencies"] += made
    for (username, password), staff in ((DEMO_AGENT, False), (DEMO_STAFF, True)):
        user, made = User.objects.get_or_create(
            username=username,
            defaults={"agency": agency, "is_staff": staff, "is_superuser": staff, "first_name": username.capitalize()},
        )
        if made:
            user.set_password(password)
            user.save(update_fields=["password"])
        created["users"] += made
    for demo in DEMO_LISTINGS:
        listing, made = Listing.objects.get_or_create(
            agency=agency,
            reference=demo.reference,
            defaults={
                "title": demo.title, "property_type": demo.property_type, "transaction_type": demo.transaction_type,
                "price": demo.price, "city": demo.city, "postal_code": demo.postal_code, "rooms": demo.rooms,
                "living_area": demo.area, "description": f"{demo.title} à {demo.city}.", "dpe_class": "C", "ges_class": "D",
            },
        )  # fmt: skip
        created["listings"] += made
        if not made:
            continue
        for variant, category in enumerate(PICTURE_CATEGORIES):
            media = add_picture(
                listing, upload=io.BytesIO(draw_picture(demo.palette, variant)), filename=f"{demo.reference}-{variant}.jpg",
                process_inline=True,
            )  # fmt: skip
            update_media_details(media, title="", category=category, tags=[category])
            created["pictures"] += 1
        # Published at once, so that the demo shows the classified on the portal sandbox.
        request_sync(listing)
    return created
