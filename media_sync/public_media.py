"""The public URLs the portal downloads media from.

A media's URL is ``{PUBLIC_MEDIA_BASE_URL}/m/{public_key}.{ext}?timestamp={content_version}``:

- ``public_key`` is random (``Media.public_key``, 144 bits), unique per media and so per
  listing: the same photo in two listings is two media, two URLs (no "Duplicated media");
- ``timestamp`` is the media's ``content_version`` in UTC to the second. It changes only
  when the content changes (``listings.pictures.process_media``), strictly increasing, so a
  new title, category, tag or position leaves the URL byte-for-byte identical;
- the URL names one ``MediaVersion``: the bytes of that content, kept until the portal no
  longer references it (see ``media_sync.versions``).

External video and tour links are sent as the agent gave them.
"""

from __future__ import annotations

import datetime as dt

PUBLIC_PATH_PREFIX = "m/"
TIMESTAMP_PARAM = "timestamp"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
DEFAULT_EXTENSION = "jpg"
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
}


def version_stamp(content_version: dt.datetime) -> str:
    """Return the ``timestamp`` value naming `content_version` (UTC, to the second)."""
    if content_version.tzinfo is None:
        raise ValueError("content_version must be an aware datetime")
    return content_version.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)


def parse_version_stamp(stamp: str) -> dt.datetime | None:
    """Return the UTC second a ``timestamp`` value names, or None when it is malformed."""
    try:
        return dt.datetime.strptime(stamp, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)
    except (TypeError, ValueError):
        return None


def extension_for(content_type: str) -> str:
    """Return the file extension the URL shows for `content_type`."""
    return EXTENSIONS.get((content_type or "").split(";")[0].strip().lower(), DEFAULT_EXTENSION)


def public_media_url(*, base_url: str, public_key: str, content_version: dt.datetime, content_type: str = "") -> str:
    """Return the public URL of one content version of a media."""
    return (
        f"{base_url.rstrip('/')}/{PUBLIC_PATH_PREFIX}{public_key}.{extension_for(content_type)}"
        f"?{TIMESTAMP_PARAM}={version_stamp(content_version)}"
    )


def url_identity(url: str) -> str:
    """Return what stays the same across content versions of one media: the URL without its query.

    External links have no version: their whole URL is their identity.
    """
    base, _, query = url.partition("?")
    if f"/{PUBLIC_PATH_PREFIX}" in base and query.startswith(f"{TIMESTAMP_PARAM}="):
        return base
    return url
