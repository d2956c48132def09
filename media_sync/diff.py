"""What the portal will do with a new payload, compared with the last one it accepted.

The portal identifies a media by its URL string: a new URL is downloaded, a missing one
removed, a known one only moved or relabelled. Our URLs keep their path across content
versions (only ``timestamp`` changes), so a URL whose path is known but whose timestamp
is new is reported as "downloaded again". The same code serves the preview next to Save,
the history of calls and the benchmark.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from media_sync import vocabulary as v
from media_sync.public_media import url_identity

MEDIA_ACTIONS = ("added", "removed", "moved", "downloaded_again", "metadata_changed")

# Which listing field a changed part of ``data`` belongs to, most specific first.
_FIELD_OF_PATH = (
    ("/structure/rooms/numberOfBedRooms", "bedrooms"),
    ("/structure/rooms/numberOfRooms", "rooms"),
    ("/texts/headline", "title"),
    ("/texts/description", "description"),
    ("/estateType", "property_type"),
    ("/estateSubType", "property_type"),
    ("/distributionType", "transaction_type"),
    ("/location", "address"),
    ("/prices", "price"),
    ("/spaces", "living_area"),
    ("/energy", "energy_classes"),
    ("/metaData", "reference"),
)


def _field_labels() -> dict[str, str]:
    return {
        "bedrooms": _("bedrooms"),
        "rooms": _("rooms"),
        "title": _("title"),
        "description": _("description"),
        "property_type": _("property type"),
        "transaction_type": _("transaction"),
        "address": _("address"),
        "price": _("price"),
        "living_area": _("living area"),
        "energy_classes": _("energy classes"),
        "reference": _("reference"),
        "portals": _("portals"),
        "other": _("other details"),
    }


def _count_phrase(media_type: str, count: int) -> str:
    phrases = {
        v.MEDIA_TYPE_PICTURE: ngettext("%(count)d picture", "%(count)d pictures", count),
        v.MEDIA_TYPE_VIDEO: ngettext("%(count)d video", "%(count)d videos", count),
        v.MEDIA_TYPE_VIRTUAL_TOUR: ngettext("%(count)d virtual tour", "%(count)d virtual tours", count),
        v.MEDIA_TYPE_PANORAMA: ngettext("%(count)d panorama", "%(count)d panoramas", count),
    }
    return phrases.get(media_type, ngettext("%(count)d media", "%(count)d media", count)) % {"count": count}


def _unchanged_phrase(media_type: str) -> str:
    phrases = {
        v.MEDIA_TYPE_PICTURE: _("pictures unchanged"),
        v.MEDIA_TYPE_VIDEO: _("video unchanged"),
        v.MEDIA_TYPE_VIRTUAL_TOUR: _("virtual tour unchanged"),
        v.MEDIA_TYPE_PANORAMA: _("panorama unchanged"),
    }
    return phrases.get(media_type, _("media unchanged"))


@dataclass
class ChangeSummary:
    """What a payload changes on the portal, counted per media type (``mediaType`` values).

    ``text()`` says it in plain words ("adds 3 pictures, removes 1 picture, moves 2
    pictures, downloads 1 picture again; video unchanged" or "nothing to send");
    ``as_dict()`` is the JSON kept in the history.
    """

    first_publication: bool = False
    added: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    moved: Counter = field(default_factory=Counter)
    downloaded_again: Counter = field(default_factory=Counter)
    metadata_changed: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    listing_fields: list[str] = field(default_factory=list)
    pending_media: int = 0

    @property
    def nothing_to_send(self) -> bool:
        """Return whether the portal already has exactly this payload."""
        return (
            not self.first_publication
            and not self.listing_fields
            and not any(getattr(self, action) for action in MEDIA_ACTIONS)
        )

    @property
    def downloads(self) -> int:
        """Return how many files the portal will download."""
        return sum(self.added.values()) + sum(self.downloaded_again.values())

    def as_dict(self) -> dict:
        """Return the summary as JSON-ready data."""
        return {
            "first_publication": self.first_publication,
            **{name: dict(getattr(self, name)) for name in (*MEDIA_ACTIONS, "unchanged")},
            "listing_fields": list(self.listing_fields),
            "pending_media": self.pending_media,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ChangeSummary:
        """Return the summary `as_dict()` produced."""
        counters = {name: Counter(data.get(name) or {}) for name in (*MEDIA_ACTIONS, "unchanged")}
        return cls(
            first_publication=bool(data.get("first_publication")),
            listing_fields=list(data.get("listing_fields") or []),
            pending_media=int(data.get("pending_media") or 0),
            **counters,
        )

    def text(self) -> str:
        """Return the summary in plain, translated words."""
        pending = ""
        if self.pending_media:
            pending = " " + ngettext(
                "(%(count)d media still being processed will be sent when ready)",
                "(%(count)d media still being processed will be sent when ready)",
                self.pending_media,
            ) % {"count": self.pending_media}
        if self.nothing_to_send:
            return _("nothing to send") + pending
        if self.first_publication:
            sent = self.added + self.unchanged
            items = _join(_count_phrase(kind, n) for kind, n in _by_type(sent))
            text = _("first publication: sends %(items)s") % {"items": items} if items else _("first publication")
            return text + pending
        verbs = {
            "added": _("adds %(items)s"),
            "removed": _("removes %(items)s"),
            "moved": _("moves %(items)s"),
            "downloaded_again": _("downloads %(items)s again"),
            "metadata_changed": _("updates the details of %(items)s"),
        }
        parts = [
            verbs[action] % {"items": _join(_count_phrase(kind, n) for kind, n in _by_type(getattr(self, action)))}
            for action in MEDIA_ACTIONS
            if getattr(self, action)
        ]
        if self.listing_fields:
            labels = _field_labels()
            parts.append(_("changes %(fields)s") % {"fields": _join(labels.get(f, f) for f in self.listing_fields)})
        touched = {kind for action in MEDIA_ACTIONS for kind in getattr(self, action)}
        quiet = [_unchanged_phrase(kind) for kind, _n in _by_type(self.unchanged) if kind not in touched]
        text = ", ".join(parts)
        if quiet:
            text += "; " + ", ".join(quiet)
        return text + pending

    def __str__(self) -> str:
        return self.text()


def _by_type(counter: Counter) -> list[tuple[str, int]]:
    order = {media_type: index for index, media_type in enumerate(v.MEDIA_TYPE_ORDER)}
    return sorted(((kind, n) for kind, n in counter.items() if n), key=lambda pair: order.get(pair[0], 99))


def _join(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def summarize_changes(previous: dict | None, current: dict) -> ChangeSummary:
    """Return what sending `current` does on a portal that holds `previous` (None: nothing yet)."""
    new_media = current.get(v.MEDIA) or []
    if previous is None:
        return ChangeSummary(first_publication=True, added=Counter(item[v.MEDIA_TYPE] for item in new_media))
    summary = ChangeSummary()
    old_media = previous.get(v.MEDIA) or []
    old_by_identity = {url_identity(item[v.MEDIA_URL]): (index, item) for index, item in enumerate(old_media)}
    new_identities = {url_identity(item[v.MEDIA_URL]) for item in new_media}
    kept_old_positions = []
    kept_items = []
    for item in new_media:
        identity = url_identity(item[v.MEDIA_URL])
        if identity not in old_by_identity:
            summary.added[item[v.MEDIA_TYPE]] += 1
            continue
        old_index, old_item = old_by_identity[identity]
        kept_old_positions.append(old_index)
        kept_items.append(item)
        if old_item[v.MEDIA_URL] != item[v.MEDIA_URL]:
            summary.downloaded_again[item[v.MEDIA_TYPE]] += 1
        elif _details(old_item) != _details(item):
            summary.metadata_changed[item[v.MEDIA_TYPE]] += 1
    for identity, (_index, item) in old_by_identity.items():
        if identity not in new_identities:
            summary.removed[item[v.MEDIA_TYPE]] += 1
    in_place = _longest_increasing(kept_old_positions)
    for position, item in enumerate(kept_items):
        if position not in in_place:
            summary.moved[item[v.MEDIA_TYPE]] += 1
        elif old_by_identity[url_identity(item[v.MEDIA_URL])][1] == item:
            summary.unchanged[item[v.MEDIA_TYPE]] += 1
    summary.listing_fields = changed_listing_fields(previous, current)
    return summary


def _details(item: dict) -> tuple:
    return (
        item.get(v.MEDIA_TYPE),
        item.get(v.MEDIA_CATEGORY),
        tuple(item.get(v.MEDIA_TAGS) or ()),
        item.get(v.MEDIA_TITLE),
    )


def _longest_increasing(values: list[int]) -> set[int]:
    """Return the indexes of one longest strictly increasing subsequence of `values`.

    The media outside it are the fewest the agent had to move to get the new order.
    """
    tails: list[int] = []
    tail_index: list[int] = []
    parent = [-1] * len(values)
    for index, value in enumerate(values):
        slot = bisect.bisect_left(tails, value)
        if slot == len(tails):
            tails.append(value)
            tail_index.append(index)
        else:
            tails[slot] = value
            tail_index[slot] = index
        parent[index] = tail_index[slot - 1] if slot else -1
    kept = set()
    index = tail_index[-1] if tail_index else -1
    while index != -1:
        kept.add(index)
        index = parent[index]
    return kept


def changed_listing_fields(previous: dict, current: dict) -> list[str]:
    """Return the listing fields (stable names) whose part of the payload differs."""
    fields: list[str] = []
    if previous.get(v.PORTALS) != current.get(v.PORTALS):
        fields.append("portals")
    old_leaves, new_leaves = _leaves(previous.get(v.DATA) or {}), _leaves(current.get(v.DATA) or {})
    for path in sorted(set(old_leaves) | set(new_leaves)):
        if old_leaves.get(path) == new_leaves.get(path):
            continue
        name = next((name for prefix, name in _FIELD_OF_PATH if path.startswith(prefix)), "other")
        if name not in fields:
            fields.append(name)
    return fields


def _leaves(value: object, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        leaves: dict[str, object] = {}
        for key, item in value.items():
            leaves.update(_leaves(item, f"{prefix}/{key}"))
        return leaves
    return {prefix: value}
