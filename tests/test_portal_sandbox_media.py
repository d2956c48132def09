"""The portal's media rule, over real HTTP: URLs identify media, downloads happen for real."""

from __future__ import annotations

import io
import time

import requests
from PIL import Image
from pillow_heif import register_heif_opener

from tests.sandbox_fixtures import MediaHost, PortalSandbox, classified_payload, make_jpeg, picture


def put_media(sandbox: PortalSandbox, classified_id: str, media: list[dict], offerer_estate_id: str = "L-1") -> None:
    url = f"{sandbox.base_url}/classifieds/{classified_id}"
    response = requests.put(
        url, json=classified_payload(offerer_estate_id, media), headers=sandbox.headers(), timeout=10
    )
    assert response.status_code == 202, response.text


def publish(sandbox: PortalSandbox, media: list[dict], offerer_estate_id: str = "L-1") -> tuple[str, dict]:
    """Create a classified, wait for its processing and return its id and final status."""
    payload = classified_payload(offerer_estate_id, media)
    response = requests.post(f"{sandbox.base_url}/classifieds", json=payload, headers=sandbox.headers(), timeout=10)
    assert response.status_code == 202, response.text
    classified_id = response.json()["classifiedId"]
    return classified_id, sandbox.wait_for_final_status(classified_id)


def statuses_by_url(final: dict) -> dict[str, str]:
    return {item["url"]: item["status"] for item in final["mediaStatuses"]}


def three_pictures(media_host: MediaHost) -> list[dict]:
    return [
        picture(media_host.put(f"/{name}.jpg?timestamp=1", make_jpeg(color=(i * 60, 90, 90))), title=name)
        for i, name in enumerate("abc")
    ]


def test_repeated_identical_puts_download_nothing_and_are_counted_as_noops(portal_sandbox, media_host) -> None:
    media = three_pictures(media_host)
    classified_id, _ = publish(portal_sandbox, media)

    for _ in range(3):
        put_media(portal_sandbox, classified_id, media)
        final = portal_sandbox.wait_for_final_status(classified_id)

    assert final["status"] == "UPDATED"
    assert set(statuses_by_url(final).values()) == {"UPDATED"}
    assert [media_host.hits(f"/{name}.jpg") for name in "abc"] == [1, 1, 1]
    stats = portal_sandbox.stats()
    assert stats["put_noops"] == {"total": 3, "by_classified": {classified_id: 3}}
    assert stats["downloads"]["by_url"] == {item["url"]: 1 for item in media}


def test_a_put_that_changes_a_title_is_not_a_noop_but_downloads_nothing(portal_sandbox, media_host) -> None:
    media = three_pictures(media_host)
    classified_id, _ = publish(portal_sandbox, media)

    put_media(portal_sandbox, classified_id, [{**media[0], "title": "Séjour plein sud"}, *media[1:]])
    portal_sandbox.wait_for_final_status(classified_id)

    assert portal_sandbox.stats()["put_noops"]["total"] == 0
    assert portal_sandbox.stats()["downloads"]["total"] == 3
    assert portal_sandbox.inspect(classified_id)["media"][0]["title"] == "Séjour plein sud"


def test_a_reorder_moves_media_without_downloading(portal_sandbox, media_host) -> None:
    media = three_pictures(media_host)
    classified_id, _ = publish(portal_sandbox, media)

    reordered = [media[2], media[0], media[1]]
    put_media(portal_sandbox, classified_id, reordered)
    final = portal_sandbox.wait_for_final_status(classified_id)

    assert final["status"] == "UPDATED"
    assert [item["url"] for item in portal_sandbox.inspect(classified_id)["media"]] == [
        item["url"] for item in reordered
    ]
    assert portal_sandbox.stats()["downloads"]["total"] == 3
    assert portal_sandbox.stats()["put_noops"]["total"] == 0


def test_a_url_with_a_new_timestamp_is_downloaded_once(portal_sandbox, media_host) -> None:
    media = three_pictures(media_host)
    classified_id, _ = publish(portal_sandbox, media)
    media_host.put("/b.jpg", make_jpeg(color=(10, 200, 10)))
    renewed = {**media[1], "url": media_host.url("/b.jpg?timestamp=2")}

    finals = []
    for _ in range(2):
        put_media(portal_sandbox, classified_id, [media[0], renewed, media[2]])
        finals.append(portal_sandbox.wait_for_final_status(classified_id))

    assert statuses_by_url(finals[0]) == {
        media[0]["url"]: "UPDATED",
        renewed["url"]: "CREATED",
        media[2]["url"]: "UPDATED",
    }
    assert statuses_by_url(finals[1])[renewed["url"]] == "UPDATED"
    by_url = portal_sandbox.stats()["downloads"]["by_url"]
    assert by_url[renewed["url"]] == 1
    assert by_url[media[1]["url"]] == 1  # the old URL, downloaded once at creation
    assert media_host.hits("/b.jpg") == 2


