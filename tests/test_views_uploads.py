"""The media manager's endpoints: uploads become drafts, refused files say why, links are checked."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from listings.models import Media
from tests.agents import jpeg_bytes, make_agency, make_agent, make_listing, mp4_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    return make_listing(make_agency())


@pytest.fixture
def client(client, listing):
    client.force_login(make_agent(listing.agency))
    return client


def upload(client, listing, data: bytes, name: str = "photo.jpg", **extra):
    return client.post(f"/listings/{listing.pk}/media/upload/", {"file": SimpleUploadedFile(name, data), **extra})


def link(client, listing, kind: str, url: str):
    return client.post(f"/listings/{listing.pk}/media/links/", {"kind": kind, "url": url})


def test_a_picture_upload_becomes_a_processed_draft(client, listing):
    response = upload(client, listing, jpeg_bytes())
    assert response.status_code == 201
    answer = response.json()
    media = Media.objects.get(pk=answer["id"])
    assert media.is_draft and media.kind == "PICTURE" and media.processing_status == "READY"
    assert answer["thumbnail"].startswith("/media-files/thumbs/") and answer["status"] == "READY"
    assert answer["width"] == 320 and answer["height"] == 240
    assert client.get(answer["thumbnail"]).status_code == 200


def test_a_small_picture_comes_with_its_warning(client, listing):
    answer = upload(client, listing, jpeg_bytes((640, 480))).json()
    assert "too_small" in [warning["code"] for warning in answer["warnings"]]
    assert all(warning["text"] for warning in answer["warnings"])


@pytest.mark.parametrize("data", [b"", b"not a picture at all", jpeg_bytes()[:400]], ids=["empty", "text", "truncated"])
def test_a_refused_file_answers_400_with_a_message_and_stores_nothing(client, listing, data):
    response = upload(client, listing, data, name="IMG_0001.jpg")
    assert response.status_code == 400
    assert len(response.json()["error"]) > 20
    assert not Media.objects.filter(processing_status="READY").exists()


def test_a_video_file_is_checked_by_content_and_stored_for_the_portal(client, listing):
    answer = upload(client, listing, mp4_bytes(), name="visite.mp4").json()
    media = Media.objects.get(pk=answer["id"])
    assert (media.kind, media.is_draft, media.content_type, media.processing_status) == (
        "VIDEO",
        True,
        "video/mp4",
        "READY",
    )
    version = media.versions.get()
    assert (version.content_type, version.content_version) == ("video/mp4", media.content_version)
    assert answer["video"]


def test_a_video_named_like_a_picture_is_still_a_video(client, listing):
    assert upload(client, listing, mp4_bytes(), name="photo.jpg").json()["kind"] == "VIDEO"


def test_a_file_named_mp4_that_is_not_a_video_is_refused(client, listing):
    response = upload(client, listing, b"\x00" * 2000, name="visite.mp4")
    assert response.status_code == 400


def test_a_video_over_the_cap_is_refused(client, listing, settings):
    settings.VIDEO_MAX_BYTES = 1000
    response = upload(client, listing, mp4_bytes(extra=5000), name="long.mov")
    assert response.status_code == 400 and "Mo" in response.json()["error"]  # in French by default
    assert not Media.objects.exists()


def test_a_replacement_must_be_of_the_same_family(client, listing):
    picture = upload(client, listing, jpeg_bytes()).json()
    response = upload(client, listing, mp4_bytes(), name="clip.mp4", replaces=picture["id"])
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("VIDEO", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("VIDEO", "youtu.be/dQw4w9WgXcQ"),
        ("VIDEO", "https://vimeo.com/76979871"),
        ("VIDEO", "https://www.dailymotion.com/video/x8abcd1"),
        ("VIDEO", "https://cdn.example.fr/visites/maison.mp4"),
        ("VIRTUAL_TOUR", "https://my.matterport.com/show/?m=SxQL3iGyoDo"),
        ("VIRTUAL_TOUR", "https://app.nodalview.com/tour/abc"),
        ("VIRTUAL_TOUR", "https://kuula.co/share/collection/7abc"),
        ("VIRTUAL_TOUR", "https://visite.agence.fr/3d/123"),
    ],
)
def test_links_of_known_providers_are_added_as_drafts(client, listing, kind, url):
    response = link(client, listing, kind, url)
    assert response.status_code == 201, response.content
    media = Media.objects.get(pk=response.json()["id"])
    assert (media.kind, media.is_draft, media.processing_status) == (kind, True, "READY")
    assert media.external_url.startswith("https://")


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("VIDEO", "http://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("VIDEO", "https://www.example.com/page.html"),
        ("VIDEO", "not a link"),
        ("VIRTUAL_TOUR", "https://localhost/tour"),
        ("VIRTUAL_TOUR", "https://192.168.1.2/tour"),
        ("PICTURE", "https://www.example.com/a.jpg"),
    ],
)
def test_bad_links_are_refused_with_a_reason(client, listing, kind, url):
    response = link(client, listing, kind, url)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Media.objects.exists()


def test_the_same_link_twice_is_refused(client, listing):
    assert link(client, listing, "VIDEO", "https://vimeo.com/76979871").status_code == 201
    assert link(client, listing, "VIDEO", "https://vimeo.com/76979871").status_code == 400


def test_the_status_endpoint_tells_where_processing_stands(client, listing):
    answer = upload(client, listing, jpeg_bytes()).json()
    status = client.get(answer["status_url"]).json()
    assert (status["id"], status["status"]) == (answer["id"], "READY")


def test_heic_is_not_mistaken_for_a_video():
    from listings.videos import sniff_video

    heic = (24).to_bytes(4, "big") + b"ftypheic" + bytes(4) + b"mif1heic"
    mov = (20).to_bytes(4, "big") + b"ftypqt  " + bytes(4) + b"qt  "
    webm = b"\x1a\x45\xdf\xa3" + bytes(20) + b"webm" + bytes(20)
    assert sniff_video(heic) is None
    assert sniff_video(mov).content_type == "video/quicktime"
    assert sniff_video(webm).content_type == "video/webm"
    assert sniff_video(mp4_bytes()).content_type == "video/mp4"


def test_a_picture_over_the_byte_cap_is_refused_while_it_streams(client, listing, settings):
    settings.PICTURE_MAX_BYTES = 200_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000_000
    big = jpeg_bytes() + b"\0" * 400_000
    response = upload(client, listing, big, name="huge.jpg")
    assert response.status_code == 400
    assert "0.19" in response.json()["error"] or "0,19" in response.json()["error"]
    assert not Media.objects.exists()


def test_the_upload_handler_stops_reading_at_the_chunk_that_passes_the_cap(rf, settings):
    from django.core.files.uploadhandler import StopUpload

    from listings.upload_limits import CappedUploadHandler, upload_refusal

    settings.PICTURE_MAX_BYTES = 100
    request = rf.post("/")
    handler = CappedUploadHandler(request)
    handler.new_file("file", "a.jpg", "image/jpeg", 1000)
    assert handler.receive_data_chunk(b"\xff\xd8" + b"x" * 58, 0) is not None
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 60, 60)
    assert "MB" in upload_refusal(request) or "Mo" in upload_refusal(request)
