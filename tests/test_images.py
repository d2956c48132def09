"""The picture pipeline on pictures made here: refusals, conversions, geometry, metadata, signals."""

from __future__ import annotations

import contextlib
import io
import random
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from listings.image_quality import (
    BLURRY,
    DARK,
    OVEREXPOSED,
    PORTRAIT,
    TOO_SMALL,
    hamming_distance,
    near_duplicate_of,
)
from listings.images import (
    PictureRejected,
    ProcessedPicture,
    inspect_picture,
    process_picture,
    read_capped,
    rejection_message,
    render_portal_copy,
)
from tests.image_factories import (
    EXIF_ORIENTATION,
    SECRET_COMMENT,
    XMP_PACKET,
    encoded,
    exif_with_secrets,
    extra_jpeg_segments,
    grey_thumbnail,
    jpeg,
    mean_difference,
    metadata_of,
    photo,
    png_declaring,
    private_markers_in,
    swapped_primaries_profile,
)

ACCEPTED = "JPEG, PNG, WebP, HEIC, TIFF or GIF"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"

# What makes each orientation upright, and what turns an upright picture into it.
UPRIGHTING = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
INVERSE = {**UPRIGHTING, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def rgb_at(data: bytes, xy: tuple[int, int]) -> tuple[int, int, int]:
    return Image.open(io.BytesIO(data)).convert("RGB").getpixel(xy)


def rejection(data: bytes, **options: object) -> PictureRejected:
    with pytest.raises(PictureRejected) as caught:
        process_picture(data, **options)
    return caught.value


# ---------------------------------------------------------------------------
# Accepted by content, refused with a message the agent understands
# ---------------------------------------------------------------------------
REFUSED = {
    "zero bytes": (b"", "empty"),
    "an SVG with a script": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
        "unsupported_format",
    ),
    "HTML named .jpg": (HTML, "unsupported_format"),
    "a PDF": (b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "unsupported_format"),
    "a PNG header followed by HTML": (b"\x89PNG\r\n\x1a\n" + HTML, "unsupported_format"),
    "a Windows executable": (b"MZ\x90\x00\x03\x00" + b"\0" * 100 + b"This program cannot be run", "unsupported_format"),
    "a Linux executable": (b"\x7fELF\x02\x01\x01" + b"\0" * 100, "unsupported_format"),
    "a BMP, which Pillow reads but we do not accept": (encoded(photo((64, 48)), "BMP"), "unsupported_format"),
}


