"""Measure the picture pipeline against the naive Pillow path and libvips.

    pip install -r requirements-bench.txt      # pyvips + its libvips wheel, benchmark only
    python bench/images.py                      # from the project root

Photos: the real phone photos of ../shared/corpus/phones/ plus a generated 12 MP JPEG.
For each photo, each method runs in a fresh Python process (so its peak RSS is its own),
once to warm up, then --repeat times; --rounds such processes are interleaved over the
photos and methods, and the median of all their times is reported. Methods:

  ours     listings.images.render_portal_copy: the portal copy only
  naive    open, exif_transpose, full decode, LANCZOS resize to the same size, save
  libvips  pyvips thumbnail to the same size (sRGB export when the photo has a profile), save
  full     listings.images.process_picture: portal copy, thumbnails, quality signals, hash

The last line reads:
images: ours/naive=<median> ours/libvips=<median> full_ms=<median> peak_rss_mb=<max>
where peak_rss_mb is the highest peak RSS of our pipeline (ours, full) over the photos.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "phones"
METHODS = ("ours", "naive", "libvips", "full")
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".heic", ".heif", ".png", ".webp"}
PORTAL_LONG_SIDE = 1920
JPEG_QUALITY = 85


# ---------------------------------------------------------------------------
# Child side: one method on one photo, in a process of its own
# ---------------------------------------------------------------------------
def _ours(data: bytes, size: tuple[int, int] | None) -> tuple[int, int]:
    from listings.images import render_portal_copy

    rendition = render_portal_copy(data, portal_long_side=PORTAL_LONG_SIDE, jpeg_quality=JPEG_QUALITY)
    return rendition.width, rendition.height


def _full(data: bytes, size: tuple[int, int] | None) -> tuple[int, int]:
    from listings.images import process_picture

    picture = process_picture(data, portal_long_side=PORTAL_LONG_SIDE, jpeg_quality=JPEG_QUALITY)
    return picture.portal.width, picture.portal.height


def _naive(data: bytes, size: tuple[int, int] | None) -> tuple[int, int]:
    import pillow_heif
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    assert size is not None
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))  # decodes the full picture
    if image.mode != "RGB":
        image = image.convert("RGB")
    image = image.resize(size, Image.Resampling.LANCZOS)
    image.save(io.BytesIO(), "JPEG", quality=JPEG_QUALITY)
    return image.size


def _libvips(data: bytes, size: tuple[int, int] | None) -> tuple[int, int]:
    import pyvips

    assert size is not None
    options = {"export_profile": "srgb"} if _has_profile(data) else {}
    image = pyvips.Image.thumbnail_buffer(data, size[0], height=size[1], size="force", **options)
    image.jpegsave_buffer(Q=JPEG_QUALITY, keep="none")
    return image.width, image.height


def _has_profile(data: bytes) -> bool:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    return bool(Image.open(io.BytesIO(data)).info.get("icc_profile"))


RUNNERS = {"ours": _ours, "naive": _naive, "libvips": _libvips, "full": _full}


def run_child(method: str, photo: Path, size: tuple[int, int] | None, repeat: int) -> dict:
    """Time `method` on `photo`; return the times in ms, the peak RSS and the output size."""
    sys.path.insert(0, str(ROOT))
    if method == "libvips":
        import pyvips

        pyvips.cache_set_max(0)  # otherwise repeats are answered from libvips' cache
    data = photo.read_bytes()
    runner = RUNNERS[method]
    try:
        out_size = runner(data, size)
    except Exception as error:  # a method that cannot read a photo is reported n/a
        return {"error": f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        runner(data, size)
        times.append((time.perf_counter() - start) * 1000)
    return {"times": times, "rss_mb": _peak_rss_mb(), "size": list(out_size)}


def _peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB.

    VmHWM, because Linux carries ru_maxrss over from the parent through fork and exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def components(photo: Path, repeat: int) -> None:
    """Print the time of each step on one photo, for the choices of docs/performance.md."""
    sys.path.insert(0, str(ROOT))
    from PIL import Image

    from listings import image_pixels

    data = photo.read_bytes()

    def timed(label: str, step: object) -> object:
        times, result = [], None
        for _ in range(repeat + 1):
            start = time.perf_counter()
            result = step()
            times.append((time.perf_counter() - start) * 1000)
        print(f"  {label:52} {statistics.median(times[1:]):6.1f} ms")
        return result

    def decode(draft: bool) -> Image.Image:
        image = Image.open(io.BytesIO(data))
        if draft:
            image.draft("RGB", target)
        image.load()
        return image

    with Image.open(io.BytesIO(data)) as header:
        scale = PORTAL_LONG_SIDE / max(header.size)
        target = (round(header.width * scale), round(header.height * scale))
    print(f"{photo.name}: {header.width}x{header.height} to {target[0]}x{target[1]}, median of {repeat} runs")
    full = timed("decode, full size", lambda: decode(False))
    drafted = timed("decode, JPEG draft at the target size", lambda: decode(True))
    print(f"  (draft decodes {drafted.width}x{drafted.height})")
    for name in ("LANCZOS", "BICUBIC", "BILINEAR"):
        resampling = Image.Resampling[name]
        timed(f"resize {name}: full decode, Image.resize", lambda r=resampling: full.resize(target, r))
        image_pixels.RESAMPLING = resampling
        timed(f"resize {name}: draft decode, ours (reduce, strips)", lambda: image_pixels.resize(drafted, target))
    image_pixels.RESAMPLING = Image.Resampling.BICUBIC
    portal = image_pixels.resize(drafted, target)
    for label, options in (
        ("baseline", {}),
        ("baseline, optimize", {"optimize": True}),
        ("progressive", {"progressive": True}),
        ("progressive, optimize", {"progressive": True, "optimize": True}),
    ):
        encoded = timed(f"encode q{JPEG_QUALITY} {label}", lambda o=options: _jpeg(portal, o))
        print(f"  {'':52} {len(encoded) / 1024:6.0f} KB")


def _jpeg(image: object, options: dict) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, **options)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Parent side: photos, processes, table
# ---------------------------------------------------------------------------
def generate_12mp_jpeg(path: Path) -> None:
    """Write a reproducible 4000x3000 photo-like JPEG (smooth areas, edges, grain, GPS EXIF)."""
    from PIL import Image, ImageDraw

    rng = random.Random(6)
    width, height = 4000, 3000
    image = Image.frombytes("RGB", (40, 30), rng.randbytes(40 * 30 * 3)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(50, 900), y + rng.randrange(50, 700)), outline=colour, width=6)
        draw.line((rng.randrange(width), rng.randrange(height), x, y), fill=colour, width=3)
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    image = Image.blend(image, grain, 0.08)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Bench", "Generated 12MP", 1
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)})
    image.save(path, "JPEG", quality=90, exif=exif)


def photos(corpus: Path, scratch: Path) -> list[Path]:
    found = sorted(p for p in corpus.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES) if corpus.is_dir() else []
    generated = scratch / "generated_12mp.jpg"
    generate_12mp_jpeg(generated)
    return [*found, generated]


def measure(method: str, photo: Path, size: tuple[int, int] | None, repeat: int) -> dict:
    """Run one child process; return what it measured, or {"error": ...}."""
    command = [sys.executable, __file__, "--child", method, "--photo", str(photo), "--repeat", str(repeat)]
    if size:
        command += ["--size", f"{size[0]}x{size[1]}"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "crashed"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def merge(runs: list[dict]) -> dict:
    """Return the median over all the times of several runs, and their highest peak RSS."""
    errors = [run["error"] for run in runs if "error" in run]
    if errors:
        return {"error": errors[0]}
    times = [t for run in runs for t in run["times"]]
    return {"ms": statistics.median(times), "rss_mb": max(run["rss_mb"] for run in runs), "size": runs[0]["size"]}


def _ms(result: dict) -> str:
    return f"{result['ms']:.0f}" if "ms" in result else "n/a"


def _ratio(first: dict, second: dict) -> float | None:
    return first["ms"] / second["ms"] if "ms" in first and "ms" in second else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per method and photo")
    parser.add_argument("--child", choices=METHODS)
    parser.add_argument("--photo", type=Path)
    parser.add_argument("--size")
    parser.add_argument("--components", type=Path, nargs="+", help="time each step on these photos instead")
    args = parser.parse_args()
    if args.components:
        for photo in args.components:
            components(photo, max(args.repeat, 9))
        return 0
    if args.child:
        size = tuple(int(n) for n in args.size.split("x")) if args.size else None
        print(json.dumps(run_child(args.child, args.photo, size, args.repeat)))
        return 0

    sys.path.insert(0, str(ROOT))
    from listings.images import inspect_picture

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        pictures = photos(args.corpus, Path(scratch))
        sizes: dict[Path, tuple[int, int]] = {}
        runs: dict[tuple[Path, str], list[dict]] = {}
        # Rounds interleave the methods, so a slow spell of this shared machine hits them all alike.
        for _round in range(args.rounds):
            for photo in pictures:
                for method in METHODS:
                    result = measure(method, photo, sizes.get(photo), args.repeat)
                    if method == "ours":
                        if "error" in result:
                            print(f"{photo.name}: our pipeline failed: {result['error']}", file=sys.stderr)
                            return 1
                        sizes[photo] = tuple(result["size"])
                    runs.setdefault((photo, method), []).append(result)
        rows = []
        for photo in pictures:
            header = inspect_picture(photo.read_bytes())
            results = {method: merge(runs[photo, method]) for method in METHODS}
            rows.append((photo.name, (header.width, header.height), sizes[photo], results))

    header = (
        f"{'photo':26} {'source':>10} {'portal':>10} {'ours':>6} {'naive':>6} {'libvips':>7} {'full':>6}"
        f" {'ours/naive':>10} {'ours/vips':>9}  peak RSS MB ours/naive/libvips/full"
    )
    print(
        f"times in ms: median of {args.rounds} rounds x {args.repeat} runs, each round a fresh process"
        " per method and photo that warms up once"
    )
    print(header)
    print("-" * len(header))
    naive_ratios, vips_ratios, full_times, peaks = [], [], [], []
    for name, source_size, size, results in rows:
        to_naive, to_vips = _ratio(results["ours"], results["naive"]), _ratio(results["ours"], results["libvips"])
        naive_ratios += [to_naive] if to_naive is not None else []
        vips_ratios += [to_vips] if to_vips is not None else []
        full_times += [results["full"]["ms"]] if "ms" in results["full"] else []
        peaks += [results[m]["rss_mb"] for m in ("ours", "full") if "rss_mb" in results[m]]
        rss = "/".join(f"{results[m]['rss_mb']:.0f}" if "rss_mb" in results[m] else "n/a" for m in METHODS)
        print(
            f"{name[:26]:26} {'x'.join(map(str, source_size)):>10} {'x'.join(map(str, size)):>10}"
            f" {_ms(results['ours']):>6} {_ms(results['naive']):>6} {_ms(results['libvips']):>7}"
            f" {_ms(results['full']):>6} {f'{to_naive:.2f}' if to_naive else 'n/a':>10}"
            f" {f'{to_vips:.2f}' if to_vips else 'n/a':>9}  {rss}"
        )
    for name, _source, _size, results in rows:
        for method in METHODS:
            if "error" in results[method]:
                print(f"n/a: {method} on {name}: {results[method]['error']}")
    if load_before > 0.5:
        print(
            f"note: the load average was {load_before:.1f} on {os.cpu_count()} cores before the run:"
            " other work slowed these figures."
        )
    if len(vips_ratios) < len(rows):
        print(f"ours/libvips is the median over the {len(vips_ratios)} photos libvips could read.")
    to_vips = f"{statistics.median(vips_ratios):.2f}" if vips_ratios else "n/a"
    print(
        f"images: ours/naive={statistics.median(naive_ratios):.2f} ours/libvips={to_vips}"
        f" full_ms={statistics.median(full_times):.0f} peak_rss_mb={max(peaks):.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
