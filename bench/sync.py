"""Measure the sync engine: payload building at scale, and calls and downloads of an agent session.

    python bench/sync.py                       # from the project root (about a minute and a half)
    python bench/sync.py --listings 1000       # smaller part (a)

Self-contained: a temporary directory holds a SQLite database, media files, the portal
sandbox (``python -m portal_sandbox``) and the product's server (``manage.py runserver``)
from which the sandbox downloads our public media URLs.

(a) Build and hash the payloads of N listings of M media each, by batches of 1,000 as
    ``sync_listings`` does: time per listing, and queries per 1,000 listings (the same
    with 2 media as with 20: they do not grow with the media).
(b) A scripted agent session of 30 edits over 3 saves on a new listing (uploads, captions,
    a video link, moves, rotations, categories, listing fields, deletions, a replacement),
    sent by our engine (one call per save that changed something) and, in the same run, by
    a naive integrator on a twin classified: one POST/PUT per edit, URL timestamps from the
    media's ``updated_at`` (to the microsecond, so that its count does not depend on how
    fast the script runs). We count write calls (POST and PUT) and the downloads the
    sandbox made of each one's URLs; "content changes" are new files, rotations and
    replacements.

The last line reads:
sync: build_ms_per_listing=<x> queries_per_1000=<n> calls=<ours>/<naive> downloads=<ours>/<naive>
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH = 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_http(url: str, *, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer") from None
            time.sleep(0.2)


def configure(tmp: Path, *, sandbox_port: int, app_port: int) -> dict[str, str]:
    """Point this process (and the servers it starts) at the temporary directory."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(tmp / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "CACHE_URL": "",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_DIR": str(tmp / "broker"),
        "PORTAL_BASE_URL": f"http://127.0.0.1:{sandbox_port}/caas/v4",
        "PORTAL_TOKEN_URL": f"http://127.0.0.1:{sandbox_port}/oauth/token",
        "PUBLIC_MEDIA_BASE_URL": f"http://127.0.0.1:{app_port}",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


# ---------------------------------------------------------------------------
# (a) building and hashing at scale
# ---------------------------------------------------------------------------
def seed_listings(count: int, media_per_listing: int, *, prefix: str) -> list[int]:
    from listings.models import Agency, Listing, Media

    agency = Agency.objects.create(
        name=f"Bench {prefix}", intermediary_id=f"BENCH-{prefix}", offerer_marketing_key="MK-BENCH"
    )
    Listing.objects.bulk_create(
        [
            Listing(agency=agency, reference=f"{prefix}-{n}", title=f"Appartement {n}", description="Lumineux.",
                    price=200000 + n, living_area=55.5, rooms=3, bedrooms=2, street="rue Paradis",
                    house_number=str(n), postal_code="13006", city="Marseille", dpe_class="C", ges_class="B")
            for n in range(count)
        ],
        batch_size=2000,
    )  # fmt: skip
    ids = list(Listing.objects.filter(agency=agency).order_by("pk").values_list("pk", flat=True))
    version = dt.datetime(2026, 2, 13, 9, 25, 57, tzinfo=dt.UTC)
    kinds = ["PICTURE"] * max(1, media_per_listing - 2) + ["VIDEO", "VIRTUAL_TOUR"]
    rows = []
    for listing_id in ids:
        for position in range(media_per_listing):
            kind = kinds[position % len(kinds)]
            external = kind != "PICTURE"
            rows.append(Media(
                listing_id=listing_id, kind=kind, position=position, category="LIVING_ROOM" if position else "MISC",
                tags=["INDOOR"], title="" if position % 3 else f"Pièce {position}", processing_status="READY",
                original="" if external else f"originals/{listing_id}/{position}.jpg",
                external_url=f"https://vimeo.com/{listing_id}{position}" if external else "",
                content_version=None if external else version, content_type="" if external else "image/jpeg",
            ))  # fmt: skip
            if len(rows) >= 20000:
                Media.objects.bulk_create(rows)
                rows = []
    Media.objects.bulk_create(rows)
    return ids


