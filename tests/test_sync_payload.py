"""The payload builder: pure, ordered, valid against the portal's schema, equal to the golden files."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from media_sync.payload import (
    ListingSnapshot,
    MediaSnapshot,
    SourceSystem,
    build_classified,
    canonical_json,
    payload_hash,
)
from media_sync.public_media import public_media_url
from tests.sync_support import portal_schema_validator

GOLDEN = Path(__file__).parent / "golden"
SOURCE = SourceSystem(name="MediaImmo", version="1")
BASE = "https://media.example.fr"
V1 = dt.datetime(2026, 2, 13, 9, 25, 57, tzinfo=dt.UTC)


def url(key: str, version: dt.datetime = V1) -> str:
    return public_media_url(base_url=BASE, public_key=key, content_version=version)


def apartment_for_sale() -> ListingSnapshot:
    """A flat with every kind of media, given out of display order."""
    return ListingSnapshot(
        listing_id=1, reference="VP-2026-001", offerer_marketing_key="MK-VP", transaction_type="BUY",
        property_type="APARTMENT", title="T3 lumineux avec balcon", price=Decimal("289000.00"),
        postal_code="13002", city="Marseille", street="rue du Panier", house_number="12",
        description="Au cœur du Panier, trois pièces traversant.", living_area=Decimal("68.50"), rooms=3,
        bedrooms=2, dpe_class="C", ges_class="D",
        media=(
            MediaSnapshot(11, "VIDEO", 0, "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
            MediaSnapshot(12, "PICTURE", 1, url("kitchenKey123456789012345"), "KITCHEN", ("KITCHEN",), ""),
            MediaSnapshot(13, "PICTURE", 2, url("livingKey1234567890123456"), "LIVING_ROOM", (), "Double séjour"),
            MediaSnapshot(14, "VIRTUAL_TOUR", 3, "https://my.matterport.com/show/?m=abc"),
            MediaSnapshot(15, "PANORAMA", 4, url("panoKey123456789012345678"), "VIEW_FROM_PROPERTY"),
            MediaSnapshot(16, "PICTURE", 5, url("balconyKey12345678901234"), "BALCONY", ("COVER_PICTURE", "TERRACE"), "Balcon plein sud"),
            MediaSnapshot(17, "VIDEO", 6, "https://vimeo.com/123456"),
        ),
    )  # fmt: skip


def house_for_rent() -> ListingSnapshot:
    """A villa to rent, no media yet, energy classes unknown."""
    return ListingSnapshot(
        listing_id=2, reference="VP-2026-002", offerer_marketing_key="MK-VP", transaction_type="RENT",
        property_type="VILLA", title="Villa avec piscine", price=Decimal("2450.00"), postal_code="13008",
        city="Marseille", living_area=Decimal(140), rooms=6, bedrooms=4,
    )  # fmt: skip


def shop_for_sale() -> ListingSnapshot:
    """A shop: no living space, an overall space instead; captions in need of cleaning."""
    return ListingSnapshot(
        listing_id=3, reference="VP-2026-003", offerer_marketing_key="MK-VP", transaction_type="BUY",
        property_type="SHOP", title="  Local commercial  ", price=Decimal("99500.50"), postal_code="13001",
        city="Marseille", living_area=Decimal("45.25"), dpe_class="E",
        media=(
            MediaSnapshot(31, "PICTURE", 0, url("shopFrontKey1234567890123"), "OUTSIDE_VIEW", ("OUTDOOR", "NOT_A_TAG"), "  Vitrine\n sur rue  "),
            MediaSnapshot(32, "PICTURE", 1, url("shopInsideKey123456789012"), "INDOOR", ("INDOOR", "INDOOR"), "   "),
        ),
    )  # fmt: skip


def plot_for_sale() -> ListingSnapshot:
    """Land: the area is a plot space; only a floor plan picture."""
    return ListingSnapshot(
        listing_id=4, reference="VP-2026-004", offerer_marketing_key="MK-VP", transaction_type="BUY",
        property_type="PLOT", title="Terrain constructible", price=120000, postal_code="13013", city="Marseille",
        living_area=800, media=(MediaSnapshot(41, "PICTURE", 0, url("plotPlanKey12345678901234"), "SITE_PLAN"),),
    )  # fmt: skip


REPRESENTATIVE = {
    "apartment_for_sale": apartment_for_sale,
    "house_for_rent": house_for_rent,
    "shop_for_sale": shop_for_sale,
    "plot_for_sale": plot_for_sale,
}


@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_payloads_of_representative_listings_equal_their_golden_files(name):
    payload = build_classified(REPRESENTATIVE[name](), source=SOURCE)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    assert payload == json.loads(golden.read_text())


@pytest.mark.needs_shared
@pytest.mark.parametrize("name", sorted(REPRESENTATIVE))
def test_payloads_of_representative_listings_are_valid_against_the_portal_schema(name, portal_schema_path):
    validator = portal_schema_validator(portal_schema_path)
    payload = build_classified(REPRESENTATIVE[name](), source=SOURCE)
    assert [error.message for error in validator.iter_errors(payload)] == []


@pytest.mark.needs_shared
def test_the_schema_validator_does_refuse_what_the_portal_refuses(portal_schema_path):
    """Guard against a validator that accepts anything: unknown keys and blank titles are errors."""
    validator = portal_schema_validator(portal_schema_path)
    payload = build_classified(apartment_for_sale(), source=SOURCE)
    payload["media"][0]["title"] = "   "
    payload["data"]["space"] = {}
    assert len(list(validator.iter_errors(payload))) == 2


def test_media_are_in_display_order_pictures_first_then_videos_tours_and_panoramas():
    media = build_classified(apartment_for_sale(), source=SOURCE)["media"]
    assert [item["mediaType"] for item in media] == [
        "PICTURE",
        "PICTURE",
        "PICTURE",
        "VIDEO",
        "VIDEO",
        "VIRTUAL_TOUR",
        "PANORAMA",
    ]
    assert [item["url"].split("/")[-1][:6] for item in media[:3]] == ["kitche", "living", "balcon"]


def test_only_the_first_picture_carries_the_cover_tag():
    media = build_classified(apartment_for_sale(), source=SOURCE)["media"]
    assert media[0]["tags"] == ["COVER_PICTURE", "KITCHEN"]
    assert [item for item in media[1:] if "COVER_PICTURE" in item["tags"]] == []
    assert media[2]["tags"] == ["TERRACE"]


def test_every_media_has_url_type_category_tags_and_a_non_blank_title():
    for make in REPRESENTATIVE.values():
        for item in build_classified(make(), source=SOURCE)["media"]:
            assert set(item) == {"url", "mediaType", "category", "tags", "title"}
            assert item["title"].strip() and "\n" not in item["title"]


def test_an_empty_caption_becomes_a_title_from_the_category_or_the_media_type():
    media = build_classified(apartment_for_sale(), source=SOURCE)["media"]
    assert media[0]["title"] == "Cuisine"
    assert media[3]["title"] == "Vidéo du bien"
    assert media[5]["title"] == "Visite virtuelle"
    assert media[6]["title"] == "Vue depuis le bien"


def test_external_links_are_sent_as_the_agent_gave_them():
    urls = [item["url"] for item in build_classified(apartment_for_sale(), source=SOURCE)["media"]]
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in urls
    assert "https://my.matterport.com/show/?m=abc" in urls


def test_a_link_given_twice_is_sent_once():
    listing = house_for_rent()
    twice = (MediaSnapshot(1, "VIDEO", 0, "https://vimeo.com/1"), MediaSnapshot(2, "VIDEO", 1, "https://vimeo.com/1"))
    payload = build_classified(ListingSnapshot(**{**_fields(listing), "media": twice}), source=SOURCE)
    assert [item["url"] for item in payload["media"]] == ["https://vimeo.com/1"]


def test_the_offerer_estate_id_is_the_listing_reference():
    source = build_classified(apartment_for_sale(), source=SOURCE)["data"]["metaData"]["source"]
    assert source == {"sourceSystem": "MediaImmo", "sourceSystemVersion": "1", "offererMarketingKey": "MK-VP",
                      "offererEstateId": "VP-2026-001"}  # fmt: skip


def test_the_hash_ignores_key_order_and_decimal_noise():
    listing = apartment_for_sale()
    same = ListingSnapshot(**{**_fields(listing), "price": 289000, "living_area": 68.5})
    assert payload_hash(build_classified(listing, source=SOURCE)) == payload_hash(build_classified(same, source=SOURCE))
    shuffled = json.loads(
        json.dumps(build_classified(listing, source=SOURCE)), object_pairs_hook=lambda p: dict(reversed(p))
    )
    assert canonical_json(shuffled) == canonical_json(build_classified(listing, source=SOURCE))


def test_a_caption_change_changes_the_hash_but_not_the_url():
    listing = apartment_for_sale()
    media = list(listing.media)
    media[1] = MediaSnapshot(12, "PICTURE", 1, media[1].url, "KITCHEN", ("KITCHEN",), "Cuisine équipée")
    changed = ListingSnapshot(**{**_fields(listing), "media": tuple(media)})
    before, after = build_classified(listing, source=SOURCE), build_classified(changed, source=SOURCE)
    assert payload_hash(before) != payload_hash(after)
    assert [m["url"] for m in before["media"]] == [m["url"] for m in after["media"]]


def test_the_builder_needs_no_settings_no_database_and_no_network():
    """Importing and running the builder in a bare interpreter works without Django being configured."""
    code = (
        "import sys, django.conf\n"
        "from media_sync.payload import ListingSnapshot, SourceSystem, build_classified\n"
        "listing = ListingSnapshot(listing_id=1, reference='R', offerer_marketing_key='K', transaction_type='BUY',"
        " property_type='HOUSE', title='Maison', price=1, postal_code='1', city='X')\n"
        "print(build_classified(listing, source=SourceSystem('S', '1'))['data']['estateType'])\n"
        "assert not django.conf.settings.configured\n"
        "assert 'requests' not in sys.modules and 'celery' not in sys.modules\n"
    )
    env = {k: val for k, val in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False,
                            cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "HOUSE"


def _fields(listing: ListingSnapshot) -> dict:
    return {name: getattr(listing, name) for name in ListingSnapshot.__slots__}
