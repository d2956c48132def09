"""The pending changes of the media manager page: their shape, parsing and rebase.

The page keeps every change in the browser until Save and posts them as one JSON
document: the kept media in display order with their details, the deletions, and the
state it was opened on (`base`), which lets a save that lost the version race say what
the other save changed and carry the agent's own edits over onto the new state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from listings.choices import KIND_ORDER, MediaCategory, MediaKind
from listings.media import clean_tags
from listings.models import Media

TITLE_MAX_LENGTH = Media._meta.get_field("title").max_length
PICTURE_KINDS = (MediaKind.PICTURE, MediaKind.PANORAMA)
DETAIL_FIELDS = ("kind", "title", "category", "tags")


@dataclass(frozen=True)
class MediaEdit:
    """One kept media as the page wants it: details, pending turns and replacement."""

    id: int
    kind: str
    title: str
    category: str
    tags: tuple[str, ...]
    turns: int = 0
    replacement: int | None = None
    # Only in `base`: the content version the page was opened on, to tell rotations and replacements.
    content: str = ""

    def differs_from(self, other: MediaEdit | None) -> bool:
        """Return whether the agent changed anything of this media compared with `other`."""
        if other is None:
            return True
        return bool(self.turns or self.replacement) or any(
            getattr(self, name) != getattr(other, name) for name in DETAIL_FIELDS
        )


@dataclass(frozen=True)
class PendingChanges:
    """Everything the agent changed on the page, in the order the page shows the media."""

    items: tuple[MediaEdit, ...]
    deleted: frozenset[int] = frozenset()
    base: tuple[MediaEdit, ...] = ()
    drafts: frozenset[int] = field(default=frozenset())

    @property
    def replacement_ids(self) -> set[int]:
        return {item.replacement for item in self.items if item.replacement is not None}


def edit_of(media: Media) -> MediaEdit:
    """Return the saved state of `media` in the page's terms."""
    return MediaEdit(
        id=media.pk,
        kind=media.kind,
        title=media.title,
        category=media.category,
        tags=tuple(media.tags or ()),
        content=media.content_version.isoformat() if media.content_version else "",
    )


def display_order(edits: Iterable[MediaEdit]) -> list[MediaEdit]:
    """Return `edits` grouped by kind in the portal's group order, keeping their order inside a group."""
    edits = list(edits)
    return [edit for kind in KIND_ORDER for edit in edits if edit.kind == kind]


def _integer(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("%(name)s must be a whole number.") % {"name": name})
    return value


def _edit(raw: object, *, with_changes: bool) -> MediaEdit:
    if not isinstance(raw, dict):
        raise ValueError(_("Each media must be described by an object."))
    kind = raw.get("kind")
    if kind not in MediaKind.values:
        raise ValueError(_("Unknown media kind: %(kind)s.") % {"kind": kind})
    title = raw.get("title", "")
    if not isinstance(title, str):
        raise ValueError(_("A caption must be text."))
    title = " ".join(title.split())
    if len(title) > TITLE_MAX_LENGTH:
        raise ValueError(_("A caption has at most %(max)d characters.") % {"max": TITLE_MAX_LENGTH})
    category = raw.get("category")
    if category not in MediaCategory.values:
        raise ValueError(_("Unknown category: %(category)s.") % {"category": category})
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError(_("Tags must be a list of categories."))
    turns = _integer(raw.get("turns", 0), "turns") % 4 if with_changes else 0
    replacement = raw.get("replacement") if with_changes else None
    if replacement is not None:
        replacement = _integer(replacement, "replacement")
    content = "" if with_changes else str(raw.get("content") or "")
    return MediaEdit(
        id=_integer(raw.get("id"), "id"),
        kind=kind,
        title=title,
        category=category,
        tags=tuple(clean_tags(tags)),
        turns=turns,
        replacement=replacement,
        content=content,
    )


def parse_changes(text: str) -> PendingChanges:
    """Return the changes of the page's JSON document, or raise ValueError saying what is wrong."""
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        raise ValueError(_("The changes could not be read: reload the page.")) from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ValueError(_("The changes could not be read: reload the page."))
    items = tuple(_edit(raw, with_changes=True) for raw in document["items"])
    deleted = frozenset(_integer(pk, "deleted") for pk in document.get("deleted", []))
    drafts = frozenset(_integer(pk, "drafts") for pk in document.get("drafts", []))
    base = tuple(_edit(raw, with_changes=False) for raw in document.get("base", []))
    ids = [item.id for item in items]
    replacements = [item.replacement for item in items if item.replacement is not None]
    if len(set(ids)) != len(ids) or len(set(replacements)) != len(replacements):
        raise ValueError(_("A media appears twice in the changes: reload the page."))
    if deleted & set(ids) or set(replacements) & (set(ids) | deleted):
        raise ValueError(_("A media is both kept and deleted in the changes: reload the page."))
    return PendingChanges(items=items, deleted=deleted, base=base, drafts=drafts)


