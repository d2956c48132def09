"""Public URLs the portal downloads media from, and sync actions."""

from django.urls import re_path

from media_sync import views
from media_sync.public_media import PUBLIC_PATH_PREFIX

app_name = "media_sync"
urlpatterns = [
    re_path(
        rf"^{PUBLIC_PATH_PREFIX}(?P<public_key>[A-Za-z0-9_-]{{8,64}})\.(?P<extension>[a-z0-9]{{2,5}})$",
        views.public_media,
        name="public_media",
    ),
]
