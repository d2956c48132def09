"""The sandbox's validation agrees with the portal's real JSON schema, and its answers
are shaped as the specification says."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.sandbox_fixtures import PortalSandbox, classified_payload, make_jpeg, picture

SPEC_URI = "urn:aviv-classified-api-v4"
UNREACHABLE = "http://127.0.0.1:9"  # connection refused at once: processing ends fast


@functools.cache
def spec_validator(spec_path: Path, schema_name: str) -> Draft4Validator:
    """Return a validator for one schema of the specification, its $refs resolved.

    OpenAPI 3.0 schemas are JSON Schema draft 4 in substance. The specification declares
    ``format: url`` for media URLs, which jsonschema does not know; it is registered
    here as "an absolute http(s) URL", what ajv-formats (the portal's likely validator)
    and the sandbox check.
    """
    spec = json.loads(spec_path.read_text())
    registry = Registry().with_resource(SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT4))
    format_checker = FormatChecker(formats=())

    @format_checker.checks("url")
    def is_url(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in value)

    schema = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
    return Draft4Validator(schema, registry=registry, format_checker=format_checker)


def full_payload() -> dict:
    """Return a rich valid payload: what an agency product sends for a flat for sale."""
    payload = classified_payload(
        "L-42",
        [
            picture(
                f"{UNREACHABLE}/a.jpg?timestamp=2026-02-13T09:25:57",
                title="Séjour lumineux",
                category="LIVING_ROOM",
                tags=["LIVING_ROOM", "INDOOR"],
            ),
            picture(f"{UNREACHABLE}/b.jpg?timestamp=2026-02-13T09:25:57", title="Cuisine équipée", category="KITCHEN"),
            {"url": "https://www.youtube.com/watch?v=abc", "mediaType": "VIDEO", "title": "Visite filmée"},
            {"url": "https://my.matterport.com/show/?m=abc", "mediaType": "VIRTUAL_TOUR"},
        ],
        spaces={"spaceMeasureUnit": "SQUARE_METER", "residential": {"livingSpace": 64.5}},
        structure={"rooms": {"numberOfRooms": 3, "numberOfBedRooms": 2, "numberOfBathRooms": 1}},
        energy={
            "countrySpecific": {
                "fr": {
                    "energyCertificate": {
                        "certificateType": "DPE_V07_2021",
                        "efficiencyClass": "C",
                        "GHGEmissionClass": "B",
                        "overallEnergyNeed": 142,
                    }
                }
            }
        },
    )
    payload["data"]["texts"]["description"] = {"fr": "Au 3e étage avec ascenseur.\nProche métro."}
    return payload


def changed(path: str, value: object = None, *, delete: bool = False) -> dict:
    """Return the full payload with the value at a slash path replaced (or deleted)."""
    payload = full_payload()
    *parents, last = [int(part) if part.isdigit() else part for part in path.strip("/").split("/")]
    target = payload
    for part in parents:
        target = target[part]
    if delete:
        del target[last]
    else:
        target[last] = value
    return payload


def minimal_payload() -> dict:
    payload = classified_payload("L-min")
    payload["portals"] = []
    del payload["media"], payload["data"]["texts"]
    return payload


PARITY_CASES: dict[str, dict] = {
    # valid
    "a minimal classified": minimal_payload(),
    "a full classified": full_payload(),
    "an empty media list": changed("/media", []),
    "a panorama with every optional field": changed(
        "/media/1",
        {
            "url": f"{UNREACHABLE}/p.jpg",
            "mediaType": "PANORAMA",
            "category": "TERRACE",
            "tags": [],
            "title": "Terrasse",
        },
    ),
    "a flat to rent": changed(
        "/data/prices",
        {
            "currency": "EUR",
            "rent": {"baseRent": {"amount": 950}, "operatingCosts": {"amount": 80}, "priceTimeUnit": "MONTH"},
        },
    ),
    "all five portals": changed("/portals", ["SL", "BUCOM", "BD", "SLC", "SLN"]),
    "empty address strings": changed(
        "/data/location", {"postalcode": "", "city": "", "street": "", "houseNumber": "", "country": ""}
    ),
    "a basement floor": changed("/data/location/floorNumber", -1),
    "a headline in two languages": changed("/data/texts/headline", {"fr": "Appartement", "en": "Flat"}),
    "a title with accents and punctuation": changed("/media/0/title", "Séjour, vue sur la Saône !"),
    "a parking space price": changed("/data/prices/buy/parkingPrice", {"amount": 15000}),
    # invalid: top level
    "no portals": changed("/portals", delete=True),
    "no data": changed("/data", delete=True),
    "an unknown top-level key": changed("/listingId", "L-42"),
    "an unknown portal": changed("/portals", ["LEBONCOIN"]),
    "a portal listed twice": changed("/portals", ["SL", "SL"]),
    "unknown specific content": changed("/specific", {"foo": {}}),
    # invalid: data
    "an unknown data key": changed("/data/surface", 64),
    "no estate type": changed("/data/estateType", delete=True),
    "an unknown estate type": changed("/data/estateType", "LOFT"),
    "an unknown distribution type": changed("/data/distributionType", "SALE"),
    "no city": changed("/data/location/city", delete=True),
    "an unknown location key": changed("/data/location/zipCode", "69003"),
    "a city name too long": changed("/data/location/city", "L" * 129),
    "a negative price": changed("/data/prices/buy/price/amount", -1),
    "a price given as text": changed("/data/prices/buy/price/amount", "289000"),
    "an unknown price key": changed("/data/prices/buy/price/value", 289000),
    "a price with a priceInformation flag": changed("/data/prices/buy/price/priceInformation", "PRICE_ON_DEMAND"),
    "brokerage fee details (only {} is valid)": changed("/data/prices/brokerageFee", {"amount": 9000}),
    "charges of a sale (only {} is valid)": changed("/data/prices/buy/operatingCosts", {"amount": 80}),
    "no metadata source": changed("/data/metaData/source", delete=True),
    "no offererEstateId": changed("/data/metaData/source/offererEstateId", delete=True),
    "a numeric offererEstateId": changed("/data/metaData/source/offererEstateId", 42),
    "a headline given as a string": changed("/data/texts/headline", "Appartement"),
    "a headline language that is not a code": changed("/data/texts/headline", {"french": "Appartement"}),
    "spaces without a unit": changed("/data/spaces", {"residential": {"livingSpace": 64.5}}),
    "half a bedroom": changed("/data/structure/rooms/numberOfBedRooms", 2.5),
    "an energy class H": changed("/data/energy/countrySpecific/fr/energyCertificate/efficiencyClass", "H"),
    # invalid: media
    "media given as an object": changed("/media", {"url": f"{UNREACHABLE}/a.jpg", "mediaType": "PICTURE"}),
    "a media given as a string": changed("/media/0", f"{UNREACHABLE}/a.jpg"),
    "a media without url": changed("/media/0/url", delete=True),
    "a media without type": changed("/media/0/mediaType", delete=True),
    "an unknown media type": changed("/media/0/mediaType", "IMAGE"),
    "an unknown category": changed("/media/0/category", "SALON"),
    "an unknown tag": changed("/media/0/tags", ["SALON"]),
    "tags given as a string": changed("/media/0/tags", "KITCHEN"),
    "a media position key": changed("/media/0/position", 1),
    "a media displayOrder key": changed("/media/0/displayOrder", 1),
    "a blank title": changed("/media/0/title", "   "),
    "an empty title": changed("/media/0/title", ""),
    "a title on two lines": changed("/media/0/title", "Salon\ncuisine"),
    "a numeric title": changed("/media/0/title", 42),
    "a numeric url": changed("/media/0/url", 42),
    "a relative url": changed("/media/0/url", "photos/a.jpg"),
}


def sandbox_accepts(sandbox: PortalSandbox, payload: dict) -> bool:
    """Return the sandbox's verdict on a payload: accepted (202) or refused as invalid (400)."""
    response = requests.post(f"{sandbox.base_url}/classifieds", json=payload, headers=sandbox.headers(), timeout=10)
    assert response.status_code in (202, 400), response.text
    if response.status_code == 400:
        assert response.json()["errorSource"] == "body", response.text
    return response.status_code == 202


@pytest.mark.needs_shared
@pytest.mark.parametrize("payload", PARITY_CASES.values(), ids=PARITY_CASES.keys())
def test_the_sandbox_and_the_real_schema_give_the_same_verdict(portal_sandbox, portal_schema_path, payload) -> None:
    schema_says_valid = spec_validator(portal_schema_path, "AvivClassified").is_valid(payload)

    assert sandbox_accepts(portal_sandbox, copy.deepcopy(payload)) == schema_says_valid


def test_a_validation_error_names_each_wrong_field_with_a_json_pointer(portal_sandbox) -> None:
    payload = changed("/media/1/mediaType", "IMAGE")
    del payload["data"]["location"]["city"]
    payload["media"][0]["title"] = " "

    response = requests.post(
        f"{portal_sandbox.base_url}/classifieds", json=payload, headers=portal_sandbox.headers(), timeout=10
    )

    body = response.json()
    assert (response.status_code, body["title"], body["errorSource"]) == (400, "Bad request", "body")
    assert {error["name"] for error in body["errors"]} == {
        "/data/location/city",
        "/media/0/title",
        "/media/1/mediaType",
    }
    assert all(error["reason"] for error in body["errors"])


def test_a_refused_payload_creates_nothing(portal_sandbox) -> None:
    requests.post(
        f"{portal_sandbox.base_url}/classifieds",
        json=changed("/media/0/title", "  "),
        headers=portal_sandbox.headers(),
        timeout=10,
    )

    assert portal_sandbox.stats()["classifieds"]["live"] == 0


@pytest.mark.needs_shared
def test_error_documents_match_the_specification(portal_sandbox, portal_schema_path, media_host) -> None:
    api, headers = portal_sandbox.base_url, portal_sandbox.headers()
    url = media_host.put("/a.jpg", make_jpeg())
    first = requests.post(
        f"{api}/classifieds", json=classified_payload("L-1", [picture(url)]), headers=headers, timeout=10
    ).json()
    item = f"{api}/classifieds/{first['classifiedId']}"
    portal_sandbox.inject_fault(fail_next=1, status=500)
    answers = {
        "InternalServerErrorResponse": requests.get(f"{api}/classifieds", headers=headers, timeout=10),
        "ValidationErrorResponse": requests.post(
            f"{api}/classifieds", json={"portals": []}, headers=headers, timeout=10
        ),
        "ParsingErrorResponse": requests.post(
            f"{api}/classifieds", data=b"{", headers={**headers, "Content-Type": "application/json"}, timeout=10
        ),
        "ClassifiedAlreadyExistsError": requests.post(
            f"{api}/classifieds", json=classified_payload("L-1"), headers=headers, timeout=10
        ),
        "MediaAlreadyExistsError": requests.post(
            f"{api}/classifieds", json=classified_payload("L-2", [picture(url)]), headers=headers, timeout=10
        ),
        "UnauthorizedError": requests.get(item, headers={"User-Agent": portal_sandbox.user_agent}, timeout=10),
        "RessourceNotFoundError": requests.get(
            f"{api}/classifieds/7f0d3b6e-8c1c-4a4e-9d0e-8d8f3f0b1a2c", headers=headers, timeout=10
        ),
        "PreconditionFailedError": requests.put(
            item, json=classified_payload("L-1"), headers={**headers, "If-Match": '"999"'}, timeout=10
        ),
    }

    for schema_name, answer in answers.items():
        errors = [error.message for error in spec_validator(portal_schema_path, schema_name).iter_errors(answer.json())]
        assert errors == [], (schema_name, answer.json())
        assert answer.json()["status"] == answer.status_code
    assert [answer.status_code for answer in answers.values()] == [500, 400, 400, 400, 400, 401, 404, 412]


@pytest.mark.needs_shared
def test_classified_and_final_status_answers_match_the_specification(
    portal_sandbox, portal_schema_path, media_host
) -> None:
    headers = portal_sandbox.headers()
    payload = classified_payload("L-1", [picture(media_host.put("/a.jpg", make_jpeg()), title="Séjour")])
    classified_id = requests.post(
        f"{portal_sandbox.base_url}/classifieds", json=payload, headers=headers, timeout=10
    ).json()["classifiedId"]
    portal_sandbox.wait_for_final_status(classified_id)

    read = requests.get(f"{portal_sandbox.base_url}/classifieds/{classified_id}", headers=headers, timeout=10).json()
    latest = requests.get(
        f"{portal_sandbox.base_url}/classifieds/{classified_id}/statuses",
        params={"filter": "latest"},
        headers=headers,
        timeout=10,
    ).json()

    classified_id_removed = {key: value for key, value in read.items() if key != "classifiedId"}
    assert spec_validator(portal_schema_path, "AvivClassified").is_valid(classified_id_removed)
    assert list(spec_validator(portal_schema_path, "ClassifiedStatusInternal").iter_errors(latest["items"][0])) == []
