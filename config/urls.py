"""URLs of the product: the agent's pages, the back office, public media and languages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("media_sync.urls")),
    path("", include("listings.urls")),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Local storage only: thumbnails under unguessable names. On S3 the bucket serves them.
    def serve_media(request, path: str):
        # MEDIA_ROOT is read at each request, not at import, so that a settings change applies.
        return serve(request, path, document_root=settings.MEDIA_ROOT)

    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(re_path(rf"^{prefix}(?P<path>.*)$", serve_media))
