"""`python manage.py purge_stale_drafts [--hours 24]`: delete uploads nobody saved nor discarded."""

from django.core.management.base import BaseCommand

from listings.manager import purge_stale_drafts


class Command(BaseCommand):
    help = "Delete draft media (uploaded in the media manager, never saved) older than --hours, with their files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--hours", type=float, default=24.0, help="Age in hours past which a draft is stale.")

    def handle(self, *args, hours: float, **options) -> None:
        count = purge_stale_drafts(older_than_hours=hours)
        self.stdout.write(f"{count} stale draft(s) deleted.")
