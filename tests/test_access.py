"""The access gate: an agent reaches only their agency's listings and media, and forms need CSRF.

Every URL pattern of the listings app is tried with another agency's ids, by GET and by
POST with data that would change something: each answers 404 and the database is as before.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, reverse

from listings import urls as listing_urls
from listings.models import Listing, Media
from media_sync.models import ListingSync
from tests.agents import PASSWORD, jpeg_bytes, make_agency, make_agent, make_listing, make_media

pytestmark = pytest.mark.django_db

ID_PATTERNS = [p for p in listing_urls.urlpatterns if isinstance(p, URLPattern) and "pk" in p.pattern.converters]
FREE_PATTERNS = [p for p in listing_urls.urlpatterns if isinstance(p, URLPattern) and not p.pattern.converters]


@pytest.fixture
def world():
    mine, theirs = make_agency("Mine", "INT-A"), make_agency("Theirs", "INT-B")
    agent = make_agent(mine, "alice")
    their_listing = make_listing(theirs, reference="THEIRS-1", title="Leur maison")
    their_media = make_media(their_listing, 2)
    draft = make_media(their_listing, 1, start=2, is_draft=True)[0]
    return {"agent": agent, "listing": their_listing, "media": their_media, "draft": draft, "mine": make_listing(mine)}


def snapshot() -> list:
    """Return everything an agent's request could change."""
    return [
        list(Listing.objects.order_by("pk").values()),
        list(Media.objects.order_by("pk").values()),
        list(ListingSync.objects.order_by("pk").values("listing_id", "requested_version")),
    ]


def hostile_post(name: str, world: dict) -> dict:
    """Return POST data that would change the other agency's data if the gate let it through."""
    listing, media, draft = world["listing"], world["media"], world["draft"]
    state = {
        "items": [{"id": media[1].pk, "kind": "PICTURE", "title": "pwned", "category": "POOL", "tags": []}],
        "deleted": [media[0].pk],
        "drafts": [draft.pk],
    }
    return {
        "listings:edit": {
            "reference": "X",
            "transaction_type": "BUY",
            "property_type": "HOUSE",
            "title": "pwned",
            "price": "1",
            "postal_code": "75001",
            "city": "Paris",
            "country": "FR",
            "version": "1",
        },
        "listings:media": {"version": listing.version, "state": json.dumps(state)},
        "listings:discard": {"drafts": str(draft.pk)},
        "listings:preview": {"state": json.dumps(state)},
        "listings:upload": {"file": SimpleUploadedFile("a.jpg", jpeg_bytes())},
        "listings:link": {"kind": "VIDEO", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
    }.get(name, {})


@pytest.mark.parametrize("pattern", ID_PATTERNS, ids=lambda p: p.name)
def test_another_agencys_ids_answer_404_and_change_nothing(client, world, pattern):
    client.force_login(world["agent"])
    target = world["media"][0] if str(pattern.pattern).startswith("media/") else world["listing"]
    url = reverse(f"listings:{pattern.name}", kwargs={"pk": target.pk})
    before = snapshot()

    assert client.get(url).status_code in {404, 405}
    assert client.post(url, hostile_post(f"listings:{pattern.name}", world)).status_code in {404, 405}
    assert client.get(url).status_code != 200

    assert snapshot() == before


@pytest.mark.parametrize("pattern", ID_PATTERNS, ids=lambda p: p.name)
def test_every_url_with_an_id_is_behind_the_gate_for_both_methods(client, world, pattern):
    """A 405 above must not hide a missing gate: the method the view accepts answers 404."""
    client.force_login(world["agent"])
    target = world["media"][0] if str(pattern.pattern).startswith("media/") else world["listing"]
    url = reverse(f"listings:{pattern.name}", kwargs={"pk": target.pk})
    answers = {
        client.get(url).status_code,
        client.post(url, hostile_post(f"listings:{pattern.name}", world)).status_code,
    }
    assert 404 in answers


def test_the_listings_page_shows_only_the_agents_agency(client, world):
    client.force_login(world["agent"])
    html = client.get(reverse("listings:list")).content.decode()
    assert "REF-1" in html and "THEIRS-1" not in html
    assert "THEIRS-1" not in client.get(reverse("listings:list"), {"q": "THEIRS"}).content.decode()


def test_creating_a_listing_puts_it_in_the_agents_agency_whatever_is_posted(client, world):
    client.force_login(world["agent"])
    data = {
        "reference": "NEW-1",
        "transaction_type": "BUY",
        "property_type": "HOUSE",
        "title": "Maison",
        "price": "100000",
        "postal_code": "69003",
        "city": "Lyon",
        "country": "FR",
        "agency": world["listing"].agency_id,
    }
    assert client.post(reverse("listings:create"), data).status_code == 302
    assert Listing.objects.get(reference="NEW-1").agency_id == world["agent"].agency_id


def test_every_page_needs_a_signed_in_agent(client, world):
    for pattern in FREE_PATTERNS + ID_PATTERNS:
        kwargs = {"pk": world["mine"].pk} if pattern.pattern.converters else {}
        response = client.get(reverse(f"listings:{pattern.name}", kwargs=kwargs))
        assert response.status_code in {302, 405}, pattern.name
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_staff_without_agency_are_sent_to_the_admin(client, world):
    from listings.models import User

    staff = User.objects.create_user("boss", password=PASSWORD, is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("listings:list"))["Location"] == reverse("admin:index")
    assert client.get(reverse("listings:media", args=[world["listing"].pk])).status_code == 302


POST_URLS = [
    "listings:create",
    "listings:edit",
    "listings:media",
    "listings:discard",
    "listings:preview",
    "listings:upload",
    "listings:link",
    "listings:retry-sync",
]


def test_every_post_endpoint_of_the_app_is_in_the_csrf_list():
    accepting_post = {f"listings:{p.name}" for p in listing_urls.urlpatterns} - {
        "listings:list",
        "listings:media-status",
    }
    assert accepting_post == set(POST_URLS)


@pytest.mark.parametrize("name", POST_URLS + ["login", "logout", "set_language"])
def test_every_form_refuses_a_request_without_its_csrf_token(world, name):
    client = Client(enforce_csrf_checks=True)
    if name != "login":
        client.login(username="alice", password=PASSWORD)
    mine = world["mine"]
    url = reverse(name, kwargs={"pk": mine.pk}) if name in POST_URLS and name != "listings:create" else reverse(name)
    before = snapshot()

    response = client.post(
        url, {"username": "alice", "password": PASSWORD, "language": "en", "drafts": "", "state": ""}
    )

    assert response.status_code == 403
    assert snapshot() == before
