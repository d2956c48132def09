"""What the agent's pages show, read in a fixed number of queries whatever the number of media."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from listings.access import listings_for_user
from listings.choices import KIND_ORDER, MediaKind, ProcessingStatus
from listings.image_quality import NEAR_DUPLICATE, warning_message
from listings.models import Listing, Media, MediaVersion
from listings.pending import MediaEdit, PendingChanges, dump_edit, edit_of
from listings.portal_feedback import portal_state, portal_states
from listings.videos import link_provider

LISTINGS_PER_PAGE = 25
THUMBNAIL_WIDTH, LARGE_THUMBNAIL_WIDTH = 320, 640
DUPLICATE_PREFIXES = ("duplicate:", f"{NEAR_DUPLICATE}:")
NUMBER_MARK = "\x00"


# --- The listings page -----------------------------------------------------------------------


def _saved(kind: str) -> Q:
    return Q(media__kind=kind, media__is_draft=False)


def listing_rows(user, *, filters: dict) -> QuerySet[Listing]:
    """Return `user`'s listings matching `filters`, with their cover and media counts."""
    first_picture = Media.objects.filter(listing=OuterRef("pk"), kind=MediaKind.PICTURE, is_draft=False).order_by(
        "position"
    )
    rows = listings_for_user(user).annotate(
        picture_count=Count("media", filter=_saved(MediaKind.PICTURE)),
        video_count=Count("media", filter=_saved(MediaKind.VIDEO)),
        tour_count=Count("media", filter=_saved(MediaKind.VIRTUAL_TOUR) | _saved(MediaKind.PANORAMA)),
        cover=Subquery(first_picture.values("thumbnail")[:1]),
        cover_width=Subquery(first_picture.values("width")[:1], output_field=IntegerField()),
        cover_height=Subquery(first_picture.values("height")[:1], output_field=IntegerField()),
    )
    if query := (filters.get("q") or "").strip():
        rows = rows.filter(
            Q(reference__icontains=query) | Q(title__icontains=query) | Q(city__icontains=query)
            | Q(postal_code__startswith=query)
        )  # fmt: skip
    for name in ("transaction_type", "property_type"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("media") == "none":
        rows = rows.filter(picture_count=0)
    elif filters.get("media") == "few":
        rows = rows.filter(picture_count__lt=5)
    return rows.order_by("-updated_at", "-id")


def listing_page(user, *, filters: dict, number: str | int | None) -> Page:
    """Return one page of `user`'s listings, each with its cover thumbnail and portal state."""
    page = Paginator(listing_rows(user, filters=filters), LISTINGS_PER_PAGE).get_page(number)
    states = portal_states([row.pk for row in page.object_list])
    for row in page.object_list:
        row.portal = states[row.pk]
        row.cover_url, row.cover_size = _cover(row)
    return page


def _cover(row: Listing) -> tuple[str | None, tuple[int, int]]:
    if not row.cover:
        return None, (THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 3 // 4)
    return default_storage.url(row.cover), thumbnail_size(row.cover_width, row.cover_height, THUMBNAIL_WIDTH)


def thumbnail_size(width: int | None, height: int | None, box: int) -> tuple[int, int]:
    """Return the pixel size of a thumbnail `box` wide (never enlarged) of a `width`x`height` picture."""
    if not width or not height:
        return box, box * 3 // 4
    scaled = min(box, width)
    return scaled, max(1, round(height * scaled / width))


# --- The media manager -----------------------------------------------------------------------


@dataclass
class PictureWarning:
    code: str
    text: str
    duplicate_of: int | None = None
    before: str = ""
    after: str = ""


@dataclass
class Card:
    """One media as the manager shows it: its saved row, the page's values and what to show."""

    media: Media
    edit: MediaEdit
    replacement: Media | None = None
    deleted: bool = False
    number: int = 0
    warnings: list[PictureWarning] = field(default_factory=list)
    portal_error: object = None

    @property
    def shown(self) -> Media:
        """Return the row whose content the card shows (the replacement upload, if any)."""
        return self.replacement or self.media

    @property
    def thumbnail_url(self) -> str:
        thumbnail = self.shown.thumbnail
        return thumbnail.url if thumbnail else ""

    @property
    def thumbnail_large_url(self) -> str:
        thumbnail = self.shown.thumbnail_large
        return thumbnail.url if thumbnail else ""

    @property
    def size(self) -> tuple[int, int]:
        return thumbnail_size(self.shown.width, self.shown.height, THUMBNAIL_WIDTH)

    @property
    def video_url(self) -> str:
        shown = self.shown
        return "" if shown.kind != MediaKind.VIDEO or shown.external_url else getattr(shown, "preview_url", "")

    @property
    def is_new(self) -> bool:
        return self.media.is_draft


@dataclass
class Group:
    kind: str
    cards: list[Card]


@dataclass
class ManagerPage:
    listing: Listing
    groups: dict[str, Group]
    saved_state: dict
    page_state: dict
    portal: object
    pending: bool


def _warnings(media: Media) -> list[PictureWarning]:
    warnings = []
    for code in media.warnings or ():
        prefix = next((p for p in DUPLICATE_PREFIXES if str(code).startswith(p)), None)
        if prefix is not None:
            other = str(code)[len(prefix) :]
            if other.isdigit():
                before, _mark, after = warning_message(NEAR_DUPLICATE, position=NUMBER_MARK).partition(NUMBER_MARK)
                warnings.append(PictureWarning(NEAR_DUPLICATE, before + "?" + after, int(other), before, after))
            continue
        try:
            warnings.append(PictureWarning(str(code), warning_message(str(code))))
        except ValueError:
            continue
    return warnings


def _video_previews(media: Sequence[Media]) -> None:
    """Give uploaded videos the URL of their stored copy, for the manager's own preview."""
    files = [m for m in media if m.kind == MediaKind.VIDEO and m.original]
    if not files:
        return
    latest: dict[int, str] = {}
    for media_id, name in (
        MediaVersion.objects.filter(media__in=files)
        .order_by("media_id", "content_version")
        .values_list("media_id", "file")
    ):
        latest[media_id] = name
    for item in files:
        item.preview_url = default_storage.url(latest[item.pk]) if item.pk in latest else ""


def manager_page(listing: Listing, *, pending: PendingChanges | None = None) -> ManagerPage:
    """Return what the media manager of `listing` shows, with `pending` changes carried over."""
    media = list(listing.media.all())
    _video_previews(media)
    by_id = {item.pk: item for item in media}
    saved = [item for item in media if not item.is_draft]
    saved_edits = [edit_of(item) for item in saved]
    saved_edits = [edit for kind in KIND_ORDER for edit in saved_edits if edit.kind == kind]
    carried_over = pending is not None
    if pending is None:
        pending = PendingChanges(items=tuple(saved_edits), base=tuple(saved_edits))
    portal = portal_state(listing)
    groups = {kind: Group(kind=kind, cards=[]) for kind in KIND_ORDER}
    kept = [edit for edit in pending.items if edit.id in by_id]
    shown = {edit.id for edit in kept}
    rows = [(edit, False) for edit in kept] + [
        (edit_of(by_id[pk]), True) for pk in pending.deleted if pk in by_id and pk not in shown
    ]
    for edit, deleted in rows:
        card = Card(
            media=by_id[edit.id],
            edit=edit,
            replacement=by_id.get(edit.replacement) if edit.replacement else None,
            deleted=deleted,
        )
        card.warnings = _warnings(card.shown)
        card.portal_error = portal.media_errors.get(edit.id)
        groups[edit.kind].cards.append(card)
    for group in groups.values():
        live = [card for card in group.cards if not card.deleted]
        for number, card in enumerate(live, start=1):
            card.number = number
    numbers = {card.media.pk: card.number for card in groups[MediaKind.PICTURE].cards if not card.deleted}
    for group in groups.values():
        for card in group.cards:
            card.warnings = [w for w in card.warnings if w.duplicate_of is None or w.duplicate_of in numbers]
            for warning in card.warnings:
                if warning.duplicate_of is not None:
                    warning.text = f"{warning.before}{numbers[warning.duplicate_of]}{warning.after}"
    saved_state = {"version": listing.version, "base": [dump_edit(edit) for edit in saved_edits]}
    page_state = {
        "items": [dump_edit(edit) for edit in kept],
        "deleted": sorted(pending.deleted),
        "drafts": sorted(pk for pk in pending.drafts if pk in by_id),
    }
    return ManagerPage(
        listing=listing,
        groups=groups,
        saved_state=saved_state,
        page_state=page_state,
        portal=portal,
        pending=carried_over,
    )


def media_json(media: Media) -> dict[str, object]:
    """Return what the page needs to show an uploaded or polled media."""
    if media.kind == MediaKind.VIDEO and media.original:
        _video_previews([media])
    card = Card(media=media, edit=edit_of(media))
    width, height = card.size
    return {
        "id": media.pk,
        "kind": media.kind,
        "status": media.processing_status,
        "error": media.processing_error_text() if media.processing_status == ProcessingStatus.FAILED else "",
        "thumbnail": card.thumbnail_url,
        "thumbnail_large": card.thumbnail_large_url,
        "video": card.video_url,
        "link": media.external_url,
        "provider": provider_label(media),
        "width": width,
        "height": height,
        "warnings": [
            {"code": w.code, "text": w.text, "duplicate_of": w.duplicate_of, "before": w.before, "after": w.after}
            for w in _warnings(media)
        ],
        "status_url": reverse("listings:media-status", args=[media.pk]),
    }


def provider_label(media: Media) -> str:
    """Return who serves a link media (YouTube, Matterport...), or its host name."""
    if not media.external_url:
        return ""
    return link_provider(media.external_url, kind=media.kind) or (
        urlsplit(media.external_url).hostname or ""
    ).removeprefix("www.")
