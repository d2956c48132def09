"""Run the portal sandbox: ``python -m portal_sandbox --port 8001 [--host 127.0.0.1]``.

Migrates the sandbox's own SQLite database, then serves it until SIGTERM or SIGINT.
"""

import argparse
import os


def main() -> None:
    """Parse the command line, migrate and serve."""
    parser = argparse.ArgumentParser(prog="python -m portal_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args()

    # Forced, not defaulted: the product's environment (.env) names config.settings.
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal_sandbox.settings"
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    # The server forks its worker: it must not inherit the migration's connection.
    connections.close_all()

    from portal_sandbox.server import SandboxServer

    SandboxServer(host=args.host, port=args.port, threads=args.threads, access_log=not args.quiet).run()


if __name__ == "__main__":
    main()
