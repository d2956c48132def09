"""Django application config of the portal sandbox."""

from django.apps import AppConfig


class PortalSandboxConfig(AppConfig):
    name = "portal_sandbox"
    label = "portal_sandbox"
    verbose_name = "Portal sandbox"
    default_auto_field = "django.db.models.BigAutoField"
