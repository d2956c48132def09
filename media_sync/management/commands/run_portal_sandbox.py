"""Start the portal sandbox: ``python manage.py run_portal_sandbox --port 8001``.

The sandbox is a separate Django project (``portal_sandbox.settings``, its own SQLite
database), so this command replaces the current process with ``python -m portal_sandbox``
instead of serving it here: signals from honcho or Ctrl-C then reach the sandbox's
server directly and stop it cleanly.
"""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

PROJECT_ROOT = Path(__file__).resolve().parents[3]


class Command(BaseCommand):
    help = "Run the local stand-in of the portal (Aviv Classified API v4) on its own database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--quiet", action="store_true", help="no access log")

    def handle(self, *args, host: str, port: int, threads: int, quiet: bool, **options) -> None:
        argv = [sys.executable, "-m", "portal_sandbox", "--host", host, "--port", str(port), "--threads", str(threads)]
        if quiet:
            argv.append("--quiet")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal_sandbox.settings", "PYTHONUNBUFFERED": "1"}
        self.stdout.write(f"Portal sandbox on http://{host}:{port}/ (API under /caas/v4)")
        self.stdout.flush()
        os.chdir(PROJECT_ROOT)
        os.execve(sys.executable, argv, env)