def test_a_removed_url_disappears(portal_sandbox, media_host) -> None:
    media = three_pictures(media_host)
    classified_id, _ = publish(portal_sandbox, media)

    put_media(portal_sandbox, classified_id, [media[0], media[2]])
    final = portal_sandbox.wait_for_final_status(classified_id)

    assert list(statuses_by_url(final)) == [media[0]["url"], media[2]["url"]]
    assert [item["url"] for item in portal_sandbox.inspect(classified_id)["media"]] == [
        media[0]["url"],
        media[2]["url"],
    ]
    assert media[1]["url"] not in requests.get(portal_sandbox.preview_url(classified_id), timeout=10).text


def test_a_404_media_url_ends_downloading_failed_and_the_classified_with_media_error(
    portal_sandbox, media_host
) -> None:
    good = picture(media_host.put("/good.jpg", make_jpeg()))
    missing = picture(media_host.fail("/missing.jpg", status=404))

    _, final = publish(portal_sandbox, [good, missing])

    assert final["status"] == "CREATED_WITH_MEDIA_ERROR"
    assert statuses_by_url(final) == {good["url"]: "CREATED", missing["url"]: "DOWNLOADING_FAILED"}


def test_an_update_adding_a_failing_media_ends_updated_with_media_error(portal_sandbox, media_host) -> None:
    good = picture(media_host.put("/good.jpg", make_jpeg()))
    classified_id, _ = publish(portal_sandbox, [good])

    put_media(portal_sandbox, classified_id, [good, picture(media_host.fail("/gone.jpg", status=500))])

    assert portal_sandbox.wait_for_final_status(classified_id)["status"] == "UPDATED_WITH_MEDIA_ERROR"


def test_a_failed_url_is_not_downloaded_again_until_the_url_changes(portal_sandbox, media_host) -> None:
    missing = picture(media_host.fail("/late.jpg", status=404))
    classified_id, _ = publish(portal_sandbox, [missing])
    media_host.put("/late.jpg", make_jpeg())  # the file is there now, under the same URL

    put_media(portal_sandbox, classified_id, [missing])
    still_failed = portal_sandbox.wait_for_final_status(classified_id)
    renewed = picture(media_host.url("/late.jpg?timestamp=2"))
    put_media(portal_sandbox, classified_id, [renewed])
    fixed = portal_sandbox.wait_for_final_status(classified_id)

    assert still_failed["status"] == "UPDATED_WITH_MEDIA_ERROR"
    assert fixed["status"] == "UPDATED"
    assert statuses_by_url(fixed) == {renewed["url"]: "CREATED"}
    assert media_host.hits("/late.jpg") == 2


def test_a_url_used_by_another_classified_gets_duplicated_media(portal_sandbox, media_host) -> None:
    shared = picture(media_host.put("/shared.jpg", make_jpeg()))
    first_id, _ = publish(portal_sandbox, [shared], "L-1")

    payload = classified_payload("L-2", [shared])
    response = requests.post(
        f"{portal_sandbox.base_url}/classifieds", json=payload, headers=portal_sandbox.headers(), timeout=10
    )

    assert response.status_code == 400
    assert response.json()["title"] == "Duplicated media"
    assert shared["url"] in response.json()["detail"]
    assert f"classifiedId: {first_id}" in response.json()["detail"]


def test_a_url_freed_by_a_removal_can_be_used_by_another_classified(portal_sandbox, media_host) -> None:
    shared = picture(media_host.put("/shared.jpg", make_jpeg()))
    first_id, _ = publish(portal_sandbox, [shared], "L-1")
    put_media(portal_sandbox, first_id, [], "L-1")

    _, final = publish(portal_sandbox, [shared], "L-2")

    assert final["status"] == "CREATED"