@pytest.mark.parametrize(("data", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_what_is_not_an_accepted_picture_is_refused_naming_the_accepted_formats(data: bytes, code: str) -> None:
    error = rejection(data)
    assert error.code == code
    with translation.override("en"):
        assert ACCEPTED in str(error)


@pytest.mark.parametrize(("data", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_the_header_check_refuses_the_same_files_without_decoding(data: bytes, code: str) -> None:
    with pytest.raises(PictureRejected) as caught:
        inspect_picture(data)
    assert caught.value.code == code


def test_a_truncated_jpeg_is_refused_as_incomplete() -> None:
    whole = jpeg()
    error = rejection(whole[: len(whole) // 2])
    assert error.code == "truncated"
    with translation.override("en"):
        assert "incomplete" in str(error)


def test_a_png_declaring_30000_by_30000_pixels_is_refused_at_once_without_decoding() -> None:
    started = time.perf_counter()
    error = rejection(png_declaring(30000, 30000))
    assert error.code == "too_many_pixels"
    # Decoding 900 megapixels would take seconds and gigabytes.
    assert time.perf_counter() - started < 0.5


def test_the_pixel_cap_is_checked_from_the_header() -> None:
    started = time.perf_counter()
    with pytest.raises(PictureRejected) as caught:
        inspect_picture(png_declaring(10000, 6000), max_pixels=50_000_000)
    assert caught.value.code == "too_many_pixels"
    assert time.perf_counter() - started < 0.5
    with translation.override("en"):
        assert "at most 50 megapixels" in str(caught.value)


def test_a_picture_under_the_pixel_cap_passes_it() -> None:
    picture = process_picture(jpeg(photo((1000, 800))), max_pixels=800_000)
    assert (picture.source_width, picture.source_height) == (1000, 800)


def test_the_header_check_gives_format_and_upright_size() -> None:
    stored = photo((1200, 900))
    header = inspect_picture(jpeg(stored, exif=exif_with_secrets(orientation=6)))
    assert (header.format, header.width, header.height) == ("JPEG", 900, 1200)


def test_a_rejection_reads_as_a_form_error() -> None:
    error = rejection(b"")
    with translation.override("en"):
        form_error = ValidationError(error.message, code=error.code, params=error.params)
        assert form_error.messages == [rejection_message("empty")]
        assert form_error.messages[0].startswith("This file is empty.")


def test_a_rejection_code_must_be_known() -> None:
    with pytest.raises(ValueError, match="Unknown rejection code"):
        PictureRejected("too_ugly")


def test_bytes_corrupted_anywhere_end_in_a_picture_or_a_refusal_never_another_error() -> None:
    rng = random.Random(6)
    sources = [
        jpeg(photo((160, 120))),
        jpeg(photo((160, 120)), exif=exif_with_secrets(orientation=6)),
        encoded(photo((160, 120)), "PNG"),
        encoded(photo((160, 120)), "WEBP"),
        encoded(photo((160, 120)), "TIFF"),
        encoded(photo((160, 120)).convert("P"), "GIF"),
    ]
    for source in sources:
        for _ in range(25):
            damaged = bytearray(source)
            for _ in range(rng.randrange(1, 6)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            cut = rng.choice([len(damaged), rng.randrange(1, len(damaged))])
            with contextlib.suppress(PictureRejected):
                process_picture(bytes(damaged[:cut]))


# ---------------------------------------------------------------------------
# Odd but acceptable pictures become correct JPEGs
# ---------------------------------------------------------------------------
def test_a_cmyk_jpeg_becomes_rgb_with_its_colours() -> None:
    red_in_cmyk = Image.new("CMYK", (400, 300), (0, 255, 255, 0))
    picture = process_picture(encoded(red_in_cmyk, "JPEG", quality=95))
    red, green, blue = rgb_at(picture.portal.data, (200, 150))
    assert red > 230 and green < 30 and blue < 30


def test_a_16_bit_png_keeps_its_tones() -> None:
    ramp = Image.linear_gradient("L").resize((512, 256)).transpose(Image.Transpose.ROTATE_90)
    sixteen_bits = ramp.convert("I").point(lambda value: value * 257).convert("I;16")
    data = encoded(sixteen_bits, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I;16")
    picture = process_picture(data)
    left, middle, right = (rgb_at(picture.portal.data, (x, 128))[0] for x in (5, 128, 250))
    assert left < 15 and 110 < middle < 145 and right > 240


def test_a_palette_png_with_transparency_is_flattened_on_white() -> None:
    image = Image.new("P", (400, 300), 0)
    image.putpalette([0, 0, 0, 200, 0, 0] + [0] * 762)
    ImageDraw.Draw(image).rectangle((200, 0, 399, 299), fill=1)
    picture = process_picture(encoded(image, "PNG", transparency=0))
    assert rgb_at(picture.portal.data, (50, 150)) >= (250, 250, 250)
    red, green, blue = rgb_at(picture.portal.data, (300, 150))
    assert red > 180 and green < 30 and blue < 30


def test_a_half_transparent_png_is_laid_on_white() -> None:
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 128))
    picture = process_picture(encoded(image, "PNG"))
    assert all(120 < channel < 135 for channel in rgb_at(picture.portal.data, (200, 150)))


def test_an_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (300, 200), colour).convert("P") for colour in ((220, 0, 0), (0, 0, 220), (0, 220, 0))]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    picture = process_picture(data)
    assert picture.source_format == "GIF"
    red, green, blue = rgb_at(picture.portal.data, (150, 100))
    assert red > 180 and green < 40 and blue < 40


@pytest.mark.parametrize("format", ["PNG", "WEBP", "TIFF", "HEIF", "GIF"])
def test_every_accepted_format_becomes_a_jpeg(format: str) -> None:
    source = photo((640, 480)) if format != "GIF" else photo((640, 480)).convert("P")
    picture = process_picture(encoded(source, format))
    assert picture.source_format == format
    assert Image.open(io.BytesIO(picture.portal.data)).format == "JPEG"
    assert (picture.portal.width, picture.portal.height) == (640, 480)


def test_a_grey_picture_becomes_an_rgb_jpeg() -> None:
    picture = process_picture(jpeg(photo((640, 480)).convert("L")))
    assert Image.open(io.BytesIO(picture.portal.data)).mode == "RGB"


def test_colours_described_by_another_icc_profile_are_converted_to_srgb() -> None:
    # In this profile the first channel is blue: an sRGB viewer would show red where blue is meant.
    data = jpeg(Image.new("RGB", (400, 300), (200, 30, 30)), icc_profile=swapped_primaries_profile())
    picture = process_picture(data)
    red, _green, blue = rgb_at(picture.portal.data, (200, 150))
    assert blue > 170 and red < 60
    assert "icc_profile" not in metadata_of(picture.portal.data)


def test_a_damaged_icc_profile_is_ignored_rather_than_refusing_the_photo() -> None:
    data = jpeg(Image.new("RGB", (400, 300), (200, 30, 30)), icc_profile=b"not a profile at all" * 10)
    red, _green, blue = rgb_at(process_picture(data).portal.data, (200, 150))
    assert red > 170 and blue < 60


def test_a_tiny_picture_is_processed() -> None:
    picture = process_picture(encoded(Image.new("RGB", (1, 1), (10, 200, 10)), "PNG"))
    assert (picture.portal.width, picture.portal.height) == (1, 1)
    assert TOO_SMALL in picture.warnings


# ---------------------------------------------------------------------------
# What the portal receives carries no private metadata
# ---------------------------------------------------------------------------
def test_no_exif_gps_serial_xmp_or_comment_reaches_the_portal_copy_or_thumbnails() -> None:
    data = jpeg(photo(), exif=exif_with_secrets(), xmp=XMP_PACKET, comment=SECRET_COMMENT)
    assert private_markers_in(data)
    picture = process_picture(data)
    for rendition in (picture.portal, *picture.thumbnails.values()):
        assert metadata_of(rendition.data) == {}
        assert private_markers_in(rendition.data) == []
        assert extra_jpeg_segments(rendition.data) == set()


@pytest.mark.parametrize("format", ["PNG", "WEBP", "TIFF"])
def test_metadata_of_other_formats_does_not_travel_either(format: str) -> None:
    picture = process_picture(encoded(photo((640, 480)), format, exif=exif_with_secrets()))
    assert metadata_of(picture.portal.data) == {}
    assert private_markers_in(picture.portal.data) == []
    assert extra_jpeg_segments(picture.portal.data) == set()


# ---------------------------------------------------------------------------
# Orientation, turns, sizes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(2400, 1600), (1200, 800)], ids=["resized", "kept"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int, size: tuple[int, int]) -> None:
    upright = photo(size)
    stored = upright.transpose(INVERSE[orientation]) if orientation in INVERSE else upright
    picture = process_picture(jpeg(stored, exif=exif_with_secrets(orientation=orientation)))
    expected = process_picture(jpeg(upright))
    assert (picture.portal.width, picture.portal.height) == (expected.portal.width, expected.portal.height)
    assert picture.portal.width > picture.portal.height
    assert mean_difference(grey_thumbnail(picture.portal.data), grey_thumbnail(expected.portal.data)) < 4


@pytest.mark.parametrize("format", ["PNG", "WEBP"])
def test_exif_orientation_is_applied_beyond_jpeg(format: str) -> None:
    picture = process_picture(encoded(photo((600, 400)), format, exif=exif_with_secrets(orientation=6)))
    assert (picture.portal.width, picture.portal.height) == (400, 600)


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_a_meaningless_orientation_is_taken_as_upright(value: int) -> None:
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = value
    picture = process_picture(jpeg(photo((600, 400)), exif=exif))
    assert (picture.portal.width, picture.portal.height) == (600, 400)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_malformed_exif_never_stops_an_upload() -> None:
    broken_blocks = (
        b"Exif\0\0MM\0*\0\0\0\x08\xff\xff",
        b"Exif\0\0II*\0\xff\xff\xff\x7f",
        b"Exif\0\0" + bytes(range(256)),
    )
    for garbage in broken_blocks:
        picture = process_picture(jpeg(photo((600, 400)), exif=garbage))
        assert (picture.portal.width, picture.portal.height) == (600, 400)


def test_quarter_turns_turn_the_upright_picture_clockwise() -> None:
    upright = photo((1200, 800))
    turned = process_picture(jpeg(upright), quarter_turns=1)
    expected = process_picture(jpeg(upright.transpose(Image.Transpose.ROTATE_270)))
    assert (turned.portal.width, turned.portal.height) == (800, 1200)
    assert (turned.source_width, turned.source_height) == (800, 1200)
    assert mean_difference(grey_thumbnail(turned.portal.data), grey_thumbnail(expected.portal.data)) < 4
    # The red marker of the top left corner is now top right.
    red, green, _blue = rgb_at(turned.portal.data, (780, 20))
    assert red > 180 and green < 60


def test_four_quarter_turns_give_the_same_picture_and_a_turn_a_new_one() -> None:
    data = jpeg(photo((1200, 800)))
    assert process_picture(data, quarter_turns=4).sha256 == process_picture(data).sha256
    assert process_picture(data, quarter_turns=1).sha256 != process_picture(data).sha256


def test_turns_are_applied_after_the_exif_orientation() -> None:
    upright = photo((1200, 800))
    data = jpeg(upright.transpose(INVERSE[6]), exif=exif_with_secrets(orientation=6))
    turned = process_picture(data, quarter_turns=2)
    expected = process_picture(jpeg(upright.transpose(Image.Transpose.ROTATE_180)))
    assert (turned.portal.width, turned.portal.height) == (1200, 800)
    assert mean_difference(grey_thumbnail(turned.portal.data), grey_thumbnail(expected.portal.data)) < 4


def test_the_same_original_always_gives_the_same_bytes() -> None:
    data = jpeg(photo((3000, 2000)))
    assert process_picture(data).sha256 == process_picture(data).sha256


def test_a_large_photo_is_reduced_to_the_portal_size_keeping_its_aspect_ratio() -> None:
    picture = process_picture(jpeg(photo((4608, 1976))))
    assert (picture.portal.width, picture.portal.height) == (1920, 823)
    assert (picture.source_width, picture.source_height) == (4608, 1976)


@pytest.mark.parametrize("size", [(4000, 3000), (3264, 2448), (2048, 1536), (3000, 4000)])
def test_jpegs_decoded_at_reduced_scale_still_get_the_exact_portal_size(size: tuple[int, int]) -> None:
    rendition = render_portal_copy(jpeg(photo(size)))
    scale = 1920 / max(size)
    assert (rendition.width, rendition.height) == (round(size[0] * scale), round(size[1] * scale))


def test_a_reduced_copy_looks_like_its_original() -> None:
    original = photo((3264, 2448))
    rendition = render_portal_copy(jpeg(original, quality=95))
    expected = original.resize((1920, 1440), Image.Resampling.LANCZOS)
    assert mean_difference(grey_thumbnail(rendition.data, 480), grey_thumbnail(jpeg(expected, quality=95), 480)) < 3


def test_the_portal_long_side_is_configurable() -> None:
    picture = process_picture(jpeg(photo((1200, 1600))), portal_long_side=1000)
    assert (picture.portal.width, picture.portal.height) == (750, 1000)


def test_a_small_picture_is_never_enlarged() -> None:
    picture = process_picture(jpeg(photo((500, 300))), thumb_widths=(320, 640))
    assert (picture.portal.width, picture.portal.height) == (500, 300)
    assert picture.thumbnails[640] == picture.portal
    assert (picture.thumbnails[320].width, picture.thumbnails[320].height) == (320, 192)


def test_thumbnails_are_made_for_each_width() -> None:
    picture = process_picture(jpeg(photo((1600, 1200))), thumb_widths=(320, 640, 1024))
    sizes = {width: (rendition.width, rendition.height) for width, rendition in picture.thumbnails.items()}
    assert sizes == {320: (320, 240), 640: (640, 480), 1024: (1024, 768)}
    assert all(Image.open(io.BytesIO(r.data)).format == "JPEG" for r in picture.thumbnails.values())


def test_the_record_describes_the_portal_copy() -> None:
    import hashlib

    picture = process_picture(jpeg(photo((1600, 1200))))
    assert isinstance(picture, ProcessedPicture)
    assert picture.sha256 == hashlib.sha256(picture.portal.data).hexdigest()
    assert picture.byte_size == len(picture.portal.data)
    assert picture.source_format == "JPEG"
    assert len(picture.phash) == 16 and int(picture.phash, 16) >= 0


def test_the_portal_copy_alone_is_the_one_process_picture_makes() -> None:
    data = jpeg(photo((2000, 1500)))
    assert render_portal_copy(data) == process_picture(data).portal


# ---------------------------------------------------------------------------
# Quality signals: warnings that never block
# ---------------------------------------------------------------------------
def test_a_sharp_well_exposed_landscape_photo_has_no_warning() -> None:
    assert process_picture(jpeg(photo((1600, 1200)))).warnings == ()


def test_a_picture_below_800_by_600_is_flagged_too_small() -> None:
    assert TOO_SMALL in process_picture(jpeg(photo((799, 600)))).warnings
    assert TOO_SMALL in process_picture(jpeg(photo((1000, 599)))).warnings
    assert TOO_SMALL not in process_picture(jpeg(photo((800, 600)))).warnings


def test_a_portrait_picture_is_flagged_as_a_poor_cover() -> None:
    assert PORTRAIT in process_picture(jpeg(photo((900, 1200)))).warnings
    assert PORTRAIT not in process_picture(jpeg(photo((1200, 1200)))).warnings


def test_a_very_dark_picture_is_flagged_dark() -> None:
    dark = ImageEnhance.Brightness(photo((1200, 900))).enhance(0.25)
    assert DARK in process_picture(jpeg(dark)).warnings


def test_an_overexposed_picture_is_flagged_overexposed() -> None:
    bright = ImageEnhance.Brightness(photo((1200, 900))).enhance(2.5)
    assert OVEREXPOSED in process_picture(jpeg(bright)).warnings


def test_a_blurred_picture_is_flagged_blurry() -> None:
    blurred = photo((1200, 900)).filter(ImageFilter.GaussianBlur(6))
    assert BLURRY in process_picture(jpeg(blurred)).warnings


def test_a_picture_sharp_in_one_place_only_is_not_blurry() -> None:
    # A shallow depth of field: a sharp subject on a blurred background.
    image = photo((1200, 900)).filter(ImageFilter.GaussianBlur(8))
    image.paste(photo((400, 300), seed=3), (400, 300))
    assert BLURRY not in process_picture(jpeg(image)).warnings


def test_a_warning_never_refuses_the_picture() -> None:
    tiny_dark_blurry_portrait = Image.new("RGB", (300, 500), (5, 5, 5))
    picture = process_picture(jpeg(tiny_dark_blurry_portrait))
    assert {TOO_SMALL, DARK, BLURRY, PORTRAIT} <= set(picture.warnings)
    assert picture.portal.data


def test_a_recompressed_brightened_rescaled_copy_is_a_near_duplicate() -> None:
    original = photo((1600, 1200), seed=1)
    copy = ImageEnhance.Brightness(original.resize((1000, 750))).enhance(1.1)
    first, second = process_picture(jpeg(original)), process_picture(jpeg(copy, quality=60))
    other = process_picture(jpeg(photo((1600, 1200), seed=2)))
    assert hamming_distance(first.phash, second.phash) <= 10
    assert near_duplicate_of(second.phash, {4: other.phash, 7: first.phash}) == 7
    assert near_duplicate_of(other.phash, {7: first.phash, 8: second.phash}) is None


# ---------------------------------------------------------------------------
# Reading an upload under a byte cap
# ---------------------------------------------------------------------------
class EndlessUpload:
    """An upload that never ends and does not announce its size, like a hostile client's stream."""

    def __init__(self) -> None:
        self.sent = 0

    def chunks(self, chunk_size: int | None = None) -> object:
        while True:
            self.sent += 64 * 1024
            yield b"\0" * (64 * 1024)


def test_an_upload_under_the_cap_is_read_whole() -> None:
    data = jpeg(photo((300, 200)))
    assert read_capped(SimpleUploadedFile("a.jpg", data, content_type="image/jpeg"), max_bytes=len(data)) == data
    assert read_capped(io.BytesIO(data), max_bytes=len(data)) == data


def test_an_upload_is_refused_as_soon_as_it_passes_the_cap() -> None:
    upload = EndlessUpload()
    with pytest.raises(PictureRejected) as caught:
        read_capped(upload, max_bytes=1_000_000)
    assert caught.value.code == "too_large_bytes"
    assert upload.sent <= 1_000_000 + 64 * 1024


def test_a_plain_file_is_refused_once_past_the_cap() -> None:
    with pytest.raises(PictureRejected) as caught:
        read_capped(io.BytesIO(b"\0" * 2_000_001), max_bytes=2_000_000)
    assert caught.value.code == "too_large_bytes"


def test_an_upload_announcing_a_size_over_the_cap_is_refused_before_reading() -> None:
    upload = SimpleUploadedFile("big.jpg", b"\0" * 2048, content_type="image/jpeg")
    upload.chunks = None  # reading would fail: the announced size is enough
    with pytest.raises(PictureRejected) as caught:
        read_capped(upload, max_bytes=1024)
    assert caught.value.code == "too_large_bytes"


def test_the_byte_cap_message_names_the_limit_in_megabytes() -> None:
    with pytest.raises(PictureRejected) as caught:
        read_capped(io.BytesIO(b"\0" * (30 * 1024 * 1024 + 1)), max_bytes=30 * 1024 * 1024)
    with translation.override("en"):
        assert "larger than 30 MB" in str(caught.value)
        assert ACCEPTED in str(caught.value)
