"""The media manager's Save as a service: one transaction, bulk writes, the version race, rebase."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.manager import ChangesRejected, VersionConflict, preview_media_manager, save_media_manager
from listings.models import Listing, Media
from listings.pending import MediaEdit, PendingChanges, edit_of, rebase_changes
from listings.pictures import add_picture
from media_sync.models import ListingSync
from tests.agents import jpeg_bytes, make_agency, make_listing, make_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    return make_listing(make_agency())


def changes_for(media: list[Media], **overrides) -> PendingChanges:
    edits = tuple(edit_of(item) for item in media)
    return PendingChanges(items=overrides.pop("items", edits), base=edits, **overrides)


def media_updates(queries) -> int:
    return sum(1 for query in queries if query["sql"].startswith('UPDATE "listings_media"'))


@pytest.mark.parametrize("count", [5, 50])
def test_reordering_writes_positions_in_bulk_whatever_the_number(listing, count):
    media = make_media(listing, count)
    changes = changes_for(media, items=tuple(edit_of(item) for item in reversed(media)))
    with CaptureQueriesContext(connection) as queries:
        save_media_manager(listing, version=listing.version, changes=changes, user=None)
    # One bulk UPDATE on PostgreSQL, whose position constraint is checked per statement;
    # two on SQLite, which checks it row by row (past the current range, then to 0..n-1).
    expected = 1 if connection.features.supports_deferrable_unique_constraints else 2
    assert media_updates(queries.captured_queries) == expected
    assert list(listing.media.values_list("pk", flat=True)) == [item.pk for item in reversed(media)]


def test_details_of_many_media_are_written_in_one_update(listing):
    media = make_media(listing, 30)
    items = tuple(
        MediaEdit(id=item.pk, kind="PICTURE", title=f"Pièce {n}", category="BEDROOM", tags=("BEDROOM",))
        for n, item in enumerate(media)
    )
    with CaptureQueriesContext(connection) as queries:
        save_media_manager(listing, version=listing.version, changes=changes_for(media, items=items), user=None)
    assert media_updates(queries.captured_queries) == 1
    assert set(listing.media.values_list("category", flat=True)) == {"BEDROOM"}


def test_save_raises_the_version_and_requests_exactly_one_sync(listing):
    media = make_media(listing, 3)
    result = save_media_manager(
        listing,
        version=1,
        changes=changes_for(media, deleted=frozenset({media[0].pk}), items=tuple(edit_of(m) for m in media[1:])),
        user=None,
    )
    assert result.listing.version == 2 == Listing.objects.get(pk=listing.pk).version
    assert ListingSync.objects.get(listing=listing).requested_version == 1


def test_a_stale_version_writes_nothing(listing):
    media = make_media(listing, 2)
    Listing.objects.filter(pk=listing.pk).update(version=5)
    with pytest.raises(VersionConflict) as raised:
        save_media_manager(
            listing,
            version=1,
            changes=changes_for(media, deleted=frozenset({media[0].pk}), items=(edit_of(media[1]),)),
            user=None,
        )
    assert raised.value.listing.version == 5
    assert listing.media.count() == 2
    assert not ListingSync.objects.filter(listing=listing).exists()


def test_media_added_behind_the_pages_back_count_as_a_conflict(listing):
    media = make_media(listing, 2)
    make_media(listing, 1, start=2)  # e.g. by staff in the admin, without a version bump
    with pytest.raises(VersionConflict):
        save_media_manager(listing, version=1, changes=changes_for(media), user=None)


def test_a_failure_inside_save_rolls_everything_back(listing, monkeypatch):
    media = make_media(listing, 2)

    def broken(*args, **kwargs):
        raise RuntimeError("sync engine down")

    monkeypatch.setattr("media_sync.sync.request_sync", broken)
    with pytest.raises(RuntimeError):
        save_media_manager(
            listing,
            version=1,
            changes=changes_for(media, items=(edit_of(media[1]),), deleted=frozenset({media[0].pk})),
            user=None,
        )
    assert listing.media.count() == 2 and Listing.objects.get(pk=listing.pk).version == 1


def test_kinds_only_move_between_picture_and_panorama(listing):
    (video,) = make_media(listing, 1, kind="VIDEO")
    edit = edit_of(video)
    bad = MediaEdit(id=video.pk, kind="PICTURE", title="", category=edit.category, tags=())
    with pytest.raises(ChangesRejected):
        save_media_manager(listing, version=1, changes=changes_for([video], items=(bad,)), user=None)


def test_a_pending_rotation_is_applied_on_save(listing):
    media = add_picture(listing, upload=io.BytesIO(jpeg_bytes((1200, 800))), filename="a.jpg", process_inline=True)
    before = (media.width, media.height, media.content_version)
    rotated = MediaEdit(**{**edit_of(media).__dict__, "turns": 1})
    save_media_manager(listing, version=1, changes=changes_for([media], items=(rotated,)), user=None)
    media.refresh_from_db()
    assert media.quarter_turns == 1
    assert (media.width, media.height) == (before[1], before[0])
    assert media.content_version > before[2]


def test_the_preview_of_pending_changes_writes_nothing(listing):
    media = make_media(listing, 3)
    snapshot = list(Media.objects.values())
    changes = changes_for(media, items=tuple(edit_of(m) for m in reversed(media[1:])), deleted=frozenset({media[0].pk}))
    summary = preview_media_manager(listing, changes=changes)
    assert str(summary)
    assert list(Media.objects.values()) == snapshot
    assert Listing.objects.get(pk=listing.pk).version == 1


def edit(pk: int, **fields) -> MediaEdit:
    values = {"kind": "PICTURE", "title": "", "category": "MISC", "tags": ()}
    return MediaEdit(id=pk, **{**values, **fields})


def test_rebase_keeps_the_agents_edits_over_the_other_saves_state(listing):
    a, b, c, gone = make_media(listing, 4)
    base = (edit(a.pk), edit(b.pk), edit(c.pk), edit(gone.pk))
    mine = PendingChanges(
        items=(edit(c.pk, title="Mine"), edit(a.pk), edit(b.pk), edit(gone.pk, title="Lost")), base=base
    )
    # The other save: captioned b, categorised a, deleted `gone`, added `new`.
    Media.objects.filter(pk=b.pk).update(title="Theirs")
    Media.objects.filter(pk=a.pk).update(category="KITCHEN")
    gone.delete()
    (new,) = make_media(listing, 1, start=10)

    rebase = rebase_changes(mine, current=list(listing.media.all()))

    assert [(e.id, e.title, e.category) for e in rebase.changes.items] == [
        (c.pk, "Mine", "MISC"),
        (a.pk, "", "KITCHEN"),
        (b.pk, "Theirs", "MISC"),
        (new.pk, "", "MISC"),
    ]
    assert (rebase.added, rebase.removed, rebase.edited, rebase.lost_edits) == (1, 1, 2, 1)
    assert "1" in rebase.summary()


def test_stale_drafts_are_purged_with_their_files_and_fresh_ones_kept(django_capture_on_commit_callbacks):
    listing = make_listing(make_agency("Agence des Drafts", "INT-DRAFTS"), reference="DRAFTS-1")
    old = add_picture(listing, upload=io.BytesIO(jpeg_bytes()), filename="old.jpg", is_draft=True)
    fresh = add_picture(listing, upload=io.BytesIO(jpeg_bytes(seed=1)), filename="new.jpg", is_draft=True)
    saved = add_picture(listing, upload=io.BytesIO(jpeg_bytes(seed=2)), filename="saved.jpg")
    Media.objects.filter(pk__in=[old.pk, saved.pk]).update(created_at=timezone.now() - dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_stale_drafts", hours=24, stdout=io.StringIO())
    assert set(Media.objects.values_list("pk", flat=True)) == {fresh.pk, saved.pk}
    assert not old.original.storage.exists(old.original.name)
