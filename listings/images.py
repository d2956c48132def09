"""Turn an uploaded photo into what the portal downloads: upright, sRGB, stripped of metadata, light.

Pure functions over bytes: no models, storage, settings or Celery. Callers pass the limits
they read from settings, keep the original privately and store what `process_picture`
returns. A rotation or a new derivative starts again from the original bytes.

Speed (measured by `bench/images.py`, explained in `docs/performance.md`): only headers
are read before the checks; JPEGs are decoded at 1/2, 1/4 or 1/8 scale when the target
allows; everything after decoding runs on the reduced picture (`listings.image_pixels`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import pillow_heif
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image

from listings import image_pixels, image_quality

# HEIC/HEIF through libheif. The thumbnails, depth maps and auxiliary images inside iPhone
# files are never used here, so pillow-heif need not read them.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Pillow's names of the formats we decode; anything else is refused whatever its name.
# (A JPEG carrying extra frames, as many phones write, opens as "MPO" through the JPEG plugin.)
DECODED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "TIFF", "GIF")
ACCEPTED_FORMATS_LABEL = "JPEG, PNG, WebP, HEIC, TIFF or GIF"

DEFAULT_MAX_BYTES = 30 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_PORTAL_LONG_SIDE = 1920
DEFAULT_THUMB_WIDTHS = (320, 640)
DEFAULT_JPEG_QUALITY = 85
READ_CHUNK = 256 * 1024

# The listing-level check lives with the other quality signals; callers find it here too.
near_duplicate_of = image_quality.near_duplicate_of

# Every message names what is accepted, so the agent knows what to send instead.
REJECTION_MESSAGES = {
    "empty": _("This file is empty. Send a picture: JPEG, PNG, WebP, HEIC, TIFF or GIF."),
    "too_large_bytes": _(
        "This file is larger than %(max_mb)s MB. Send a smaller picture: JPEG, PNG, WebP, HEIC, TIFF or GIF."
    ),
    "too_many_pixels": _(
        "This picture has too many pixels: at most %(max_megapixels)s megapixels are accepted. "
        "Send a smaller picture: JPEG, PNG, WebP, HEIC, TIFF or GIF."
    ),
    "unsupported_format": _(
        "This file is not a picture we accept, whatever its name. Send a JPEG, PNG, WebP, HEIC, TIFF or GIF picture."
    ),
    "truncated": _(
        "This picture is incomplete: the upload was probably cut off. Send it again "
        "(JPEG, PNG, WebP, HEIC, TIFF or GIF)."
    ),
    "undecodable": _("This picture is damaged and cannot be read. Send a JPEG, PNG, WebP, HEIC, TIFF or GIF picture."),
}


class PictureRejected(ValueError):
    """The upload cannot become a portal picture; `code` says why, `message` tells the agent.

    `message` and `params` follow `ValidationError`, so a form can re-raise it as one:
    `ValidationError(error.message, code=error.code, params=error.params)`.
    """

    def __init__(self, code: str, **params: object) -> None:
        if code not in REJECTION_MESSAGES:
            raise ValueError(f"Unknown rejection code {code!r}; expected one of {sorted(REJECTION_MESSAGES)}.")
        self.code = code
        self.params = params
        self.message = REJECTION_MESSAGES[code]
        super().__init__(code)

    def __str__(self) -> str:
        return rejection_message(self.code, **self.params)


def rejection_message(code: str, **params: object) -> str:
    """Return the agent-facing text of a rejection `code`, in the active language."""
    return image_quality.coded_message(REJECTION_MESSAGES, code, kind="rejection code", **params)


@dataclass(frozen=True)
class Rendition:
    """A JPEG derivative: its bytes and pixel size."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class PictureHeader:
    """What the file's header says, read without decoding the pixels."""

    format: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedPicture:
    """Everything made from one original: the portal copy, thumbnails and what was measured."""

    portal: Rendition
    thumbnails: Mapping[int, Rendition]
    sha256: str
    byte_size: int
    source_format: str
    source_width: int
    source_height: int
    warnings: tuple[str, ...]
    phash: str


class _Chunked(Protocol):
    def chunks(self, chunk_size: int | None = ...) -> Iterable[bytes]: ...


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _megabytes(byte_count: int) -> str:
    return f"{byte_count / 1_048_576:.1f}".removesuffix(".0")


