"""Old content versions of media: kept while the portal may fetch them, removed after.

A public URL names one ``MediaVersion``. A version stays while it is the media's current
content or a URL of the last payload the portal accepted; once the portal has finished
processing that payload (final status), any other version is no longer referenced and
is deleted, its file removed after commit.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.core.files.storage import default_storage
from django.db import transaction

from listings.models import MediaVersion
from media_sync import vocabulary as v
from media_sync.public_media import PUBLIC_PATH_PREFIX, TIMESTAMP_PARAM, parse_version_stamp


def referenced_versions(payload: dict | None) -> set[tuple[str, object]]:
    """Return the (public key, content version) pairs the media URLs of `payload` name."""
    found = set()
    for item in (payload or {}).get(v.MEDIA) or []:
        parts = urlsplit(item.get(v.MEDIA_URL, ""))
        marker = f"/{PUBLIC_PATH_PREFIX}"
        if marker not in parts.path:
            continue
        key = parts.path.rsplit(marker, 1)[1].split(".", 1)[0]
        stamp = parse_version_stamp((parse_qs(parts.query).get(TIMESTAMP_PARAM) or [""])[0])
        if key and stamp is not None:
            found.add((key, stamp))
    return found


def collect_unreferenced_versions(listing_id: int, *, accepted_payload: dict | None) -> int:
    """Delete the versions of `listing_id`'s media neither current nor in `accepted_payload`; return how many."""
    keep = referenced_versions(accepted_payload)
    rows = MediaVersion.objects.filter(media__listing_id=listing_id).values_list(
        "pk", "media__public_key", "content_version", "media__content_version", "file"
    )
    doomed = {}
    for pk, key, version, current, name in rows:
        stamp = version.replace(microsecond=0)
        if version == current or (key, stamp) in keep:
            continue
        doomed[pk] = name
    if not doomed:
        return 0
    with transaction.atomic():
        MediaVersion.objects.filter(pk__in=list(doomed)).delete()
        names = [name for name in doomed.values() if name]
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return len(doomed)
