"""Routes of the portal sandbox: paths as on the real portal, plus its own pages."""

from django.urls import path

from portal_sandbox.views import api, control, oauth, pages

urlpatterns = [
    path("oauth/token", oauth.token, name="token"),
    path("caas/v4/classifieds", api.classifieds_collection, name="classifieds"),
    path("caas/v4/classifieds/<str:classified_id>", api.classified_item, name="classified"),
    path("caas/v4/classifieds/<str:classified_id>/statuses", api.classified_statuses, name="statuses"),
    path("caas/v4/webhooks", api.webhooks, name="webhooks"),
    path("caas/v4/<path:rest>", api.unknown_endpoint),
    path("", pages.index, name="index"),
    path("classifieds/<uuid:classified_id>/preview", pages.preview, name="preview"),
    path("_sandbox/media/<int:media_id>.jpg", pages.rendition, name="rendition"),
    path("_sandbox/stats", control.stats_view, name="stats"),
    path("_sandbox/faults", control.faults_view, name="faults"),
    path("_sandbox/reset", control.reset_view, name="reset"),
    path("_sandbox/classifieds/<uuid:classified_id>", control.classified_view, name="inspect"),
]
