"""Videos and virtual tours of a listing: uploaded video files and pasted links.

Video files are not transcoded: the content is checked (an MP4/MOV `ftyp` box or a WebM
EBML header), the original is kept privately like a picture's, and one `MediaVersion`
holds the copy the portal downloads, so that its public URL changes exactly when the
content does. Links (YouTube, Vimeo, Dailymotion, Matterport...) are checked against
the providers' address forms and sent to the portal as they are.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from listings.choices import MediaKind, ProcessingStatus
from listings.media import lock_listing, next_position
from listings.models import Listing, Media, MediaVersion
from listings.pictures import next_content_version

# ISO base media brands of videos; HEIC/AVIF pictures also start with `ftyp`, under other brands.
VIDEO_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VP",
    b"qt  ", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"dash", b"MSNV", b"XAVC", b"mmp4", b"f4v ",
}  # fmt: skip
PICTURE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".webm")
VIDEO_CHUNK = 1024 * 1024


class MediaRejected(ValueError):
    """The file or link cannot become a media; the message is for the agent."""


@dataclass(frozen=True)
class VideoFormat:
    content_type: str
    extension: str


def sniff_video(head: bytes) -> VideoFormat | None:
    """Return the format of a video file from its first bytes, or None when it is not one."""
    if head[:4] == EBML_MAGIC and b"webm" in head[:64]:
        return VideoFormat("video/webm", "webm")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), int.from_bytes(head[:4], "big")), 4)}
        if brands & PICTURE_BRANDS and head[8:12] not in VIDEO_BRANDS:
            return None
        if head[8:12] == b"qt  ":
            return VideoFormat("video/quicktime", "mov")
        if brands & VIDEO_BRANDS:
            return VideoFormat("video/mp4", "mp4")
    return None


def looks_like_video(upload: IO[bytes]) -> bool:
    """Return whether `upload` starts like a video file (its position is restored)."""
    position = upload.tell()
    head = upload.read(64)
    upload.seek(position)
    return sniff_video(head) is not None


def _hash_and_size(upload: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    while chunk := upload.read(VIDEO_CHUNK):
        size += len(chunk)
        if size > settings.VIDEO_MAX_BYTES:
            raise MediaRejected(too_large_message())
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


def too_large_message() -> str:
    """Return the agent-facing message for a video over the size cap."""
    return _("This video is larger than %(max)d MB: shorten it or export it at a lower quality.") % {
        "max": settings.VIDEO_MAX_BYTES // (1024 * 1024)
    }


def _checked_video(upload: IO[bytes]) -> tuple[VideoFormat, str, int]:
    """Return the format, sha256 and size of a video upload; refuse anything else."""
    upload.seek(0)
    video = sniff_video(upload.read(64))
    if video is None:
        raise MediaRejected(_("This file is not a video the portal accepts: use MP4, MOV or WebM."))
    sha256, size = _hash_and_size(upload)
    return video, sha256, size


def add_video(listing: Listing, *, upload: IO[bytes], filename: str, is_draft: bool = False) -> Media:
    """Store an uploaded video file as the last media of `listing`.

    Raises `MediaRejected` (nothing stored) when the file is not an MP4, MOV or WebM video
    or is over `settings.VIDEO_MAX_BYTES`.
    """
    video, sha256, size = _checked_video(upload)
    with transaction.atomic():
        lock_listing(listing.pk)
        media = Media(listing=listing, kind=MediaKind.VIDEO, position=next_position(listing), is_draft=is_draft)
        _store_video(media, upload=upload, filename=filename, video=video, sha256=sha256, size=size)
    return media


def _store_video(media: Media, *, upload: IO[bytes], filename: str, video: VideoFormat, sha256: str, size: int) -> None:
    media.original.save(filename or f"video.{video.extension}", File(upload), save=False)
    media.external_url = ""
    media.content_type = video.content_type
    media.source_format = video.extension.upper()
    media.sha256 = sha256
    media.byte_size = size
    media.width = media.height = None
    media.warnings = []
    media.processing_status = ProcessingStatus.READY
    media.processing_error = ""
    media.content_version = next_content_version(media.content_version)
    media.save()
    upload.seek(0)
    # The portal's copy lives in the public storage under an unguessable name, like pictures'.
    name = default_storage.save(f"portal/{media.public_key}/{secrets.token_hex(8)}.{video.extension}", File(upload))
    MediaVersion.objects.create(
        media=media,
        content_version=media.content_version,
        file=name,
        content_type=video.content_type,
        byte_size=size,
        sha256=sha256,
    )


# --- Links --------------------------------------------------------------------------------

VIDEO_LINK_PATTERNS = {
    "YouTube": re.compile(
        r"^https://(?:(?:www\.|m\.)?youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/|live/)|youtu\.be/)[\w-]{6,}"
    ),
    "Vimeo": re.compile(r"^https://(?:www\.|player\.)?vimeo\.com/(?:video/|channels/[\w-]+/)?\d+"),
    "Dailymotion": re.compile(r"^https://(?:(?:www\.)?dailymotion\.com/(?:video|embed/video)/|dai\.ly/)[a-zA-Z0-9]+"),
}
TOUR_LINK_PATTERNS = {
    "Matterport": re.compile(r"^https://(?:my\.)?matterport\.com/(?:show|discover)/"),
    "Nodalview": re.compile(r"^https://(?:[\w-]+\.)*nodalview\.com/"),
    "Kuula": re.compile(r"^https://(?:www\.)?kuula\.co/(?:share|post)/"),
}


def normalise_link(url: str) -> str:
    """Return `url` trimmed, with https:// added when the agent pasted it without a scheme."""
    url = url.strip()
    if url and "://" not in url:
        url = f"https://{url}"
    return url


