"""The picture pipeline on the real photos of ../shared/corpus (required in CI, see conftest)."""

from __future__ import annotations

import io
import itertools
from functools import cache
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageFilter, ImageStat

from listings.image_quality import BLURRY, DARK, OVEREXPOSED, PORTRAIT, TOO_SMALL, hamming_distance
from listings.images import PictureRejected, ProcessedPicture, process_picture
from tests.image_factories import (
    EXIF_GPS_IFD,
    extra_jpeg_segments,
    grey_thumbnail,
    jpeg,
    mean_difference,
    metadata_of,
    private_markers_in,
)

pytestmark = pytest.mark.needs_shared

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
PICTURE_SUFFIXES = {".jpg", ".jpeg", ".heic"}


def corpus_files(folder: str) -> list[str]:
    """Return the picture names of a corpus folder (names only, so test ids stay short)."""
    if not (CORPUS / folder).is_dir():
        return []
    return sorted(p.name for p in (CORPUS / folder).iterdir() if p.suffix.lower() in PICTURE_SUFFIXES)


def all_corpus_files() -> list[str]:
    folders = ("listings", "phones", "exif", "odd-exif")
    return [f"{folder}/{name}" for folder in folders for name in corpus_files(folder)]


@cache
def processed(relative: str) -> ProcessedPicture | PictureRejected:
    """Return what the pipeline makes of a corpus file, or its refusal (cached across tests)."""
    try:
        return process_picture((CORPUS / relative).read_bytes())
    except PictureRejected as rejected:
        return rejected


def colour_difference(first: Image.Image, second: Image.Image) -> float:
    """Return the mean absolute difference of two RGB pictures, over all channels."""
    return sum(ImageStat.Stat(ImageChops.difference(first, second)).mean) / 3


def picture(relative: str) -> ProcessedPicture:
    result = processed(relative)
    assert isinstance(result, ProcessedPicture), f"{relative} was refused: {result.code}"
    return result


@pytest.mark.parametrize("kind", ["Landscape", "Portrait"])
@pytest.mark.parametrize("orientation", range(9))
def test_every_orientation_of_the_corpus_comes_out_upright(kind: str, orientation: int) -> None:
    made = picture(f"exif/{kind}_{orientation}.jpg")
    reference = picture(f"exif/{kind}_1.jpg")
    assert (made.portal.width, made.portal.height) == (reference.portal.width, reference.portal.height)
    assert mean_difference(grey_thumbnail(made.portal.data), grey_thumbnail(reference.portal.data)) < 3


def test_landscape_pictures_are_wide_and_portrait_pictures_tall() -> None:
    assert picture("exif/Landscape_6.jpg").portal.width > picture("exif/Landscape_6.jpg").portal.height
    assert picture("exif/Portrait_6.jpg").portal.height > picture("exif/Portrait_6.jpg").portal.width


@pytest.mark.parametrize("relative", all_corpus_files())
def test_no_portal_copy_or_thumbnail_of_the_corpus_carries_metadata(relative: str) -> None:
    result = processed(relative)
    if isinstance(result, PictureRejected):
        # Only the damaged files of odd-exif/ may be refused, and then cleanly.
        assert relative.startswith("odd-exif/"), f"{relative} was refused: {result.code}"
        return
    for rendition in (result.portal, *result.thumbnails.values()):
        assert metadata_of(rendition.data) == {}
        assert private_markers_in(rendition.data) == []
        assert extra_jpeg_segments(rendition.data) == set()


def test_the_corpus_does_carry_gps_positions_to_strip() -> None:
    with_gps = [
        name
        for name in all_corpus_files()
        if not name.lower().endswith(".heic") and Image.open(CORPUS / name).getexif().get_ifd(EXIF_GPS_IFD)
    ]
    assert len(with_gps) >= 3


@pytest.mark.parametrize("name", corpus_files("phones"))
def test_every_phone_photo_is_processed_to_the_portal_size(name: str) -> None:
    made = picture(f"phones/{name}")
    assert max(made.portal.width, made.portal.height) == 1920
    assert made.thumbnails[320].width == 320


@pytest.mark.parametrize("name", [n for n in corpus_files("phones") if n.lower().endswith(".heic")])
def test_iphone_heic_photos_decode_upright(name: str) -> None:
    made = picture(f"phones/{name}")
    assert made.source_format == "HEIF"
    # Both are portrait shots; libheif applies the file's own rotation.
    assert made.source_height > made.source_width
    assert PORTRAIT in made.warnings


def test_display_p3_colours_of_an_iphone_are_converted_to_srgb() -> None:
    made = picture("phones/iphone_13_pro_max.HEIC")
    assert "icc_profile" not in metadata_of(made.portal.data)
    source = Image.open(CORPUS / "phones/iphone_13_pro_max.HEIC")
    as_stored = source.convert("RGB").reduce(8)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(source.info["icc_profile"]))
    as_srgb = ImageCms.profileToProfile(as_stored, profile, ImageCms.createProfile("sRGB"))
    ours = Image.open(io.BytesIO(made.portal.data)).convert("RGB").resize(as_stored.size, Image.Resampling.BOX)
    # Dropping the profile would leave the stored values; converting brings them to sRGB.
    assert colour_difference(ours, as_srgb) < colour_difference(ours, as_stored) - 0.5


def test_the_canon_photo_stored_sideways_comes_out_upright() -> None:
    made = picture("phones/canon_hdr_NO.jpg")
    assert (made.source_width, made.source_height) == (1536, 2048)
    assert (made.portal.width, made.portal.height) == (1440, 1920)


@pytest.mark.parametrize("name", corpus_files("odd-exif"))
def test_odd_exif_blocks_end_in_a_picture_or_a_clean_refusal(name: str) -> None:
    result = processed(f"odd-exif/{name}")
    assert isinstance(result, ProcessedPicture | PictureRejected)


@pytest.mark.parametrize("name", corpus_files("listings"))
def test_real_listing_photos_are_not_flagged_blurry_dark_or_overexposed(name: str) -> None:
    assert not {BLURRY, DARK, OVEREXPOSED} & set(picture(f"listings/{name}").warnings)


@pytest.mark.parametrize("name", corpus_files("listings")[::4])
def test_a_heavily_blurred_copy_of_a_listing_photo_is_flagged_blurry(name: str) -> None:
    blurred = Image.open(CORPUS / "listings" / name).filter(ImageFilter.GaussianBlur(3))
    assert BLURRY in process_picture(jpeg(blurred)).warnings


def test_listing_photos_below_800_by_600_are_flagged_too_small() -> None:
    assert TOO_SMALL in picture("listings/house1_frontal.jpg").warnings  # 720x480
    assert TOO_SMALL not in picture("listings/house10_frontal.jpg").warnings  # 900x600


def test_the_same_photo_uploaded_twice_is_a_near_duplicate_and_distinct_photos_are_not() -> None:
    names = corpus_files("listings")
    hashes = {name: picture(f"listings/{name}").phash for name in names}
    close = {
        frozenset((a, b)) for a, b in itertools.combinations(names, 2) if hamming_distance(hashes[a], hashes[b]) <= 10
    }
    # house12's bathroom and bedroom files are the same photo in the corpus.
    assert close == {frozenset(("house12_bathroom.jpg", "house12_bedroom.jpg"))}