def measure_build(ids: list[int]) -> tuple[float, int]:
    """Return (ms per listing, queries per batch of 1,000) for building and hashing `ids`."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from media_sync.building import build_payloads

    queries_per_batch = []
    started = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        with CaptureQueriesContext(connection) as captured:
            built = build_payloads(ids[start : start + BATCH])
        assert all(item.hash for item in built.values())
        queries_per_batch.append(len(captured))
        reset_queries()
    elapsed = time.perf_counter() - started
    return elapsed * 1000 / len(ids), max(queries_per_batch)


# ---------------------------------------------------------------------------
# (b) an agent session: 30 edits over 3 saves
# ---------------------------------------------------------------------------
class Naive:
    """An integrator that PUTs after every edit, its URL timestamps taken from ``updated_at``."""

    def __init__(self, listing) -> None:
        from media_sync.portal import PortalClient

        self.listing = listing
        self.client = PortalClient(intermediary_id=listing.agency.intermediary_id)
        self.classified_id = ""
        self.writes = 0

    def payload(self) -> dict:
        from django.conf import settings

        from listings.models import Media
        from media_sync.building import source_system
        from media_sync.payload import ListingSnapshot, MediaSnapshot, build_classified
        from media_sync.public_media import public_media_url
        from media_sync.snapshots import listing_snapshots

        loaded = listing_snapshots([self.listing.pk], media_base_url=settings.PUBLIC_MEDIA_BASE_URL)[self.listing.pk]
        rows = {m.pk: m for m in Media.objects.filter(listing=self.listing)}
        media = []
        for item in loaded.snapshot.media:
            row = rows[item.media_id]
            url = item.url
            if not row.external_url:
                # Served by the same view (it reads `timestamp`); what changes is updated_at.
                url = (
                    public_media_url(
                        base_url=settings.PUBLIC_MEDIA_BASE_URL,
                        public_key=row.public_key,
                        content_version=row.content_version,
                    )
                    + f"&updated={row.updated_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S.%f}"
                )
            else:
                url = f"{url}{'&' if '?' in url else '?'}naive=1"
            media.append(
                MediaSnapshot(item.media_id, item.kind, item.position, url, item.category, item.tags, item.title)
            )
        fields = {name: getattr(loaded.snapshot, name) for name in ListingSnapshot.__slots__}
        snapshot = ListingSnapshot(**{**fields, "reference": fields["reference"] + "-naive", "media": tuple(media)})
        return build_classified(snapshot, source=source_system())

    def send(self) -> None:
        self.writes += 1
        if not self.classified_id:
            self.classified_id = self.client.create_classified(self.payload()).classified_id
        else:
            self.client.update_classified(self.classified_id, self.payload())


def session(listing, naive: Naive) -> int:
    """Play 30 edits over 3 saves; return how many content changes (new files, rotations, replacements) they made."""
    from listings.media import delete_media, reorder_media, update_media_details
    from listings.models import Listing, Media
    from listings.pictures import add_picture, replace_picture, rotate_picture

    content_changes = 0
    rng = random.Random(7)

    def picture() -> bytes:
        from PIL import Image

        image = Image.effect_noise((1200, 900), rng.randint(20, 90)).convert("RGB")
        output = io.BytesIO()
        image.save(output, format="JPEG", quality=80)
        return output.getvalue()

    def pictures() -> list[Media]:
        return list(Media.objects.filter(listing=listing, kind="PICTURE").order_by("position"))

    def caption(index: int, text: str) -> None:
        media = pictures()[index]
        update_media_details(media, title=text, category=media.category, tags=media.tags)

    def upload() -> None:
        nonlocal content_changes
        add_picture(listing, upload=io.BytesIO(picture()), filename="photo.jpg", process_inline=True)
        content_changes += 1

    def rotate(index: int) -> None:
        nonlocal content_changes
        rotate_picture(pictures()[index], quarter_turns=1)
        content_changes += 1

    def replace(index: int) -> None:
        nonlocal content_changes
        replace_picture(pictures()[index], upload=io.BytesIO(picture()), filename="new.jpg")
        content_changes += 1

    def move_to_front(index: int) -> None:
        ids = [m.pk for m in Media.objects.filter(listing=listing).order_by("position")]
        ids.insert(0, ids.pop(index))
        reorder_media(listing, media_ids=ids)

    def categorize(index: int, category: str) -> None:
        media = pictures()[index]
        update_media_details(media, title=media.title, category=category, tags=[category])

    def video() -> None:
        Media.objects.create(listing=listing, kind="VIDEO", position=999, external_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                             processing_status="READY")  # fmt: skip

    def field(**values) -> None:
        Listing.objects.filter(pk=listing.pk).update(**values)

    saves: list[list[Callable[[], None]]] = [
        [upload, upload, upload, upload, upload, upload, lambda: caption(0, "Séjour traversant"),
         lambda: caption(1, "Cuisine équipée"), lambda: caption(2, "Chambre sur cour"), video],
        [lambda: caption(3, "Salle d'eau"), lambda: caption(4, "Balcon"), lambda: caption(5, "Entrée"),
         lambda: move_to_front(2), lambda: move_to_front(4), lambda: rotate(1), lambda: categorize(3, "BATHROOM"),
         lambda: categorize(4, "BALCONY"), lambda: field(price=279000), lambda: field(title="T3 rénové, balcon")],
        [lambda: delete_media(pictures()[5]), lambda: delete_media(pictures()[4]), upload, upload, lambda: replace(0),
         lambda: caption(4, "Vue dégagée"), lambda: caption(5, "Deuxième chambre"), lambda: caption(1, "Séjour"),
         lambda: rotate(2), lambda: field(description="Refait à neuf, calme absolu.")],
    ]  # fmt: skip
    for save in saves:
        for edit in save:
            edit()
            naive.send()
        ours_save(listing)
    return content_changes


def ours_save(listing) -> None:
    from media_sync.sync import sync_listing

    sync_listing(listing.pk)


def wait_idle(base: str, *, timeout: float = 120) -> dict:
    import requests

    deadline = time.monotonic() + timeout
    while True:
        stats = requests.get(f"{base}/_sandbox/stats", timeout=10).json()
        if stats["pending_revisions"] == 0:
            return stats
        if time.monotonic() > deadline:
            raise RuntimeError("the sandbox did not finish processing")
        time.sleep(0.2)


def measure_session(
    tmp: Path, env: dict[str, str], *, sandbox_port: int, app_port: int
) -> tuple[int, int, int, int, int]:
    """Return (our writes, naive writes, our downloads, naive downloads, content changes)."""
    from django.conf import settings

    sandbox_env = {**os.environ, **env, "PORTAL_SANDBOX_DB": str(tmp / "sandbox.sqlite3"), "PORTAL_SANDBOX_STEP_DELAY": "0",
                   "DJANGO_SETTINGS_MODULE": "portal_sandbox.settings"}  # fmt: skip
    with open(tmp / "sandbox.log", "wb") as sandbox_log, open(tmp / "app.log", "wb") as app_log:
        servers = [
            subprocess.Popen([sys.executable, "-m", "portal_sandbox", "--port", str(sandbox_port), "--quiet"], cwd=ROOT,
                             env=sandbox_env, stdout=subprocess.DEVNULL, stderr=sandbox_log),
            subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{app_port}", "--noreload"], cwd=ROOT,
                             env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=app_log),
        ]  # fmt: skip
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    try:
        wait_http(f"{sandbox}/_sandbox/stats")
        wait_http(f"{settings.PUBLIC_MEDIA_BASE_URL}/m/none.jpg")
        from listings.models import Agency, Listing
        from media_sync.models import SyncAttempt

        agency = Agency.objects.create(
            name="Agence du Port", intermediary_id="INT-SESSION", offerer_marketing_key="MK-1"
        )
        listing = Listing.objects.create(agency=agency, reference="SESSION-1", title="T3 lumineux", price=289000,
                                         postal_code="13002", city="Marseille", living_area=68)  # fmt: skip
        naive = Naive(listing)
        changes = session(listing, naive)
        stats = wait_idle(sandbox)
        by_url = stats["downloads"]["by_url"]
        naive_downloads = sum(n for url, n in by_url.items() if "&updated=" in url or "naive=1" in url)
        our_downloads = sum(by_url.values()) - naive_downloads
        our_writes = SyncAttempt.objects.filter(listing=listing, method__in=("POST", "PUT"), outcome="ACCEPTED").count()
        sandbox_writes = stats["calls"]["by_method"].get("POST", 0) + stats["calls"]["by_method"].get("PUT", 0)
        assert sandbox_writes == our_writes + naive.writes, (sandbox_writes, our_writes, naive.writes)
        return our_writes, naive.writes, our_downloads, naive_downloads, changes
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--media", type=int, default=20)
    parser.add_argument("--skip-session", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as directory:
        tmp = Path(directory)
        sandbox_port, app_port = free_port(), free_port()
        env = configure(tmp, sandbox_port=sandbox_port, app_port=app_port)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)

        print(f"(a) seeding {args.listings} listings of {args.media} media...", file=sys.stderr)
        ids = seed_listings(args.listings, args.media, prefix="A")
        few_ids = seed_listings(min(args.listings, BATCH), 2, prefix="B")
        ms_per_listing, queries = measure_build(ids)
        _ms, queries_few_media = measure_build(few_ids)
        print(f"(a) build+hash: {ms_per_listing:.3f} ms/listing; queries per {BATCH} listings: {queries} "
              f"({queries_few_media} with 2 media each)", file=sys.stderr)  # fmt: skip
        if queries != queries_few_media:
            print("(a) WARNING: queries grow with the number of media", file=sys.stderr)

        if args.skip_session:
            print(f"sync: build_ms_per_listing={ms_per_listing:.3f} queries_per_1000={queries} calls=-/- downloads=-/-")
            return
        print("(b) agent session against the sandbox...", file=sys.stderr)
        ours, naive, our_dl, naive_dl, changes = measure_session(tmp, env, sandbox_port=sandbox_port, app_port=app_port)
        print(f"(b) saves=3 content_changes={changes} writes ours={ours} naive={naive} downloads ours={our_dl} naive={naive_dl}",
              file=sys.stderr)  # fmt: skip
        print(
            f"sync: build_ms_per_listing={ms_per_listing:.3f} queries_per_1000={queries} "
            f"calls={ours}/{naive} downloads={our_dl}/{naive_dl}"
        )


if __name__ == "__main__":
    main()
