from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaSyncConfig(AppConfig):
    name = "media_sync"
    verbose_name = _("Portal synchronisation")
