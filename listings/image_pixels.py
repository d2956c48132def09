"""Pixel work of the picture pipeline: modes, resizing, colour to sRGB, JPEG encoding.

The expensive steps (the last resampling with the turn upright, and the colour conversion)
run in bands on all cores: Pillow releases the GIL inside them, and the bands give exactly
the one-thread result.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from PIL import Image, ImageCms

# Pillow gives every image's memory back to the system when it is freed, so each photo had
# the kernel map and zero 30 to 50 MB anew: a fifth of the time of an 8-megapixel JPEG.
# Keeping up to 64 freed blocks of 1 MB for the next pictures avoids it; with blocks that
# small, the peak memory of a JPEG even drops (less fragmentation), while a worker that has
# decoded a HEIC keeps up to 64 MB more (docs/performance.md). Pillow's own environment
# variables still decide when set.
BLOCK_SIZE, BLOCKS_KEPT = 1 << 20, 64
if "PILLOW_BLOCK_SIZE" not in os.environ:
    Image.core.set_block_size(BLOCK_SIZE)
if "PILLOW_BLOCKS_MAX" not in os.environ:
    Image.core.set_blocks_max(BLOCKS_KEPT)

# The last resampling step always shrinks by less than 2 (JPEG draft or reduce() did the
# rest). There BICUBIC stays 53-55 dB from LANCZOS, visually equal, for 15-25 % less time;
# BILINEAR and HAMMING lose a fifth to a third of the fine detail (docs/performance.md).
RESAMPLING = Image.Resampling.BICUBIC
# Below this many output pixels, threads cost more than they save.
PARALLEL_MIN_PIXELS = 400_000
MAX_THREADS = 4


def workable(image: Image.Image) -> Image.Image:
    """Return the picture in a mode that resizing and colour conversion take: RGB, RGBA, L, LA or CMYK."""
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        # 16-bit greys: keep the 8 most significant bits rather than clipping at 255.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if mode == "F":
        return image.convert("L")
    if "transparency" in image.info and mode in ("1", "L", "P", "RGB"):
        return image.convert("RGBA")
    if mode == "P":
        return image.convert("RGB")
    if mode == "PA":
        return image.convert("RGBA")
    if mode == "1":
        return image.convert("L")
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    if mode in ("RGBa", "La"):
        return image.convert(mode.upper())
    return image.convert("RGB")


def _thread_count() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_THREADS))


Piece = tuple[Image.Image, tuple[int, int]]  # a part of a picture, and where it goes


def assemble(size: tuple[int, int], mode: str, length: int, make_piece: Callable[[int, int], Piece]) -> Image.Image:
    """Return a picture of `size` made of the pieces `make_piece(start, end)` places.

    `length` is split into one span per core, and the pieces are made in parallel.
    """
    count = min(_thread_count(), length) if size[0] * size[1] >= PARALLEL_MIN_PIXELS else 1
    if count == 1:
        return make_piece(0, length)[0]
    bounds = [round(length * index / count) for index in range(count + 1)]
    # A pool per call: nothing survives a fork (Celery's prefork workers) half-initialised.
    with ThreadPoolExecutor(max_workers=count) as pool:
        pieces = list(pool.map(lambda span: make_piece(*span), itertools.pairwise(bounds)))
    result = Image.new(mode, size)
    for piece, place in pieces:
        result.paste(piece, place)
    return result


_AXIS_SWAPPING = {
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
}


def _band_place(step: Image.Transpose | None, left: int, right: int, width: int) -> tuple[int, int]:
    """Return where the columns `left` to `right` of a picture `width` wide land once transposed by `step`."""
    if step in (Image.Transpose.ROTATE_270, Image.Transpose.TRANSPOSE):
        return 0, left  # column x becomes row x
    if step in (Image.Transpose.ROTATE_90, Image.Transpose.TRANSVERSE):
        return 0, width - right  # column x becomes row width - 1 - x
    if step in (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_180):
        return width - right, 0
    return left, 0


def resize(image: Image.Image, size: tuple[int, int], *, then: Image.Transpose | None = None) -> Image.Image:
    """Return `image` resized to `size`, then transposed by `then`, in strips on all cores.

    Whole factors are box-reduced first. The result is that of one `Image.resize` in one
    thread (horizontal pass, then vertical), then `transpose`.
    """
    factor = min(image.width // size[0], image.height // size[1])
    if factor >= 2:
        # Averaging whole blocks is exact and cheap; it leaves the kernel a factor below 2.
        image = image.reduce(factor)
    if image.size == size:
        return image if then is None else image.transpose(then)
    alpha = image.mode in ("RGBA", "LA")
    if alpha:
        # Weigh colours by their opacity while resampling; converting here spares each strip doing it.
        image = image.convert("RGBa" if image.mode == "RGBA" else "La")
    source, (width, height), scale = image, size, image.width / size[0]

    def band(left: int, right: int) -> Piece:
        # Bands of columns: the kernel reads source columns beyond the box, and Pillow resamples
        # each band horizontally first, as the whole. (Bands of rows are resampled vertically
        # first, cheaper for them, and would differ from the whole by up to 8 levels.)
        piece = source.resize((right - left, height), RESAMPLING, box=(left * scale, 0, right * scale, source.height))
        return (piece, (left, 0)) if then is None else (piece.transpose(then), _band_place(then, left, right, width))

    result = assemble((height, width) if then in _AXIS_SWAPPING else size, source.mode, width, band)
    return result.convert("RGBA" if result.mode == "RGBa" else "LA") if alpha else result


@lru_cache(maxsize=16)
def _srgb_transform(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Return the transform from an embedded profile to sRGB, or None when none is needed or possible."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if profile.profile.xcolor_space.strip() != mode:
            return None
        if mode == "RGB" and "srgb" in ImageCms.getProfileDescription(profile).lower():
            return None
        # NOCACHE: strips share the transform across threads, and lcms's one-pixel cache is
        # the only part of a transform that is not thread-safe (measured no slower here).
        return ImageCms.buildTransform(
            profile,
            ImageCms.createProfile("sRGB"),
            mode,
            "RGB",
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            flags=ImageCms.Flags.NOCACHE,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError, AttributeError):
        # A damaged or exotic profile: showing the pixels as if sRGB beats refusing the photo.
        return None


def flatten(image: Image.Image) -> Image.Image:
    """Return `image` laid on a white background, without transparency."""
    if image.mode == "LA":
        image = image.convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert("RGB")


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return `image` as opaque sRGB pixels, converted from its ICC profile when it has another."""
    if image.mode in ("RGBA", "LA"):
        image = flatten(image)
    transform = _srgb_transform(icc_profile, image.mode) if icc_profile else None
    if transform is None:
        return image if image.mode == "RGB" else image.convert("RGB")
    source = image

    def strip(top: int, bottom: int) -> Piece:
        return ImageCms.applyTransform(source.crop((0, top, source.width, bottom)), transform), (0, top)

    try:
        return assemble(source.size, "RGB", source.height, strip)
    except (ImageCms.PyCMSError, ValueError, OSError):
        return source.convert("RGB")  # as for a profile that cannot be used at all


def encode_jpeg(image: Image.Image, *, quality: int) -> bytes:
    """Return `image` as a baseline JPEG that carries no metadata at all."""
    # Pillow copies a JPEG comment from `info` when saving: nothing of the source may travel.
    image.info = {}
    buffer = io.BytesIO()
    # Baseline: progressive saves about 5% of the bytes for 4 to 5 times the encoding time
    # (docs/performance.md). No exif, icc_profile, xmp or comment argument, on purpose.
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
