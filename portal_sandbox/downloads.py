"""How the portal fetches and checks a media file.

A media URL is downloaded for real over HTTP, streamed, with a timeout and a size cap.
What the file is comes from its content (magic bytes), then from its Content-Type:
anything neither a picture nor a video fails the download; a file that claims to be a
picture but does not decode fails the creation. Pictures are decoded with Pillow (HEIC
through pillow-heif) and kept as a downscaled JPEG rendition for the preview.

Links to video and virtual-tour platforms (YouTube, Vimeo, Dailymotion, Matterport...)
are embedded by portals rather than downloaded, and this machine may have no internet:
such VIDEO and VIRTUAL_TOUR links are accepted without any download. Every other URL,
of any media type, is downloaded.
"""

import io
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

EMBED_HOSTS = (
    "youtube.com", "youtu.be", "youtube-nocookie.com", "vimeo.com", "dailymotion.com", "dai.ly",
    "matterport.com", "nodalview.com", "kuula.co", "cloudpano.com", "360.immo",
)  # fmt: skip
RENDITION_LONG_SIDE = 1024
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_USER_AGENT = "PortalSandboxMediaFetcher/1.0"


class DownloadFailed(Exception):
    """The file could not be fetched, or is neither a picture nor a video."""


class PictureInvalid(Exception):
    """The file claims to be a picture but does not decode."""


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    kind: str  # "picture", "video" or "other"


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    jpeg: bytes


def is_embed_link(url: str) -> bool:
    """Return whether ``url`` points at a video or tour platform the portal embeds."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith("." + domain) for domain in EMBED_HOSTS)


def media_download(url: str, *, timeout: float, max_bytes: int) -> Download:
    """Return the downloaded file, or raise DownloadFailed saying why."""
    # trust_env=False: proxies from the environment must not intercept local media hosts.
    with requests.Session() as session:
        session.trust_env = False
        try:
            with session.get(url, stream=True, timeout=timeout, headers={"User-Agent": _USER_AGENT}) as response:
                if response.status_code != 200:
                    raise DownloadFailed(f"HTTP {response.status_code}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise DownloadFailed(f"too large: {declared} bytes (limit {max_bytes})")
                content = _read_capped(response, timeout=timeout, max_bytes=max_bytes)
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        except requests.Timeout:
            raise DownloadFailed(f"timeout after {timeout:g} s") from None
        except requests.RequestException as error:
            raise DownloadFailed(f"could not connect: {type(error).__name__}") from None
    kind = media_kind(content, content_type)
    if kind == "other":
        raise DownloadFailed(f"not a picture or video ({content_type or 'no Content-Type'})")
    return Download(content=content, content_type=content_type, kind=kind)


def _read_capped(response: requests.Response, *, timeout: float, max_bytes: int) -> bytes:
    """Return the body, refusing more than ``max_bytes`` or a transfer slower than allowed."""
    # The read timeout bounds each read; a server trickling bytes needs an overall bound too.
    deadline = time.monotonic() + 3 * timeout
    buffer = io.BytesIO()
    for chunk in response.iter_content(chunk_size=64 * 1024):
        buffer.write(chunk)
        if buffer.tell() > max_bytes:
            raise DownloadFailed(f"too large: more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise DownloadFailed(f"timeout: transfer longer than {3 * timeout:g} s")
    return buffer.getvalue()


def media_kind(content: bytes, content_type: str) -> str:
    """Return "picture", "video" or "other" from the file's magic bytes, then its type."""
    head = content[:16]
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")):
        return "picture"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "picture"
    if head[4:8] == b"ftyp":
        return "picture" if head[8:12] in _HEIF_BRANDS else "video"
    if head.startswith((b"\x1a\x45\xdf\xa3", b"OggS")) or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        return "video"
    if content_type.startswith("image/"):
        return "picture"
    if content_type.startswith("video/"):
        return "video"
    return "other"


def picture_rendition(content: bytes) -> Rendition:
    """Return the decoded picture's size and a JPEG rendition, or raise PictureInvalid."""
    try:
        with Image.open(io.BytesIO(content)) as probe:
            probe.verify()
        # verify() leaves the image unusable; decode a fresh copy to catch truncated data.
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            width, height = upright.size
            upright.thumbnail((RENDITION_LONG_SIDE, RENDITION_LONG_SIDE))
            output = io.BytesIO()
            upright.convert("RGB").save(output, format="JPEG", quality=82)
    except UnidentifiedImageError:
        raise PictureInvalid("the file does not decode as a picture: unknown or corrupt format") from None
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise PictureInvalid(f"the file does not decode as a picture: {error}") from None
    return Rendition(width=width, height=height, jpeg=output.getvalue())
