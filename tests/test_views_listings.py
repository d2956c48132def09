"""The listings page, and creating and editing a listing, through HTTP."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings.models import Listing
from media_sync.models import ListingSync
from tests.agents import make_agency, make_agent, make_listing, make_media

pytestmark = pytest.mark.django_db

VALID = {
    "reference": "NEW-1",
    "transaction_type": "BUY",
    "property_type": "APARTMENT",
    "title": "T2 avec terrasse",
    "description": "Au calme.",
    "price": "199000",
    "living_area": "45.5",
    "rooms": "2",
    "bedrooms": "1",
    "street": "rue Paul Bert",
    "house_number": "12",
    "postal_code": "69003",
    "city": "Lyon",
    "country": "FR",
    "dpe_class": "C",
    "ges_class": "",
}


@pytest.fixture
def agency():
    return make_agency()


@pytest.fixture
def agent(agency):
    return make_agent(agency)


@pytest.fixture
def client(client, agent):
    client.force_login(agent)
    return client


def test_the_listings_page_shows_cover_counts_and_portal_badge(client, agency):
    listing = make_listing(agency, reference="DEMO-9", title="Maison avec piscine", city="Nantes")
    make_media(listing, 4)
    make_media(listing, 2, kind="VIDEO", start=4)
    make_media(listing, 1, kind="VIRTUAL_TOUR", start=6)
    html = client.get("/").content.decode()
    assert "DEMO-9" in html and "Maison avec piscine" in html and "Nantes" in html
    assert "4 photos" in html  # French by default
    assert 'loading="lazy"' in html and 'src="/media-files/thumbs/k0/320.jpg"' in html
    assert "portal-badge" in html


def test_search_and_filters_narrow_the_list(client, agency):
    make_listing(agency, reference="A-1", title="Loft", city="Lyon", transaction_type="RENT")
    make_listing(agency, reference="B-2", title="Villa", city="Nice", property_type="VILLA")
    assert [row.reference for row in client.get("/", {"q": "nice"}).context["page"]] == ["B-2"]
    assert [row.reference for row in client.get("/", {"transaction_type": "RENT"}).context["page"]] == ["A-1"]
    assert [row.reference for row in client.get("/", {"property_type": "VILLA"}).context["page"]] == ["B-2"]
    assert len(client.get("/", {"media": "none"}).context["page"]) == 2


def test_the_listings_page_renders_in_constant_queries(client, agency, django_assert_num_queries):
    first = make_listing(agency, reference="R-1")
    make_media(first, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/").status_code == 200
    make_media(first, 99, start=1)
    for index in range(2, 12):
        make_media(make_listing(agency, reference=f"R-{index}"), 10)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/")
    assert len(response.context["page"]) == 11


def test_creating_a_listing_requests_its_first_sync(client, agency):
    response = client.post("/listings/new/", VALID)
    listing = Listing.objects.get(reference="NEW-1")
    assert response.status_code == 302 and response["Location"] == f"/listings/{listing.pk}/media/"
    assert (listing.agency, listing.title, listing.price, listing.postal_code) == (
        agency,
        "T2 avec terrasse",
        199000,
        "69003",
    )
    assert ListingSync.objects.get(listing=listing).requested_version == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "   "),
        ("price", "-1"),
        ("postal_code", "6900"),
        ("postal_code", "00123"),
        ("city", " "),
        ("country", "France"),
        ("bedrooms", "5"),
        ("reference", ""),
    ],
)
def test_the_form_refuses_what_the_portal_would_refuse(client, field, value):
    response = client.post("/listings/new/", {**VALID, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not Listing.objects.exists()


def test_a_foreign_postal_code_is_not_held_to_the_french_format(client):
    assert client.post("/listings/new/", {**VALID, "country": "BE", "postal_code": "1000"}).status_code == 302


def test_a_reference_is_unique_in_the_agency(client, agency):
    make_listing(agency, reference="NEW-1")
    response = client.post("/listings/new/", VALID)
    assert response.context["form"].errors["reference"]


def test_editing_a_listing_raises_its_version_and_requests_a_sync(client, agency):
    listing = make_listing(agency, reference="NEW-1")
    response = client.post(f"/listings/{listing.pk}/edit/", {**VALID, "price": "210000", "version": listing.version})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.price, listing.version) == (210000, 2)
    assert ListingSync.objects.get(listing=listing).requested_version == 1


def test_editing_a_listing_someone_saved_meanwhile_writes_nothing_and_says_what_differs(client, agency):
    listing = make_listing(agency, reference="NEW-1")
    Listing.objects.filter(pk=listing.pk).update(version=2, city="Villeurbanne")
    response = client.post(f"/listings/{listing.pk}/edit/", {**VALID, "price": "210000", "version": 1})
    assert response.status_code == 409
    listing.refresh_from_db()
    assert (listing.city, listing.price, listing.version) == ("Villeurbanne", 250000, 2)
    form = response.context["form"]
    assert form.data["price"] == "210000" and str(form.data["version"]) == "2"
    assert "city" in " ".join(form.non_field_errors()).lower() or "ville" in " ".join(form.non_field_errors()).lower()
    assert client.post(f"/listings/{listing.pk}/edit/", form.data).status_code == 302


def test_a_published_listing_keeps_its_reference(client, agency):
    """The reference is the classified's offererEstateId: once published it cannot change."""
    listing = make_listing(agency, reference="PUB-1")
    ListingSync.objects.create(listing=listing, classified_id="c0ffee00-0000-4000-8000-000000000001")
    response = client.post(f"/listings/{listing.pk}/edit/", {**VALID, "reference": "OTHER", "version": listing.version})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.reference == "PUB-1"
    assert listing.title == VALID["title"]
