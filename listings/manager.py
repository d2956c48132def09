"""The media manager's Save, Discard and change preview: all pending changes in one transaction.

The page posts every change at once (see `listings.pending`). Save locks the listing,
checks that nobody saved it since the page was opened (its `version`), applies deletions,
replacements, rotations, details, panorama flags and the new order, raises the version and
requests one sync, or writes nothing at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from listings.choices import ProcessingStatus
from listings.media import delete_files, delete_media_rows, lock_listing, media_files, reorder_media
from listings.models import Listing, Media, MediaVersion
from listings.pending import PICTURE_KINDS, PendingChanges, display_order
from listings.pictures import next_content_version, rotate_picture


class ChangesRejected(ValueError):
    """The submitted changes do not fit the listing; the message is for the agent."""


class VersionConflict(Exception):
    """Someone saved the listing after the page was opened: nothing was written."""

    def __init__(self, listing: Listing) -> None:
        super().__init__(f"Listing {listing.pk} is at version {listing.version}.")
        self.listing = listing


@dataclass(frozen=True)
class SaveResult:
    listing: Listing
    deleted: int
    added: int


def save_media_manager(listing: Listing, *, version: int, changes: PendingChanges, user) -> SaveResult:
    """Apply every pending change of the media manager to `listing` in one transaction.

    Raises `VersionConflict` when the listing was saved since `version` (or its saved media
    are not the ones the page showed), `ChangesRejected` when the changes name media that are
    not this listing's; in both cases nothing is written.
    """
    # Looked up at call time: the sync engine itself imports the listings app.
    from media_sync.sync import request_sync

    with transaction.atomic():
        locked = lock_listing(listing.pk)
        current = {media.pk: media for media in locked.media.all()}
        saved = {pk for pk, media in current.items() if not media.is_draft}
        named = {item.id for item in changes.items} | changes.deleted
        if locked.version != version or not saved <= named:
            raise VersionConflict(locked)
        _check(changes, current)
        added = _apply(locked, changes=changes, current=current, simulate=False)
        Listing.objects.filter(pk=locked.pk).update(version=F("version") + 1, updated_at=timezone.now())
        locked.refresh_from_db(fields=["version", "updated_at"])
        request_sync(locked, requested_by=user)
    return SaveResult(listing=locked, deleted=len(changes.deleted), added=added)


def preview_media_manager(listing: Listing, *, changes: PendingChanges | None) -> object:
    """Return the sync engine's change preview as if `changes` were saved; nothing is written.

    The changes are applied in a transaction that is rolled back; rotations and
    replacements only move the content version, the pixels are left alone.
    """
    from media_sync.sync import preview_changes

    # Drafts are left out: only the media the changes keep are made non-drafts below.
    if changes is None:
        return preview_changes(listing, include_drafts=False)
    with transaction.atomic():
        locked = lock_listing(listing.pk)
        current = {media.pk: media for media in locked.media.all()}
        try:
            _check(changes, current)
        except ChangesRejected:
            transaction.set_rollback(True)
            return preview_changes(locked, include_drafts=False)
        _apply(locked, changes=changes, current=current, simulate=True)
        preview = preview_changes(locked, include_drafts=False)
        transaction.set_rollback(True)
    return preview


def discard_drafts(listing: Listing, *, draft_ids: Iterable[int]) -> int:
    """Delete the unsaved uploads `draft_ids` of `listing` and their files; return how many."""
    with transaction.atomic():
        drafts = list(listing.media.filter(pk__in=list(draft_ids), is_draft=True))
        delete_media_rows(drafts)
    return len(drafts)


def purge_stale_drafts(*, older_than_hours: float) -> int:
    """Delete the drafts of every listing uploaded more than `older_than_hours` ago; return how many.

    A tab closed without Save or Discard leaves its uploads behind; nobody can see them.
    """
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    deleted = 0
    listing_ids = set(Media.objects.filter(is_draft=True, created_at__lt=cutoff).values_list("listing_id", flat=True))
    for listing_id in sorted(listing_ids):
        with transaction.atomic():
            lock_listing(listing_id)
            drafts = list(Media.objects.filter(listing_id=listing_id, is_draft=True, created_at__lt=cutoff))
            delete_media_rows(drafts)
            deleted += len(drafts)
    return deleted


def _check(changes: PendingChanges, current: dict[int, Media]) -> None:
    named = {item.id for item in changes.items} | changes.deleted | changes.replacement_ids
    if named - current.keys():
        raise ChangesRejected(_("Some of these media are no longer in this listing: reload the page."))
    for item in changes.items:
        media = current[item.id]
        if item.kind != media.kind and {item.kind, media.kind} - set(PICTURE_KINDS):
            raise ChangesRejected(_("Only a picture can become a 360° panorama."))
        if media.is_draft and media.processing_status == ProcessingStatus.FAILED:
            raise ChangesRejected(_("Remove the files that could not be read before saving."))
        if item.turns and media.kind not in PICTURE_KINDS:
            raise ChangesRejected(_("Only pictures can be rotated."))
        if item.replacement is not None:
            draft = current[item.replacement]
            same_family = (draft.kind in PICTURE_KINDS) == (media.kind in PICTURE_KINDS)
            if not draft.is_draft or not media.original or not same_family:
                raise ChangesRejected(_("A picture can only be replaced by a picture, and a video by a video."))
            if draft.processing_status != ProcessingStatus.READY:
                raise ChangesRejected(_("Wait until the replacement files are processed, then save."))


def _apply(listing: Listing, *, changes: PendingChanges, current: dict[int, Media], simulate: bool) -> int:
    """Write `changes`; with `simulate`, move content versions instead of touching pixels."""
    delete_media_rows([current.pop(pk) for pk in changes.deleted])
    now = timezone.now()
    changed, added = [], 0
    for item in changes.items:
        media = current[item.id]
        if item.replacement is not None:
            if simulate:
                media.content_version = next_content_version(media.content_version)
            else:
                _take_content(media, draft=current.pop(item.replacement))
        if item.turns:
            if simulate:
                media.content_version = next_content_version(media.content_version)
            else:
                media = current[item.id] = rotate_picture(media, quarter_turns=item.turns)
        new = (item.kind, item.title, item.category, list(item.tags), False)
        if simulate or (media.kind, media.title, media.category, media.tags, media.is_draft) != new:
            added += media.is_draft
            media.kind, media.title, media.category, media.tags, media.is_draft = new
            media.updated_at = now
            changed.append(media)
    # Uploads the page made and then gave up (a second replacement, a removed card) go too.
    used = {item.id for item in changes.items} | changes.replacement_ids
    delete_media_rows([current.pop(pk) for pk in changes.drafts - used if pk in current and current[pk].is_draft])
    # One UPDATE for the details of all media, whatever their number (clean_tags ran on parsing).
    Media.objects.bulk_update(
        changed, ["kind", "title", "category", "tags", "is_draft", "content_version", "updated_at"]
    )
    kept = [item.id for item in display_order(changes.items)]
    # Uploads of another tab, not saved yet, stay drafts at the end.
    others = [pk for pk in current if pk not in set(kept)]
    reorder_media(listing, media_ids=kept + others)
    return added


def _take_content(media: Media, *, draft: Media) -> None:
    """Give `media` the content of the processed upload `draft`; its place and details stay."""
    # Older portal copies stay: the sync engine drops them once the portal no longer uses them.
    old_files = media_files([media], with_versions=False)
    for name in ("original", "thumbnail", "thumbnail_large"):
        setattr(media, name, getattr(draft, name).name)
    for name in (
        "content_type", "source_format", "sha256", "width", "height", "byte_size", "phash", "quarter_turns",
        "processing_status", "processing_error",
    ):  # fmt: skip
        setattr(media, name, getattr(draft, name))
    media.warnings = [code for code in draft.warnings if code != f"duplicate:{media.pk}"]
    media.content_version = next_content_version(media.content_version)
    latest = draft.versions.order_by("-content_version").first()
    if latest is not None:
        # The processed portal copy moves over with the content version of `media`'s new URL.
        MediaVersion.objects.filter(pk=latest.pk).update(media=media, content_version=media.content_version)
    # The draft no longer owns these files: it is deleted without them.
    draft.original.name = draft.thumbnail.name = draft.thumbnail_large.name = ""
    media.save()
    delete_media_rows([draft])
    transaction.on_commit(lambda: delete_files(old_files))
