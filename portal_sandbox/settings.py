"""Settings of the portal sandbox: a separate Django project with its own SQLite database.

Every value comes from the environment with a development default. The demo client's
credentials are the product's development defaults, so the product talks to the
sandbox out of the box.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
# The sandbox holds no user data and signs nothing that leaves this machine,
# so a fixed development key is acceptable here (unlike in config.settings).
SECRET_KEY = os.environ.get("PORTAL_SANDBOX_SECRET_KEY", "portal-sandbox-not-a-secret")
DEBUG = os.environ.get("PORTAL_SANDBOX_DEBUG", "") == "1"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "portal_sandbox.urls"
WSGI_APPLICATION = "portal_sandbox.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "fr-fr"
USE_I18N = False

INSTALLED_APPS = ["portal_sandbox.apps.PortalSandboxConfig"]

# No sessions, no CSRF: the API is token-based and the control endpoints are
# deliberately open, as they only exist for tests and demos on localhost.
MIDDLEWARE = [
    "portal_sandbox.middleware.TraceparentMiddleware",
    "portal_sandbox.middleware.FaultInjectionMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]

# ---------------------------------------------------------------------------
# Database: its own SQLite file, so the sandbox state survives a restart
# ---------------------------------------------------------------------------
_default_db = BASE_DIR / "var" / "portal_sandbox.sqlite3"
SANDBOX_DB_PATH = Path(os.environ.get("PORTAL_SANDBOX_DB", str(_default_db)))
SANDBOX_DB_PATH.parent.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": SANDBOX_DB_PATH,
        # Request threads and the background processor write concurrently:
        # WAL plus IMMEDIATE transactions serialise writers without
        # "database is locked" errors on upgrade from a read lock.
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}

# ---------------------------------------------------------------------------
# Portal behaviour
# ---------------------------------------------------------------------------
PORTAL_CLIENT_ID = os.environ.get("PORTAL_CLIENT_ID", "mediaimmo-demo")
PORTAL_CLIENT_SECRET = os.environ.get("PORTAL_CLIENT_SECRET", "mediaimmo-demo-secret")
PORTAL_AUDIENCE = os.environ.get("PORTAL_AUDIENCE", "https://api.aviv-group.com/caas")
PORTAL_TOKEN_LIFETIME = 86400

# Seconds between two processing steps; 0.3 lets a demo show the statuses move.
PORTAL_SANDBOX_STEP_DELAY = float(os.environ.get("PORTAL_SANDBOX_STEP_DELAY", "0.3"))
PORTAL_SANDBOX_DOWNLOAD_TIMEOUT = float(os.environ.get("PORTAL_SANDBOX_DOWNLOAD_TIMEOUT", "10"))
PORTAL_SANDBOX_MAX_MEDIA_BYTES = int(os.environ.get("PORTAL_SANDBOX_MAX_MEDIA_BYTES", str(12 * 1024 * 1024)))

# ---------------------------------------------------------------------------
# Logging: one line per request comes from the server's access log
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "[portal-sandbox] %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "portal_sandbox": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
