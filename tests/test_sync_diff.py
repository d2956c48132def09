"""The change summary: what the portal will do with a new payload, in counts and words."""

from __future__ import annotations

import copy

import pytest

from media_sync.diff import ChangeSummary, summarize_changes

pytestmark = pytest.mark.usefixtures("english")

BASE = "https://media.example.fr/m/"


def pic(key: str, stamp: str = "2026-01-01T00:00:00", title: str = "Photo", tags=()) -> dict:
    return {
        "url": f"{BASE}{key}.jpg?timestamp={stamp}",
        "mediaType": "PICTURE",
        "category": "MISC",
        "tags": list(tags),
        "title": title,
    }


def video(url: str = "https://vimeo.com/1") -> dict:
    return {"url": url, "mediaType": "VIDEO", "category": "MISC", "tags": [], "title": "Vidéo du bien"}


def payload(*media: dict, price: int = 100) -> dict:
    return {
        "portals": ["SL"],
        "data": {"prices": {"buy": {"price": {"amount": price}}}, "texts": {"headline": {"fr": "T3"}}},
        "media": list(media),
    }


def test_an_identical_payload_is_nothing_to_send():
    before = payload(pic("a"), pic("b"), video())
    summary = summarize_changes(before, copy.deepcopy(before))
    assert summary.nothing_to_send and summary.text() == "nothing to send"


def test_a_first_publication_sends_everything():
    summary = summarize_changes(None, payload(pic("a"), pic("b"), video()))
    assert summary.text() == "first publication: sends 2 pictures and 1 video"
    assert summary.downloads == 3


def test_the_seed_example_in_words():
    before = payload(pic("a"), pic("b"), pic("c"), pic("d"), video())
    after = payload(pic("d"), pic("c"), pic("a", stamp="2026-01-02T00:00:00"), pic("x"), pic("y"), pic("z"), video())
    summary = summarize_changes(before, after)
    assert (
        summary.text()
        == "adds 3 pictures, removes 1 picture, moves 2 pictures, downloads 1 picture again; video unchanged"
    )
    assert summary.downloads == 4


def test_moving_one_picture_to_the_end_is_one_move_not_a_shift_of_all():
    before = payload(pic("a"), pic("b"), pic("c"), pic("d"))
    after = payload(pic("b"), pic("c"), pic("d"), pic("a"))
    assert summarize_changes(before, after).moved["PICTURE"] == 1


def test_a_removal_does_not_count_as_moving_the_others():
    summary = summarize_changes(payload(pic("a"), pic("b"), pic("c")), payload(pic("b"), pic("c")))
    assert not summary.moved and summary.removed["PICTURE"] == 1


def test_a_new_caption_is_a_metadata_change_without_download():
    summary = summarize_changes(payload(pic("a"), pic("b")), payload(pic("a", title="Séjour"), pic("b")))
    assert summary.metadata_changed["PICTURE"] == 1 and summary.downloads == 0
    assert summary.text() == "updates the details of 1 picture"


def test_listing_fields_are_named():
    summary = summarize_changes(payload(pic("a"), price=100), payload(pic("a"), price=90))
    assert summary.listing_fields == ["price"]
    assert summary.text() == "changes price; pictures unchanged"


def test_a_replaced_external_link_is_a_removal_and_an_addition():
    summary = summarize_changes(payload(video("https://vimeo.com/1")), payload(video("https://vimeo.com/2")))
    assert summary.added["VIDEO"] == 1 and summary.removed["VIDEO"] == 1


def test_the_summary_survives_its_trip_through_json():
    summary = summarize_changes(payload(pic("a"), pic("b")), payload(pic("b"), pic("c")))
    summary.pending_media = 2
    again = ChangeSummary.from_dict(summary.as_dict())
    assert again == summary
    assert again.text().endswith("(2 media still being processed will be sent when ready)")
