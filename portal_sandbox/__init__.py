"""A stand-in for the Aviv Classified API v4, run as its own Django project.

The product cannot reach the real portal from a developer machine, so this package
serves the portal's public contract (OAuth token endpoint, ``/caas/v4`` classifieds API,
asynchronous statuses, media download rules) plus a preview of what the portal would
display. It has its own settings (``portal_sandbox.settings``), database and process:
start it with ``python -m portal_sandbox --port 8001``. See ``docs/portal-sandbox.md``.
"""
