"""What we know about each listing's life on the portal: sync state, call history, media statuses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from media_sync import vocabulary as v


class ListingSync(models.Model):
    """One row per listing: the classified it is on the portal and where its sync stands.

    ``requested_version`` is raised by every sync request; ``synced_version`` is the
    request a finished run covered. The payload is built when a run starts, so a run that
    finds ``synced_version >= version`` has nothing newer to send (collapse). The lease
    (``lease_owner``/``lease_until``) makes sure one worker at a time sends a listing.
    """

    class State(models.TextChoices):
        NEW = "NEW", _("Not published yet")
        PENDING = "PENDING", _("Waiting to be sent")
        SENDING = "SENDING", _("Sending")
        PROCESSING = "PROCESSING", _("Sent, the portal is processing it")
        SYNCED = "SYNCED", _("Up to date on the portal")
        PORTAL_ERROR = "PORTAL_ERROR", _("The portal reported a problem")
        REJECTED = "REJECTED", _("Refused by the portal")
        FAILED = "FAILED", _("Could not reach the portal")

    listing = models.OneToOneField(
        "listings.Listing", verbose_name=_("listing"), related_name="portal_sync", on_delete=models.CASCADE
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NEW)
    classified_id = models.CharField(_("portal classified id"), max_length=64, blank=True)
    etag = models.CharField(_("ETag"), max_length=100, blank=True)
    requested_version = models.PositiveBigIntegerField(_("requested version"), default=0)
    synced_version = models.PositiveBigIntegerField(_("synced version"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last requested by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    requested_at = models.DateTimeField(_("last requested at"), null=True, blank=True)

    last_accepted_hash = models.CharField(_("hash of the last accepted payload"), max_length=64, blank=True)
    last_accepted_payload = models.JSONField(_("last accepted payload"), null=True, blank=True)
    # {url: media id} of the last accepted payload, to match the portal's media statuses.
    last_accepted_media = models.JSONField(_("media of the last accepted payload"), default=dict, blank=True)
    last_accepted_at = models.DateTimeField(_("last accepted at"), null=True, blank=True)
    last_traceparent = models.CharField(_("traceparent of the last accepted call"), max_length=64, blank=True)

    error = models.TextField(_("error"), blank=True)
    # [{"name": JSON pointer, "reason", "field": listing field or "", "media_id": id or None}]
    field_errors = models.JSONField(_("errors per field or media"), default=list, blank=True)

    portal_status = models.CharField(_("portal status"), max_length=40, blank=True)
    portal_message = models.TextField(_("portal message"), blank=True)
    portal_revision = models.PositiveIntegerField(_("portal revision"), null=True, blank=True)
    portal_status_at = models.DateTimeField(_("portal status date"), null=True, blank=True)
    awaiting_status = models.BooleanField(_("waiting for the portal's final status"), default=False)
    has_portal_errors = models.BooleanField(_("portal errors"), default=False, db_index=True)

    lease_owner = models.CharField(_("sent by"), max_length=100, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("portal sync")
        verbose_name_plural = _("portal syncs")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["NEW", "PENDING", "SENDING", "PROCESSING", "SYNCED",
                                                          "PORTAL_ERROR", "REJECTED", "FAILED"]),
                                   name="listing_sync_state_valid"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.get_state_display()}"

    @property
    def needs_action(self) -> bool:
        """Return whether the agent has something to fix or retry."""
        return self.state in {self.State.FAILED, self.State.REJECTED, self.State.PORTAL_ERROR} or self.has_portal_errors


class SyncAttempt(models.Model):
    """One call to the portal for a listing: the history the agent and support read."""

    class Outcome(models.TextChoices):
        IN_FLIGHT = "IN_FLIGHT", _("In flight")
        ACCEPTED = "ACCEPTED", _("Accepted")
        RETRYING = "RETRYING", _("Failed, will retry")
        FAILED = "FAILED", _("Failed")
        REJECTED = "REJECTED", _("Refused")
        CONFLICT = "CONFLICT", _("Changed elsewhere (412)")
        DUPLICATE = "DUPLICATE", _("Already on the portal")
        INTERRUPTED = "INTERRUPTED", _("Interrupted (outcome unknown)")
        READ = "READ", _("Read")

    listing = models.ForeignKey(
        "listings.Listing", verbose_name=_("listing"), related_name="sync_attempts", on_delete=models.CASCADE
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=200)
    classified_id = models.CharField(_("classified id"), max_length=64, blank=True)
    payload_hash = models.CharField(_("payload hash"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    traceparent = models.CharField(_("traceparent"), max_length=64, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    portal_status = models.CharField(_("portal status"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("portal call")
        verbose_name_plural = _("portal calls")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["listing", "-started_at"], name="sync_attempt_listing_recent")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.http_status or self.get_outcome_display()}"

    @property
    def is_write(self) -> bool:
        """Return whether the call sent the classified (POST or PUT)."""
        return self.method in {"POST", "PUT"}

    def change_text(self) -> str:
        """Return the change summary of a write in plain words."""
        from media_sync.diff import ChangeSummary

        return ChangeSummary.from_dict(self.changes).text() if self.changes else ""


class MediaPortalStatus(models.Model):
    """The portal's last final status of one media URL of a listing."""

    listing = models.ForeignKey(
        "listings.Listing", verbose_name=_("listing"), related_name="media_portal_statuses", on_delete=models.CASCADE
    )
    media = models.ForeignKey(
        "listings.Media",
        verbose_name=_("media"),
        related_name="portal_statuses",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    url = models.TextField(_("URL"))
    status = models.CharField(_("portal status"), max_length=32)
    revision = models.PositiveIntegerField(_("portal revision"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Our own check of the URL from outside, when the portal could not download it.
    url_checked_at = models.DateTimeField(_("URL checked at"), null=True, blank=True)
    url_works = models.BooleanField(_("URL works now"), null=True, blank=True)
    url_check_detail = models.CharField(_("URL check"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("media portal status")
        verbose_name_plural = _("media portal statuses")
        ordering = ["listing", "id"]
        indexes = [models.Index(fields=["listing", "status"], name="media_portal_status_listing")]

    def __str__(self) -> str:
        return f"{self.url} {self.status}"

    @property
    def is_error(self) -> bool:
        """Return whether the portal asks for an action on this media."""
        return self.status in v.MEDIA_ERROR_STATUSES
