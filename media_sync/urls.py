"""Public URLs the portal downloads media from, and sync actions."""

app_name = "media_sync"
urlpatterns: list = []