def link_provider(url: str, *, kind: str) -> str | None:
    """Return the provider name of a known video or tour link, or None."""
    patterns = VIDEO_LINK_PATTERNS if kind == MediaKind.VIDEO else TOUR_LINK_PATTERNS
    return next((name for name, pattern in patterns.items() if pattern.match(url)), None)


def check_link(url: str, *, kind: str) -> str:
    """Return the normalised link, or raise `MediaRejected` saying what is wrong with it."""
    url = normalise_link(url)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise MediaRejected(_("This is not a web address. Copy the link from your browser's address bar.")) from None
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise MediaRejected(_("The portal only accepts secure links: use the address starting with https://."))
    if parts.hostname in {"localhost", None} or not re.search(r"[a-z]", parts.hostname.rsplit(".", 1)[-1]):
        raise MediaRejected(_("This address is not reachable from the portal."))
    if kind == MediaKind.VIDEO:
        if link_provider(url, kind=kind) is None and not parts.path.lower().endswith(VIDEO_EXTENSIONS):
            raise MediaRejected(
                _(
                    "This is not a video link the portal can show: paste a YouTube, Vimeo or Dailymotion video "
                    "address, or an https link to an MP4, MOV or WebM file."
                )
            )
    elif kind != MediaKind.VIRTUAL_TOUR:
        raise ValueError(f"Links are for videos and virtual tours, not {kind!r}.")
    return url


def add_link(listing: Listing, *, kind: str, url: str, is_draft: bool = False) -> Media:
    """Add the video or virtual tour link `url` as the last media of `listing`."""
    url = check_link(url, kind=kind)
    with transaction.atomic():
        lock_listing(listing.pk)
        if listing.media.filter(kind=kind, external_url=url).exists():
            raise MediaRejected(_("This link is already in the listing."))
        return Media.objects.create(
            listing=listing,
            kind=kind,
            position=next_position(listing),
            external_url=url,
            is_draft=is_draft,
            processing_status=ProcessingStatus.READY,
        )
