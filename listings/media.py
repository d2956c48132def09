"""Writes on the media of a listing: the one home of each change.

Views, forms and admin classes call these functions; none of them saves media itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from listings.choices import MediaCategory
from listings.models import Listing, Media, MediaVersion


class MediaOrderError(ValueError):
    """The submitted order does not name exactly the media of the listing."""


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Return the tags deduplicated in their given order, refusing unknown values."""
    cleaned: list[str] = []
    for tag in tags:
        if tag not in MediaCategory.values:
            raise ValueError(_("Unknown tag: %(tag)s.") % {"tag": tag})
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def next_position(listing: Listing) -> int:
    """Return the position after the last media of `listing` (call with the listing locked)."""
    last = listing.media.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def lock_listing(listing_id: int) -> Listing:
    """Return the listing locked for the rest of the transaction."""
    return Listing.objects.select_for_update().get(pk=listing_id)


def _write_positions(media: Sequence[Media]) -> None:
    """Write positions 0..n-1 in the order of `media`.

    PostgreSQL checks the unique (listing, position) constraint at the end of the
    statement: one bulk UPDATE writes the whole permutation. SQLite checks it row by row,
    so there the permutation goes first past the current range, then to 0..n-1.
    """
    if not media:
        return
    if not connection.features.supports_deferrable_unique_constraints:
        offset = max(m.position for m in media) + 1
        for index, item in enumerate(media):
            item.position = offset + index
        Media.objects.bulk_update(media, ["position"])
    for index, item in enumerate(media):
        item.position = index
    Media.objects.bulk_update(media, ["position"])


def reorder_media(listing: Listing, *, media_ids: Sequence[int]) -> list[Media]:
    """Put the media of `listing` in the order of `media_ids`; return them in that order."""
    with transaction.atomic():
        lock_listing(listing.pk)
        current = {m.pk: m for m in listing.media.all()}
        if len(media_ids) != len(set(media_ids)) or set(media_ids) != set(current):
            raise MediaOrderError(_("The new order must list each media of this listing exactly once."))
        ordered = [current[pk] for pk in media_ids]
        if [m.position for m in ordered] != list(range(len(ordered))):
            _write_positions(ordered)
    return ordered


def renumber_media(listing: Listing) -> None:
    """Close the gaps in the positions of `listing`'s media, keeping their order."""
    with transaction.atomic():
        lock_listing(listing.pk)
        ordered = list(listing.media.order_by("position"))
        if [m.position for m in ordered] != list(range(len(ordered))):
            _write_positions(ordered)


def update_media_details(media: Media, *, title: str, category: str, tags: Iterable[str]) -> Media:
    """Set the caption, category and tags of `media`; its content and URL are untouched."""
    if category not in MediaCategory.values:
        raise ValueError(_("Unknown category: %(category)s.") % {"category": category})
    media.title = title.strip()
    media.category = category
    media.tags = clean_tags(tags)
    media.save(update_fields=["title", "category", "tags", "updated_at"])
    return media


def media_files(media: Sequence[Media], *, with_versions: bool = True) -> list[tuple[Storage, str]]:
    """Return the (storage, name) of every file of `media`: original, thumbnails, versions."""
    files: list[tuple[Storage, str]] = []
    for item in media:
        files += [(item.original.storage, item.original.name), (default_storage, item.thumbnail.name)]
        files += [(default_storage, item.thumbnail_large.name)]
    if not with_versions:
        return files
    versions = MediaVersion.objects.filter(media__in=[item.pk for item in media]).values_list("file", flat=True)
    return files + [(default_storage, name) for name in versions]


def delete_files(files: Iterable[tuple[Storage, str]]) -> None:
    """Delete stored files (call after commit: a rollback must find them still there)."""
    for storage, name in files:
        if name:
            storage.delete(name)


def delete_media_rows(media: Sequence[Media]) -> None:
    """Delete `media` rows now and their files once the transaction commits."""
    if not media:
        return
    files = media_files(media)
    Media.objects.filter(pk__in=[item.pk for item in media]).delete()
    transaction.on_commit(lambda: delete_files(files))


def delete_media(media: Media) -> None:
    """Delete `media` (and its files after commit), closing the gap it leaves in the order."""
    with transaction.atomic():
        listing = lock_listing(media.listing_id)
        delete_media_rows([media])
        renumber_media(listing)