def test_a_url_listed_twice_in_one_payload_is_refused(portal_sandbox, media_host) -> None:
    url = media_host.put("/twice.jpg", make_jpeg())
    payload = classified_payload("L-1", [picture(url, category="LIVING_ROOM"), picture(url, category="COVER_PICTURE")])

    response = requests.post(
        f"{portal_sandbox.base_url}/classifieds", json=payload, headers=portal_sandbox.headers(), timeout=10
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "/media/1/url"


def test_a_slow_media_host_ends_downloading_failed_by_timeout(portal_sandbox, media_host) -> None:
    slow = picture(media_host.put("/slow.jpg", make_jpeg(), delay=3))

    _, final = publish(portal_sandbox, [slow])

    assert statuses_by_url(final) == {slow["url"]: "DOWNLOADING_FAILED"}
    assert "timeout" in portal_sandbox.inspect(final["classifiedId"])["media"][0]["reason"]


def test_a_file_over_the_size_cap_ends_downloading_failed(portal_sandbox, media_host) -> None:
    huge = picture(media_host.put("/huge.jpg", b"\xff\xd8\xff" + bytes(6_000_000)))

    _, final = publish(portal_sandbox, [huge])

    assert statuses_by_url(final) == {huge["url"]: "DOWNLOADING_FAILED"}
    assert "too large" in portal_sandbox.inspect(final["classifiedId"])["media"][0]["reason"]


def test_a_file_that_is_neither_picture_nor_video_ends_downloading_failed(portal_sandbox, media_host) -> None:
    page = picture(media_host.put("/page.jpg", b"<html><body>Login</body></html>", content_type="text/html"))

    _, final = publish(portal_sandbox, [page])

    assert statuses_by_url(final) == {page["url"]: "DOWNLOADING_FAILED"}


def test_a_picture_that_does_not_decode_ends_creating_failed(portal_sandbox, media_host) -> None:
    truncated = make_jpeg()[:600]
    broken = picture(media_host.put("/broken.jpg", truncated))

    _, final = publish(portal_sandbox, [broken])

    assert final["status"] == "CREATED_WITH_MEDIA_ERROR"
    assert statuses_by_url(final) == {broken["url"]: "CREATING_FAILED"}


def test_heic_png_and_webp_pictures_are_accepted(portal_sandbox, media_host) -> None:
    register_heif_opener()
    media = []
    for extension, pillow_format, content_type in [
        ("heic", "HEIF", "image/heic"),
        ("png", "PNG", "image/png"),
        ("webp", "WEBP", "image/webp"),
    ]:
        output = io.BytesIO()
        Image.new("RGB", (900, 600), (20, 40, 200)).save(output, format=pillow_format)
        media.append(picture(media_host.put(f"/p.{extension}", output.getvalue(), content_type=content_type)))

    _, final = publish(portal_sandbox, media)

    assert final["status"] == "CREATED", final


def test_embedded_video_and_tour_links_are_accepted_without_download(portal_sandbox) -> None:
    video = {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "mediaType": "VIDEO"}
    tour = {"url": "https://my.matterport.com/show/?m=abc123", "mediaType": "VIRTUAL_TOUR"}

    _, final = publish(portal_sandbox, [video, tour])

    assert final["status"] == "CREATED"
    assert portal_sandbox.stats()["downloads"]["total"] == 0


def test_a_direct_video_file_is_downloaded_and_a_picture_sent_as_video_fails(portal_sandbox, media_host) -> None:
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(2000)
    video = {"url": media_host.put("/visit.mp4", mp4, content_type="video/mp4"), "mediaType": "VIDEO"}
    not_a_video = {"url": media_host.put("/photo.jpg", make_jpeg()), "mediaType": "VIDEO"}

    _, final = publish(portal_sandbox, [video, not_a_video])

    assert statuses_by_url(final) == {video["url"]: "CREATED", not_a_video["url"]: "CREATING_FAILED"}


def test_media_statuses_show_accepted_then_downloading_while_the_portal_works(portal_sandbox, media_host) -> None:
    slow = picture(media_host.put("/slow.jpg", make_jpeg(), delay=0.8))
    response = requests.post(
        f"{portal_sandbox.base_url}/classifieds",
        json=classified_payload("L-1", [slow]),
        headers=portal_sandbox.headers(),
        timeout=10,
    )
    classified_id = response.json()["classifiedId"]

    seen = set()
    deadline = time.monotonic() + 5
    while "DOWNLOADING" not in seen and time.monotonic() < deadline:
        for item in portal_sandbox.inspect(classified_id)["statuses"]:
            seen.update(media["status"] for media in item["mediaStatuses"])
        time.sleep(0.05)

    assert {"ACCEPTED", "DOWNLOADING"} <= seen
    assert portal_sandbox.wait_for_final_status(classified_id)["status"] == "CREATED"


def test_the_portal_keeps_its_copy_when_the_file_changes_under_the_same_url(portal_sandbox, media_host) -> None:
    red = picture(media_host.put("/kitchen.jpg", make_jpeg(color=(220, 20, 20))))
    classified_id, _ = publish(portal_sandbox, [red])
    media_host.put("/kitchen.jpg", make_jpeg(color=(20, 20, 220)))  # new content, same URL

    put_media(portal_sandbox, classified_id, [red])
    portal_sandbox.wait_for_final_status(classified_id)

    page = requests.get(portal_sandbox.preview_url(classified_id), timeout=10).text
    src = page.split('class="cover" src="')[1].split('"')[0]
    shown = Image.open(io.BytesIO(requests.get(portal_sandbox.root_url + src, timeout=10).content)).convert("RGB")
    red_level, _, blue_level = shown.getpixel((10, 10))
    assert red_level > 150 and blue_level < 100  # still the old, red picture
