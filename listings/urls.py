"""The agent's pages and the media manager's endpoints."""

from django.urls import path

from listings.views import listings, manager, uploads

app_name = "listings"
urlpatterns = [
    path("", listings.listing_list, name="list"),
    path("listings/new/", listings.listing_create, name="create"),
    path("listings/<int:pk>/edit/", listings.listing_edit, name="edit"),
    path("listings/<int:pk>/media/", manager.media_manager, name="media"),
    path("listings/<int:pk>/media/discard/", manager.discard, name="discard"),
    path("listings/<int:pk>/media/preview/", manager.preview, name="preview"),
    path("listings/<int:pk>/media/upload/", uploads.upload, name="upload"),
    path("listings/<int:pk>/media/links/", uploads.link, name="link"),
    path("listings/<int:pk>/sync/retry/", manager.retry_sync, name="retry-sync"),
    path("media/<int:pk>/", uploads.media_status, name="media-status"),
]
