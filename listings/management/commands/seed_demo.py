"""`python manage.py seed_demo`: create the demo agency, logins and listings (idempotent)."""

from django.core.management.base import BaseCommand

from listings.demo import DEMO_AGENT, DEMO_STAFF, seed_demo


class Command(BaseCommand):
    help = "Create a demo agency, an agent and a staff login, and three listings with pictures."

    def handle(self, *args, **options) -> None:
        created = seed_demo()
        self.stdout.write(", ".join(f"{count} {name} created" for name, count in created.items()))
        self.stdout.write(f"Agent login: {DEMO_AGENT[0]} / {DEMO_AGENT[1]}  (http://127.0.0.1:8000/)")
        self.stdout.write(f"Staff login: {DEMO_STAFF[0]} / {DEMO_STAFF[1]}  (http://127.0.0.1:8000/admin/)")
