"""Quality signals of a picture: warnings shown to the agent, never a reason to refuse it.

Measured on a grey copy of at most 640 pixels, in about 10 ms, with Pillow only. The thresholds were
tuned on the 48 real listing photos of the corpus (none is flagged dark, overexposed or
blurry) against darkened, brightened and Gaussian-blurred copies of them
(docs/performance.md tells how).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFilter, ImageStat

TOO_SMALL = "too_small"
DARK = "dark"
OVEREXPOSED = "overexposed"
BLURRY = "blurry"
PORTRAIT = "portrait"
NEAR_DUPLICATE = "near_duplicate"

WARNING_MESSAGES = {
    TOO_SMALL: _("Below 800×600 pixels: the portal may refuse or blur it."),
    DARK: _("Very dark: buyers will hardly see the room."),
    OVEREXPOSED: _("Overexposed: the bright parts have lost their detail."),
    BLURRY: _("Probably blurry: check the focus, or take it again."),
    PORTRAIT: _("Portrait orientation: a poor cover, the portal shows covers in landscape."),
    NEAR_DUPLICATE: _("Looks like picture %(position)s."),
}

MIN_LONG_SIDE, MIN_SHORT_SIDE = 800, 600
# The grey copy measured: the long side scaled to this many pixels (never enlarged).
ANALYSIS_LONG_SIDE = 640
# Mean luminance (0-255) of the grey copy. The corpus photos lie between 62 (a dusk shot)
# and 197 (a white house under a pale sky).
DARK_MEAN, OVEREXPOSED_MEAN = 50, 205
# Sharpness is the variance of the Laplacian in the second sharpest of 4x4 tiles of the grey
# copy: a photo is sharp when part of it is in focus, whatever its blurred background (the
# corpus macro shot with a shallow depth of field). The corpus photos measure 328 or more;
# the same photos Gaussian-blurred by 1.5 pixels (at 720 pixels wide) 152 at most, by 2
# pixels 51 at most.
SHARPNESS_GRID = 4
BLURRY_SHARPNESS = 200
# Distinct corpus photos differ by 16 bits or more of 64; a re-compressed, rescaled,
# brightened or slightly cropped copy by 14 at most, mostly under 10.
NEAR_DUPLICATE_DISTANCE = 10

_LAPLACIAN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128)
_HASH_GRID, _HASH_BITS_SIDE = 32, 8
_COSINES = [
    [math.cos(math.pi * (2 * x + 1) * u / (2 * _HASH_GRID)) for x in range(_HASH_GRID)] for u in range(_HASH_BITS_SIDE)
]

Key = TypeVar("Key")


@dataclass(frozen=True)
class QualitySignals:
    warnings: tuple[str, ...]
    phash: str


def coded_message(messages: Mapping[str, object], code: str, *, kind: str, **params: object) -> str:
    """Return the text of `code` in `messages`, in the active language, with `params` filled in."""
    try:
        message = messages[code]
    except KeyError:
        raise ValueError(f"Unknown {kind} {code!r}; expected one of {sorted(messages)}.") from None
    return str(message) % params if params else str(message)


def warning_message(code: str, **params: object) -> str:
    """Return the agent-facing text of a warning `code`, in the active language."""
    return coded_message(WARNING_MESSAGES, code, kind="picture warning", **params)


def _grey_copy(image: Image.Image) -> Image.Image:
    """Return a grey copy of `image` whose long side is at most ANALYSIS_LONG_SIDE."""
    factor = max(image.size) // ANALYSIS_LONG_SIDE
    if factor >= 2:
        image = image.reduce(factor)  # averaging whole blocks first makes the rest cheap
    grey = image.convert("L")
    scale = ANALYSIS_LONG_SIDE / max(grey.size)
    if scale >= 1:
        return grey
    size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    return grey.resize(size, Image.Resampling.BILINEAR)


def sharpness(grey: Image.Image) -> float:
    """Return the Laplacian variance of the second sharpest tile of a grey picture."""
    edges = grey.filter(_LAPLACIAN)
    if min(edges.size) > 2:
        # Pillow copies the outermost pixels unfiltered: leave them out.
        edges = edges.crop((1, 1, edges.width - 1, edges.height - 1))
    width, height = edges.size
    # Pictures of a few pixels are measured whole.
    grid = SHARPNESS_GRID if min(width, height) >= 4 * SHARPNESS_GRID else 1
    variances = sorted(
        ImageStat.Stat(
            edges.crop((width * i // grid, height * j // grid, width * (i + 1) // grid, height * (j + 1) // grid))
        ).var[0]
        for i in range(grid)
        for j in range(grid)
    )
    return variances[-2] if len(variances) > 1 else variances[0]


def perceptual_hash(grey: Image.Image) -> str:
    """Return the 64-bit DCT perceptual hash (pHash) of a picture, as 16 hex digits."""
    pixels = grey.convert("L").resize((_HASH_GRID, _HASH_GRID), Image.Resampling.BOX).tobytes()
    rows = [pixels[y * _HASH_GRID : (y + 1) * _HASH_GRID] for y in range(_HASH_GRID)]
    # The 8x8 lowest frequencies of a 2D DCT-II, computed separably: rows, then columns.
    row_terms = [[sum(c * p for c, p in zip(cosines, row, strict=True)) for cosines in _COSINES] for row in rows]
    coefficients = [
        sum(cosines[y] * row_terms[y][u] for y in range(_HASH_GRID))
        for cosines in _COSINES
        for u in range(_HASH_BITS_SIDE)
    ]
    median = sorted(coefficients)[len(coefficients) // 2]
    bits = 0
    for coefficient in coefficients:
        bits = (bits << 1) | (coefficient > median)
    return f"{bits:016x}"


def hamming_distance(first: str, second: str) -> int:
    """Return how many of the 64 bits differ between two perceptual hashes."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def near_duplicate_of(
    phash: str, others: Mapping[Key, str], *, max_distance: int = NEAR_DUPLICATE_DISTANCE
) -> Key | None:
    """Return the key of the closest of `others` within `max_distance` of `phash`, or None.

    `others` maps, say, the position or id of each other picture of the listing to its
    hash; empty hashes (pictures not processed yet) are ignored.
    """
    distances = [(hamming_distance(phash, other), key) for key, other in others.items() if other]
    close = [(distance, key) for distance, key in distances if distance <= max_distance]
    return min(close, key=lambda pair: pair[0])[1] if close else None


def measure(image: Image.Image) -> QualitySignals:
    """Return the warnings and perceptual hash of an upright portal-sized picture."""
    width, height = image.size
    warnings = []
    if max(width, height) < MIN_LONG_SIDE or min(width, height) < MIN_SHORT_SIDE:
        warnings.append(TOO_SMALL)
    grey = _grey_copy(image)
    brightness = ImageStat.Stat(grey).mean[0]
    if brightness < DARK_MEAN:
        warnings.append(DARK)
    elif brightness > OVEREXPOSED_MEAN:
        warnings.append(OVEREXPOSED)
    if sharpness(grey) < BLURRY_SHARPNESS:
        warnings.append(BLURRY)
    if height > width:
        warnings.append(PORTRAIT)
    return QualitySignals(warnings=tuple(warnings), phash=perceptual_hash(grey))