def dump_edit(edit: MediaEdit) -> dict[str, object]:
    """Return `edit` as the page's JSON object."""
    return {
        "id": edit.id,
        "kind": edit.kind,
        "title": edit.title,
        "category": edit.category,
        "tags": list(edit.tags),
        "turns": edit.turns,
        "replacement": edit.replacement,
        "content": edit.content,
    }


def dump_changes(changes: PendingChanges) -> str:
    """Return `changes` as the page's JSON document."""
    return json.dumps(
        {
            "items": [dump_edit(item) for item in changes.items],
            "deleted": sorted(changes.deleted),
            "drafts": sorted(changes.drafts),
            "base": [dump_edit(item) for item in changes.base],
        }
    )


# --- When another save won the race ---------------------------------------------------------


@dataclass(frozen=True)
class Rebase:
    """The agent's changes carried over onto the state another save left, and what that save did."""

    changes: PendingChanges
    added: int
    removed: int
    reordered: bool
    edited: int
    new_content: int
    lost_edits: int

    def notices(self) -> list[str]:
        """Return what the agent is told when their save lost the race, in plain words."""
        notices = [
            _("Someone else saved this listing while you were editing it, so nothing was saved yet."),
            self.summary(),
            _("Their changes are shown below with yours on top. Check them, then press Save again."),
        ]
        if self.lost_edits:
            notices.append(
                ngettext(
                    "%(count)d media you changed was deleted by the other save.",
                    "%(count)d media you changed were deleted by the other save.",
                    self.lost_edits,
                )
                % {"count": self.lost_edits}
            )
        return notices

    def summary(self) -> str:
        """Return, in plain words, what the other save changed."""
        parts = []
        if self.added:
            parts.append(ngettext("added %(count)d media", "added %(count)d media", self.added) % {"count": self.added})
        if self.removed:
            parts.append(
                ngettext("removed %(count)d media", "removed %(count)d media", self.removed) % {"count": self.removed}
            )
        if self.reordered:
            parts.append(_("changed the order"))
        if self.edited:
            parts.append(
                ngettext(
                    "changed the caption, category or tags of %(count)d media",
                    "changed the caption, category or tags of %(count)d media",
                    self.edited,
                )
                % {"count": self.edited}
            )
        if self.new_content:
            parts.append(
                ngettext(
                    "rotated or replaced %(count)d picture", "rotated or replaced %(count)d pictures", self.new_content
                )
                % {"count": self.new_content}
            )
        if not parts:
            return _("The other save did not change the media (it changed the listing's details).")
        return _("The other save %(changes)s.") % {"changes": ", ".join(parts)}


def _relative_order(ids: Sequence[int], among: set[int]) -> list[int]:
    return [pk for pk in ids if pk in among]


def rebase_changes(changes: PendingChanges, *, current: Sequence[Media]) -> Rebase:
    """Return the agent's `changes` carried over onto `current`, the media another save left.

    A field the agent changed keeps the agent's value; a field only the other save changed
    keeps theirs. Media the other save added are kept, after the agent's order; media it
    deleted are gone, and any edit the agent made on them is counted as lost.
    """
    base = {edit.id: edit for edit in changes.base}
    saved = {media.pk: edit_of(media) for media in current if not media.is_draft}
    drafts = {media.pk for media in current if media.is_draft}
    wanted = {item.id: item for item in changes.items}

    merged: list[MediaEdit] = []
    lost = 0
    for item in changes.items:
        if item.id in drafts:
            merged.append(item)
            continue
        theirs = saved.get(item.id)
        if theirs is None:
            lost += item.differs_from(base.get(item.id))
            continue
        mine = base.get(item.id, theirs)
        values = {
            name: getattr(item, name) if getattr(item, name) != getattr(mine, name) else getattr(theirs, name)
            for name in DETAIL_FIELDS
        }
        replacement = item.replacement if item.replacement in drafts else None
        merged.append(replace(item, **values, replacement=replacement, content=""))
    added = [edit for pk, edit in saved.items() if pk not in base and pk not in wanted]
    merged = display_order(merged + added)

    common = set(base) & set(saved)
    base_order = _relative_order([edit.id for edit in display_order(changes.base)], common)
    saved_order = _relative_order([edit.id for edit in display_order(saved.values())], common)
    return Rebase(
        changes=PendingChanges(
            items=tuple(merged),
            deleted=frozenset(changes.deleted & set(saved)),
            base=tuple(display_order(saved.values())),
            drafts=frozenset(changes.drafts & drafts),
        ),
        added=len([pk for pk in saved if pk not in base]),
        removed=len([pk for pk in base if pk not in saved]),
        reordered=base_order != saved_order,
        edited=sum(
            1 for pk in common if any(getattr(base[pk], name) != getattr(saved[pk], name) for name in DETAIL_FIELDS)
        ),
        new_content=sum(1 for pk in common if base[pk].content != saved[pk].content),
        lost_edits=lost,
    )
