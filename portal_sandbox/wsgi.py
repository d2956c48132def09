"""WSGI entry point of the portal sandbox (served by ``python -m portal_sandbox``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "portal_sandbox.settings"

application = get_wsgi_application()