def _megapixels(pixel_count: int) -> str:
    return f"{pixel_count / 1_000_000:.1f}".removesuffix(".0")


def read_capped(fileobj: _Chunked | _Readable, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the content of an upload, refusing it as soon as it passes `max_bytes`.

    Takes a Django `UploadedFile` (read through `chunks()`) or any binary file object.
    """
    size = getattr(fileobj, "size", None)
    if isinstance(size, int) and size > max_bytes:
        raise PictureRejected("too_large_bytes", max_mb=_megabytes(max_bytes))
    if hasattr(fileobj, "chunks"):
        chunks: Iterable[bytes] = fileobj.chunks(READ_CHUNK)
    else:
        chunks = iter(partial(fileobj.read, READ_CHUNK), b"")
    parts: list[bytes] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise PictureRejected("too_large_bytes", max_mb=_megabytes(max_bytes))
        parts.append(chunk)
    return b"".join(parts)


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    """Return the picture opened from its header only, after the content and pixel checks."""
    if not data:
        raise PictureRejected("empty")
    try:
        image = Image.open(io.BytesIO(data), formats=DECODED_FORMATS)
    except Image.DecompressionBombError:
        # Pillow's own guard, at twice Image.MAX_IMAGE_PIXELS: a header declaring a giant picture.
        raise PictureRejected("too_many_pixels", max_megapixels=_megapixels(max_pixels)) from None
    except Exception:
        # Not one of the accepted formats, or a header that only starts like one (a PNG
        # signature followed by HTML fails as "Truncated File Read"): header parsers meet
        # hostile input here and fail in many ways, all meaning the same thing to the agent.
        raise PictureRejected("unsupported_format") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise PictureRejected("undecodable")
    if width * height > max_pixels:
        raise PictureRejected("too_many_pixels", max_megapixels=_megapixels(max_pixels))
    return image


def _exif_orientation(image: Image.Image) -> int:
    """Return the EXIF orientation (1 to 8), 1 when absent, unreadable or meaningless."""
    if image.format == "HEIF":
        # libheif has already applied the file's own rotation and mirror (irot, imir), which
        # the HEIF specification puts before any EXIF orientation.
        return 1
    if image.format == "PNG" and "exif" not in image.info:
        # Pillow would decode the whole PNG to look for EXIF after the pixels; once decoded,
        # what it found is in `info`.
        return 1
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:
        # Malformed EXIF blocks are common and must never stop an upload.
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# The transposition that makes the picture upright, for each EXIF orientation.
_ORIENTATION_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Clockwise quarter turns asked for by the agent (Pillow's ROTATE_* turn anticlockwise).
_TURN_TRANSPOSES = {1: Image.Transpose.ROTATE_270, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_90}
_AXIS_SWAPPING = {
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_270,
}


def _transposes(orientation: int, quarter_turns: int) -> list[Image.Transpose]:
    steps = []
    if orientation in _ORIENTATION_TRANSPOSES:
        steps.append(_ORIENTATION_TRANSPOSES[orientation])
    if quarter_turns % 4:
        steps.append(_TURN_TRANSPOSES[quarter_turns % 4])
    return steps


def _displayed_size(size: tuple[int, int], steps: Iterable[Image.Transpose]) -> tuple[int, int]:
    swaps = sum(step in _AXIS_SWAPPING for step in steps)
    return (size[1], size[0]) if swaps % 2 else size


def _fit_long_side(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """Return `size` scaled down so its long side is at most `long_side`; never scaled up."""
    width, height = size
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit_width(size: tuple[int, int], width: int) -> tuple[int, int]:
    scale = min(1.0, width / size[0])
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def inspect_picture(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> PictureHeader:
    """Return the format and upright size of a picture from its header, refusing what we cannot take.

    Costs a millisecond or so: a view can refuse an SVG, a PDF or a decompression bomb
    at once, then leave the decoding to `process_picture`.
    """
    image = _open(data, max_pixels=max_pixels)
    width, height = _displayed_size(image.size, _transposes(_exif_orientation(image), 0))
    return PictureHeader(format=_source_format(image), width=width, height=height)


def _source_format(image: Image.Image) -> str:
    return "JPEG" if image.format == "MPO" else str(image.format)


def _decode(image: Image.Image, target: tuple[int, int], *, max_pixels: int) -> Image.Image:
    """Decode the pixels (JPEG at the smallest DCT scale still at least `target`)."""
    try:
        # libjpeg scales by 1/2, 1/4 or 1/8 while decoding, if that stays at least `target`:
        # the exact target size is needed, a square box on a 4:3 picture would not do it.
        image.draft("RGB", target)
        image.load()
    except Image.DecompressionBombError:
        raise PictureRejected("too_many_pixels", max_megapixels=_megapixels(max_pixels)) from None
    except (OSError, EOFError) as error:
        code = "truncated" if isinstance(error, EOFError) or "truncated" in str(error) else "undecodable"
        raise PictureRejected(code) from None
    except Exception:
        # Decoders of hostile input fail in many ways; see _open.
        raise PictureRejected("undecodable") from None
    return image


def _encode(image: Image.Image, *, quality: int) -> Rendition:
    return Rendition(data=image_pixels.encode_jpeg(image, quality=quality), width=image.width, height=image.height)


def _thumbnails(
    upright: Image.Image, portal: Rendition, widths: Iterable[int], quality: int
) -> Iterator[tuple[int, Rendition]]:
    """Yield each thumbnail by width, never enlarged, each made from the next larger one."""
    source = upright
    for width in sorted(set(widths), reverse=True):
        size = _fit_width(upright.size, width)
        if size == upright.size:
            yield width, portal
        else:
            source = image_pixels.resize(source, size)
            yield width, _encode(source, quality=quality)


@dataclass(frozen=True)
class _Upright:
    image: Image.Image
    source_format: str
    source_size: tuple[int, int]


def _upright(data: bytes, *, quarter_turns: int, long_side: int, max_pixels: int) -> _Upright:
    """Return the picture decoded, upright, sRGB and at most `long_side` pixels long."""
    image = _open(data, max_pixels=max_pixels)
    stored_size, source_format = image.size, _source_format(image)
    # The long side is the same before and after orientation, so the stored size works here.
    target = _fit_long_side(stored_size, long_side)
    decoded = _decode(image, target, max_pixels=max_pixels)
    steps = _transposes(_exif_orientation(image), quarter_turns)
    try:
        pixels = image_pixels.workable(decoded)
    except (ValueError, OSError):
        # A colour mode Pillow reads but cannot convert (LAB, odd TIFF layouts...).
        raise PictureRejected("unsupported_format") from None
    # Everything after decoding runs on the small picture: resizing and turning in the same
    # strips, then colour.
    first, *others = steps or [None]
    upright = image_pixels.to_srgb(image_pixels.resize(pixels, target, then=first), image.info.get("icc_profile"))
    for step in others:
        upright = upright.transpose(step)
    return _Upright(image=upright, source_format=source_format, source_size=_displayed_size(stored_size, steps))


def render_portal_copy(
    data: bytes,
    *,
    quarter_turns: int = 0,
    portal_long_side: int = DEFAULT_PORTAL_LONG_SIDE,
    jpeg_quality: int = DEFAULT_JPEG_QUALITY,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Rendition:
    """Return only the portal copy of an original picture (what `process_picture` makes first)."""
    upright = _upright(data, quarter_turns=quarter_turns, long_side=portal_long_side, max_pixels=max_pixels)
    return _encode(upright.image, quality=jpeg_quality)


def process_picture(
    data: bytes,
    *,
    quarter_turns: int = 0,
    portal_long_side: int = DEFAULT_PORTAL_LONG_SIDE,
    thumb_widths: tuple[int, ...] = DEFAULT_THUMB_WIDTHS,
    jpeg_quality: int = DEFAULT_JPEG_QUALITY,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ProcessedPicture:
    """Return the portal copy, thumbnails and measurements made from an original picture.

    `quarter_turns` turns the upright picture clockwise. Bad input raises `PictureRejected`
    and nothing else.
    """
    upright = _upright(data, quarter_turns=quarter_turns, long_side=portal_long_side, max_pixels=max_pixels)
    portal = _encode(upright.image, quality=jpeg_quality)
    thumbnails = dict(_thumbnails(upright.image, portal, thumb_widths, jpeg_quality))
    signals = image_quality.measure(upright.image)
    return ProcessedPicture(
        portal=portal,
        thumbnails=thumbnails,
        sha256=hashlib.sha256(portal.data).hexdigest(),
        byte_size=len(portal.data),
        source_format=upright.source_format,
        source_width=upright.source_size[0],
        source_height=upright.source_size[1],
        warnings=signals.warnings,
        phash=signals.phash,
    )
