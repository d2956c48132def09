"""Pixel steps of the picture pipeline: strips on all cores give exactly one whole operation's result."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from listings import image_pixels
from tests.image_factories import photo


def identical(first: Image.Image, second: Image.Image) -> bool:
    return (
        first.mode == second.mode
        and first.size == second.size
        and ImageChops.difference(first, second).getbbox() is None
    )


def largest_difference(first: Image.Image, second: Image.Image) -> int:
    assert (first.mode, first.size) == (second.mode, second.size)
    return max(high for _low, high in ImageChops.difference(first, second).getextrema())


def whole_resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Return what one thread makes: reduce(), then Pillow's resampling, horizontally then vertically."""
    factor = min(image.width // size[0], image.height // size[1])
    image = image.reduce(factor) if factor >= 2 else image
    wide = image.resize((size[0], image.height), image_pixels.RESAMPLING)
    return wide.resize(size, image_pixels.RESAMPLING)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ((3264, 2448), (1920, 1440)),
        ((2048, 1536), (1920, 1440)),
        ((4000, 3000), (1920, 1440)),
        ((1536, 2048), (1440, 1920)),
    ],
)
def test_resizing_in_strips_matches_one_whole_resize_exactly(source: tuple[int, int], target: tuple[int, int]) -> None:
    # Pillow resamples vertically first when that is cheaper, as for bands of rows: strips
    # made in another order than the whole would differ by up to 8 levels.
    image = photo(source)
    assert identical(image_pixels.resize(image, target), whole_resize(image, target))


def test_odd_sizes_differ_from_one_whole_resize_by_rounding_at_most() -> None:
    # Pillow takes strip boundaries as 32-bit floats: 1483/751 is not exact.
    image = photo((1977, 1483))
    assert largest_difference(image_pixels.resize(image, (1001, 751)), whole_resize(image, (1001, 751))) <= 1


def test_transparent_pictures_are_resized_in_strips_without_seams() -> None:
    image = photo((2400, 1800)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(image.size))
    premultiplied = image.convert("RGBa")
    expected = whole_resize(premultiplied, (1600, 1200)).convert("RGBA")
    assert identical(image_pixels.resize(image, (1600, 1200)), expected)


def test_colour_conversion_in_strips_matches_one_whole_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.image_factories import swapped_primaries_profile

    image = photo((1600, 1200))
    profile = swapped_primaries_profile()
    in_strips = image_pixels.to_srgb(image, profile)
    monkeypatch.setattr(image_pixels, "PARALLEL_MIN_PIXELS", 10**12)
    assert identical(in_strips, image_pixels.to_srgb(image, profile))


def test_an_srgb_profile_needs_no_conversion() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = photo((400, 300))
    assert image_pixels.to_srgb(image, srgb) is image


def test_freed_image_memory_is_kept_for_the_next_picture() -> None:
    assert Image.core.get_blocks_max() >= 1


@pytest.mark.parametrize("step", list(Image.Transpose))
def test_turning_in_the_same_strips_matches_resizing_then_turning(step: Image.Transpose) -> None:
    image = photo((2048, 1536))
    assert identical(
        image_pixels.resize(image, (1920, 1440), then=step), whole_resize(image, (1920, 1440)).transpose(step)
    )
