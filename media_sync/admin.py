"""Back office of the portal sync: per-listing state, call history, "retry now"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from listings.models import Listing
from media_sync.models import ListingSync, MediaPortalStatus, SyncAttempt
from media_sync.selectors import portal_errors_q
from media_sync.sync import retry_sync


class PortalErrorFilter(admin.SimpleListFilter):
    """Listings with portal errors: failed or refused sync, or media errors reported by the portal."""

    title = _("portal")
    parameter_name = "portal"

    def lookups(self, request, model_admin):
        return [("errors", _("Listings with portal errors")), ("pending", _("Waiting to be sent"))]

    def queryset(self, request, queryset):
        prefix = "" if queryset.model is ListingSync else "portal_sync__"
        if self.value() == "errors":
            return queryset.filter(portal_errors_q(prefix))
        if self.value() == "pending":
            return queryset.filter(**{f"{prefix}state__in": [ListingSync.State.PENDING, ListingSync.State.SENDING]})
        return queryset


def retry_listings(request: HttpRequest, listings: QuerySet[Listing]) -> int:
    """Ask a forced sync of each listing; return how many."""
    count = 0
    for listing in listings:
        retry_sync(listing, requested_by=request.user)
        count += 1
    return count


@admin.action(description=_("Send to the portal again now"))
def retry_now_action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    """Admin action shared by the listing and the sync admins."""
    listings = queryset if queryset.model is Listing else Listing.objects.filter(portal_sync__in=queryset)
    count = retry_listings(request, listings)
    modeladmin.message_user(
        request,
        ngettext("%(count)d listing will be sent again.", "%(count)d listings will be sent again.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(ListingSync)
class ListingSyncAdmin(admin.ModelAdmin):
    list_display = ["listing", "state", "portal_status", "has_portal_errors", "classified_id", "last_accepted_at",
                    "error_excerpt"]  # fmt: skip
    list_filter = [PortalErrorFilter, "state", "portal_status", "listing__agency"]
    list_select_related = ["listing"]
    search_fields = ["listing__reference", "listing__title", "classified_id", "last_traceparent"]
    actions = [retry_now_action]
    readonly_fields = [
        "listing", "history", "media_statuses", "state", "classified_id", "etag", "requested_version", "synced_version", "requested_by",
        "requested_at", "last_accepted_hash", "last_accepted_at", "last_traceparent", "error", "field_errors",
        "portal_status", "portal_message", "portal_revision", "portal_status_at", "awaiting_status",
        "has_portal_errors", "lease_owner", "lease_until", "last_accepted_payload",
    ]  # fmt: skip
    exclude = ["last_accepted_media"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("calls to the portal"))
    def history(self, sync: ListingSync) -> str:
        attempts = SyncAttempt.objects.filter(listing_id=sync.listing_id).select_related("requested_by")[:50]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            (
                (a.started_at, a.requested_by or "–", a.method, a.path, a.get_outcome_display(), a.http_status or "–",
                 a.change_text() or "–", a.traceparent or "–", a.error or "")
                for a in attempts
            ),
        )  # fmt: skip
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>HTTP</th><th>{}</th><th>traceparent</th>"
            "<th>{}</th></tr>{}</table>",
            _("when"), _("saved by"), _("call"), _("outcome"), _("changes"), _("error"), rows,
        )  # fmt: skip

    @admin.display(description=_("media statuses"))
    def media_statuses(self, sync: ListingSync) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (row.media_id or "–", row.status, row.url, row.url_check_detail or "")
                for row in MediaPortalStatus.objects.filter(listing_id=sync.listing_id)
            ),
        )
        return format_html("<table>{}</table>", rows)

    @admin.display(description=_("error"))
    def error_excerpt(self, sync: ListingSync) -> str:
        return (sync.error[:120] + "…") if len(sync.error) > 120 else sync.error


@admin.register(SyncAttempt)
class SyncAttemptAdmin(admin.ModelAdmin):
    """The history of every call to the portal."""

    list_display = ["started_at", "listing_link", "requested_by", "method", "outcome", "http_status", "change_text",
                    "duration_ms", "traceparent"]  # fmt: skip
    list_filter = ["method", "outcome", "http_status"]
    list_select_related = ["listing", "requested_by"]
    search_fields = ["listing__reference", "classified_id", "traceparent", "payload_hash"]
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [f.name for f in SyncAttempt._meta.fields] + ["change_text"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("listing"), ordering="listing__reference")
    def listing_link(self, attempt: SyncAttempt) -> str:
        return format_html(
            '<a href="../../listings/listing/{}/change/">{}</a>', attempt.listing_id, attempt.listing.reference
        )

    @admin.display(description=_("changes"))
    def change_text(self, attempt: SyncAttempt) -> str:
        return attempt.change_text()
