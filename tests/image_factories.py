"""Pictures made on the fly for the picture pipeline's tests: photos, hostile files, profiles."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageChops, ImageDraw, ImageStat

EXIF_ORIENTATION, EXIF_GPS_IFD, EXIF_BODY_SERIAL = 0x0112, 0x8825, 0xA431
SECRET_SERIAL = "SERIAL-4242-SECRET"
SECRET_COMMENT = b"owner lives at 12 rue Secrete"
XMP_PACKET = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Phone"/>'
    b"</rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>'
)
# What must never reach a public file, searched for in its bytes (in the headers of a JPEG:
# three bytes such as "GPS" turn up by chance in compressed pixels).
PRIVATE_MARKERS = (b"Exif", b"GPS", b"http://ns.adobe.com/xap", SECRET_SERIAL.encode(), SECRET_COMMENT)
# The JPEG segments a metadata-free baseline file needs: SOI, APP0 (JFIF), DQT, SOF0, DHT, DRI, SOS.
BARE_JPEG_MARKERS = {0xD8, 0xE0, 0xDB, 0xC0, 0xDD, 0xC4, 0xDA}


def photo(size: tuple[int, int] = (1200, 900), *, seed: int = 0) -> Image.Image:
    """Return a photo-like RGB picture: smooth colour areas, sharp edges, fine grain, a marker top left."""
    rng = random.Random(seed)
    width, height = size
    image = Image.frombytes("RGB", (8, 6), rng.randbytes(8 * 6 * 3)).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle(
            (x, y, x + rng.randrange(10, width // 3), y + rng.randrange(10, height // 3)), outline=colour, width=3
        )
    grain = Image.frombytes("L", size, rng.randbytes(width * height)).convert("RGB")
    image = Image.blend(image, grain, 0.15)
    # An asymmetric marker: a red block in the top left corner shows which way is up.
    ImageDraw.Draw(image).rectangle((0, 0, width // 4, height // 5), fill=(230, 20, 20))
    return image


def encoded(image: Image.Image, format: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def jpeg(image: Image.Image | None = None, **options: object) -> bytes:
    return encoded(image if image is not None else photo(), "JPEG", quality=options.pop("quality", 90), **options)


def exif_with_secrets(orientation: int = 1) -> Image.Exif:
    """Return EXIF as a phone writes it: camera, serial number, orientation and GPS position."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[EXIF_ORIENTATION] = "PhoneMaker", "Phone 15", orientation
    exif[EXIF_BODY_SERIAL] = SECRET_SERIAL
    exif.get_ifd(EXIF_GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)})
    return exif


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header declares `width` x `height` pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def rgb_profile(
    red: tuple[float, float, float], green: tuple[float, float, float], blue: tuple[float, float, float], *, name: str
) -> bytes:
    """Return an ICC v2 RGB display profile with the given (D50) primaries and a 2.2 gamma."""
    text = name.encode("ascii") + b"\0"
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"desc", b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 78),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(*red)),
        (b"gXYZ", _xyz(*green)),
        (b"bXYZ", _xyz(*blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0none\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (
        struct.pack(">I", offset + len(data))
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acspAPPL"
        + b"\0" * 24
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 48
    )
    return header + struct.pack(">I", len(tags)) + table + data


# sRGB's primaries adapted to D50, as ICC profiles store them.
SRGB_RED, SRGB_GREEN, SRGB_BLUE = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)


def swapped_primaries_profile() -> bytes:
    """Return a profile whose red channel means sRGB blue and blue means red: its conversion is unmistakable."""
    return rgb_profile(SRGB_BLUE, SRGB_GREEN, SRGB_RED, name="Swapped primaries")


def grey_thumbnail(data: bytes, width: int = 64) -> Image.Image:
    """Return a small grey copy of an encoded picture, for comparisons with a tolerance."""
    image = Image.open(io.BytesIO(data)).convert("L")
    return image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.BOX)


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    """Return the mean absolute difference (0-255) of two grey pictures of the same size."""
    assert first.size == second.size, (first.size, second.size)
    return ImageStat.Stat(ImageChops.difference(first, second)).mean[0]


def jpeg_headers(data: bytes) -> tuple[list[int], bytes]:
    """Return the markers of a JPEG's segments up to its pixels (SOS), and those segments' bytes."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers, position = [0xD8], 2
    while True:
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers, data[:position]
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")


def private_markers_in(data: bytes) -> list[bytes]:
    """Return the private markers found in the headers of a JPEG (in the whole file otherwise)."""
    headers = jpeg_headers(data)[1] if data[:2] == b"\xff\xd8" else data
    return [marker for marker in PRIVATE_MARKERS if marker in headers]


def extra_jpeg_segments(data: bytes) -> set[int]:
    """Return the markers of a JPEG beyond what a bare baseline file needs (APP1 EXIF/XMP, APP2 ICC, COM...)."""
    return set(jpeg_headers(data)[0]) - BARE_JPEG_MARKERS


def metadata_of(data: bytes) -> dict[str, object]:
    """Return what Pillow finds of EXIF, XMP, comments and profiles in an encoded picture."""
    image = Image.open(io.BytesIO(data))
    found: dict[str, object] = {
        key: image.info[key] for key in ("exif", "xmp", "comment", "icc_profile") if key in image.info
    }
    exif = image.getexif()
    if exif:
        found["getexif"] = dict(exif)
    return found
