"""What the portal displays: the preview page of a classified and the sandbox's index."""

from __future__ import annotations

import re

import requests

from tests.sandbox_fixtures import PortalSandbox, classified_payload, make_jpeg, picture


def publish(sandbox: PortalSandbox, payload: dict) -> str:
    response = requests.post(f"{sandbox.base_url}/classifieds", json=payload, headers=sandbox.headers(), timeout=10)
    assert response.status_code == 202, response.text
    classified_id = response.json()["classifiedId"]
    sandbox.wait_for_final_status(classified_id)
    return classified_id


def section(page: str, testid: str) -> str:
    """Return the HTML of the element marked data-testid (up to the next marked element)."""
    start = page.index(f'data-testid="{testid}"')
    following = page.find("data-testid=", start + 1)
    return page[start : following if following > 0 else len(page)]


def urls_in(html: str) -> list[str]:
    return re.findall(r'data-url="([^"]+)"', html)


def test_the_card_shows_the_first_picture_as_cover_with_title_price_and_city(portal_sandbox, media_host) -> None:
    video = {"url": "https://www.youtube.com/watch?v=first", "mediaType": "VIDEO"}
    facade = picture(media_host.put("/facade.jpg", make_jpeg()), title="Façade")
    living = picture(media_host.put("/living.jpg", make_jpeg()), title="Séjour")
    classified_id = publish(portal_sandbox, classified_payload("L-1", [video, facade, living]))

    page = requests.get(portal_sandbox.preview_url(classified_id), timeout=10).text

    card = section(page, "search-card")
    assert urls_in(card) == [facade["url"]]
    assert "Appartement lumineux avec balcon" in card
    assert "289\u202f000\u00a0€" in card
    assert "69003 Lyon" in card


def test_the_gallery_shows_the_pictures_in_their_order(portal_sandbox, media_host) -> None:
    pictures = [picture(media_host.put(f"/{name}.jpg", make_jpeg()), title=name) for name in ("c", "a", "b")]
    classified_id = publish(portal_sandbox, classified_payload("L-1", pictures))

    page = requests.get(portal_sandbox.preview_url(classified_id), timeout=10).text

    assert urls_in(section(page, "gallery")) == [item["url"] for item in pictures]


def test_only_the_first_video_and_the_first_tour_are_shown_and_the_note_says_why(portal_sandbox, media_host) -> None:
    videos = [{"url": f"https://www.youtube.com/watch?v={name}", "mediaType": "VIDEO"} for name in ("v1", "v2")]
    tours = [{"url": f"https://my.matterport.com/show/?m={name}", "mediaType": "VIRTUAL_TOUR"} for name in ("t1", "t2")]
    missing = picture(media_host.fail("/missing.jpg"))
    classified_id = publish(portal_sandbox, classified_payload("L-1", [missing, *videos, *tours]))

    page = requests.get(portal_sandbox.preview_url(classified_id), timeout=10).text

    assert urls_in(section(page, "video")) == [videos[0]["url"]]
    assert urls_in(section(page, "tour")) == [tours[0]["url"]]
    note = section(page, "hidden-media")
    assert urls_in(note) == [missing["url"], videos[1]["url"], tours[1]["url"]]
    assert "DOWNLOADING_FAILED" in note and "HTTP 404" in note
    assert "seule la première vidéo" in note
    assert "seule la première visite virtuelle" in note


def test_a_flat_to_rent_shows_its_monthly_rent(portal_sandbox) -> None:
    payload = classified_payload(
        "L-1", distributionType="RENT", prices={"currency": "EUR", "rent": {"baseRent": {"amount": 950}}}
    )
    classified_id = publish(portal_sandbox, payload)

    page = requests.get(portal_sandbox.preview_url(classified_id), timeout=10).text

    assert "950\u00a0€ / mois" in section(page, "search-card")


def test_the_cover_image_is_the_portals_own_copy(portal_sandbox, media_host) -> None:
    classified_id = publish(
        portal_sandbox, classified_payload("L-1", [picture(media_host.put("/a.jpg", make_jpeg(3000, 2000)))])
    )

    page = requests.get(portal_sandbox.preview_url(classified_id), timeout=10).text
    src = re.search(r'class="cover" src="([^"]+)"', page).group(1)
    image = requests.get(portal_sandbox.root_url + src, timeout=10)

    assert image.headers["Content-Type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    assert media_host.hits("/a.jpg") == 1  # shown from the portal's copy, not the agent's server


def test_a_deleted_classified_preview_says_it_was_withdrawn(portal_sandbox) -> None:
    classified_id = publish(portal_sandbox, classified_payload("L-1"))
    requests.delete(
        f"{portal_sandbox.base_url}/classifieds/{classified_id}", headers=portal_sandbox.headers(), timeout=10
    )
    portal_sandbox.wait_for_final_status(classified_id)

    response = requests.get(portal_sandbox.preview_url(classified_id), timeout=10)

    assert response.status_code == 404
    assert "retirée" in response.text


def test_the_index_links_to_each_classifieds_preview(portal_sandbox) -> None:
    classified_id = publish(portal_sandbox, classified_payload("L-1"))

    page = requests.get(portal_sandbox.root_url + "/", timeout=10).text

    assert f'href="/classifieds/{classified_id}/preview"' in page
    assert (
        requests.get(
            portal_sandbox.root_url + "/classifieds/7f0d3b6e-8c1c-4a4e-9d0e-8d8f3f0b1a2c/preview", timeout=10
        ).status_code
        == 404
    )
