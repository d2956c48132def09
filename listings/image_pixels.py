"""Pixel work of the picture pipeline: modes, resizing, colour to sRGB, JPEG encoding.

The expensive steps (the last resampling and the colour conversion) run in horizontal
strips on all cores: Pillow releases the GIL inside them, and strips join without seams.
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
# the kernel map and zero some 30-50 MB anew, a third of the time of a 3-megapixel JPEG.
# Keeping up to 32 freed blocks of 1 MB for the next images avoids it and, with blocks that
# small, lowers the peak memory too (docs/performance.md). Pillow's own environment
# variables still decide when set.
BLOCK_SIZE, BLOCKS_KEPT = 1 << 20, 32
if "PILLOW_BLOCK_SIZE" not in os.environ:
    Image.core.set_block_size(BLOCK_SIZE)
if "PILLOW_BLOCKS_MAX" not in os.environ:
    Image.core.set_blocks_max(BLOCKS_KEPT)

# The last resampling step always shrinks by less than 2 (JPEG draft or reduce() did the
# rest). There BICUBIC keeps nearly all of LANCZOS's sharpness for a third less time
# (docs/performance.md).
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


def in_strips(size: tuple[int, int], mode: str, make_strip: Callable[[int, int], Image.Image]) -> Image.Image:
    """Return a picture of `size` assembled from `make_strip(top, bottom)`, run on all cores."""
    width, height = size
    count = min(_thread_count(), height) if width * height >= PARALLEL_MIN_PIXELS else 1
    if count == 1:
        return make_strip(0, height)
    bounds = [round(height * index / count) for index in range(count + 1)]
    spans = list(itertools.pairwise(bounds))
    # A pool per call: nothing survives a fork (Celery's prefork workers) half-initialised.
    with ThreadPoolExecutor(max_workers=count) as pool:
        strips = list(pool.map(lambda span: make_strip(*span), spans))
    result = Image.new(mode, size)
    for (top, _bottom), strip in zip(spans, strips, strict=True):
        result.paste(strip, (0, top))
    return result


def resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Return `image` resized to `size`: box reduction by whole factors, then resampling."""
    factor = min(image.width // size[0], image.height // size[1])
    if factor >= 2:
        # Averaging whole blocks is exact and cheap; it leaves the kernel a factor below 2.
        image = image.reduce(factor)
    if image.size == size:
        return image
    alpha = image.mode in ("RGBA", "LA")
    if alpha:
        # Weigh colours by their opacity while resampling; converting here spares each strip doing it.
        image = image.convert("RGBa" if image.mode == "RGBA" else "La")
    source = image
    scale = source.height / size[1]

    def strip(top: int, bottom: int) -> Image.Image:
        # The kernel reads source rows beyond the box, so strips match one whole resize exactly.
        return source.resize((size[0], bottom - top), RESAMPLING, box=(0, top * scale, source.width, bottom * scale))

    result = in_strips(size, source.mode, strip)
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

    def strip(top: int, bottom: int) -> Image.Image:
        return ImageCms.applyTransform(source.crop((0, top, source.width, bottom)), transform)

    try:
        return in_strips(source.size, "RGB", strip)
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
