"""Send many listings to the portal: ``sync_listings [--agency X | --all] [--dry-run] [--now]``.

Payloads are built and hashed by batches in a fixed number of queries (whatever the
number of media); listings whose payload equals the last one the portal accepted cost
no call at all. Changed listings are queued for the workers (or sent in this process
with ``--now``); ``--dry-run`` only says what would be sent.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from listings.models import Agency, Listing
from media_sync.building import build_payloads
from media_sync.diff import summarize_changes
from media_sync.models import ListingSync
from media_sync.portal import PortalUnavailable
from media_sync.sync import request_sync, sync_listing


class Command(BaseCommand):
    help = "Send listings whose portal payload changed (unchanged ones cost no call)."

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--agency", help="Agency id, portal intermediary id or exact name.")
        scope.add_argument("--all", action="store_true", help="Every listing of every active agency.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be sent; send nothing.")
        parser.add_argument("--now", action="store_true", help="Send in this process instead of queueing tasks.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options) -> None:
        listings = Listing.objects.filter(agency__is_active=True)
        if options["agency"]:
            listings = listings.filter(agency=self._agency(options["agency"]))
        ids = list(listings.order_by("pk").values_list("pk", flat=True))
        counts = {"unchanged": 0, "changed": 0, "sent": 0, "failed": 0}
        batch_size = max(1, options["batch_size"])
        with tqdm(total=len(ids), unit="listing", disable=options["verbosity"] == 0) as progress:
            for start in range(0, len(ids), batch_size):
                batch = ids[start : start + batch_size]
                self._batch(batch, options, counts)
                progress.update(len(batch))
        self.stdout.write(
            f"{len(ids)} listings: {counts['unchanged']} unchanged, {counts['changed']} changed"
            + ("" if options["dry_run"] else f", {counts['sent']} sent or queued, {counts['failed']} failed")
        )

    def _agency(self, value: str) -> Agency:
        found = Agency.objects.filter(
            Q(intermediary_id=value) | Q(name=value) | Q(pk=int(value) if value.isdigit() else None)
        )
        agency = found.first()
        if agency is None:
            raise CommandError(f"No agency {value!r} (give its id, intermediary id or name).")
        return agency

    def _batch(self, batch: list[int], options: dict, counts: dict) -> None:
        built = build_payloads(batch)
        syncs = {
            row["listing_id"]: row
            for row in ListingSync.objects.filter(listing_id__in=batch).values(
                "listing_id", "classified_id", "last_accepted_hash", "last_accepted_payload", "state"
            )
        }
        for listing_id, item in built.items():
            sync = syncs.get(listing_id) or {}
            unchanged = (
                sync.get("classified_id")
                and sync.get("last_accepted_hash") == item.hash
                and sync.get("state") not in (ListingSync.State.FAILED,)
            )
            if unchanged:
                counts["unchanged"] += 1
                continue
            counts["changed"] += 1
            if options["dry_run"]:
                previous = sync.get("last_accepted_payload") if sync.get("classified_id") else None
                summary = summarize_changes(previous, item.payload)
                self.stdout.write(f"{item.loaded.snapshot.reference}: {summary.text()}")
            elif options["now"]:
                self._send_now(listing_id, counts)
            else:
                with transaction.atomic():
                    request_sync(Listing(pk=listing_id))
                counts["sent"] += 1

    def _send_now(self, listing_id: int, counts: dict) -> None:
        from media_sync.tasks import STATUS_DELAYS, poll_portal_status_task

        try:
            outcome = sync_listing(listing_id, force=False)
        except PortalUnavailable as error:
            counts["failed"] += 1
            self.stderr.write(f"listing {listing_id}: {error}")
            return
        if outcome.sent:
            counts["sent"] += 1
            poll_portal_status_task.apply_async((listing_id,), countdown=STATUS_DELAYS[0])
        elif outcome.reason in ("rejected", "failed", "conflict"):
            counts["failed"] += 1
