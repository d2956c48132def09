"""What the sandbox portal remembers: classifieds, their revisions and media, and the logs
that tests and demos inspect (tokens, calls, downloads, faults).

Counters are derived from insert-only logs rather than kept in counter rows, so that
concurrent requests never lose an increment.
"""

import uuid

from django.db import models
from django.db.models import Q


class Classified(models.Model):
    """A classified as the portal holds it: the last accepted payload and its ETag."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client_id = models.CharField(max_length=200)
    intermediary_id = models.CharField(max_length=200)
    offerer_estate_id = models.CharField(max_length=512)
    payload = models.JSONField()
    revision = models.PositiveIntegerField(default=1)
    # Kept apart from the revision because the "rotate ETag" fault changes it alone.
    etag_version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client_id", "intermediary_id", "offerer_estate_id"],
                condition=Q(deleted_at__isnull=True),
                name="sandbox_unique_live_offerer_estate_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.offerer_estate_id} ({self.id})"

    @property
    def etag(self) -> str:
        """Return the ETag header value: a quoted number, as the specification shows."""
        return f'"{self.etag_version}"'


class Revision(models.Model):
    """One accepted POST, PUT or DELETE, waiting for or done by the background processor."""

    class Operation(models.TextChoices):
        CREATE = "POST"
        UPDATE = "PUT"
        DELETE = "DELETE"

    class State(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        DONE = "done"

    classified = models.ForeignKey(Classified, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    operation = models.CharField(max_length=6, choices=Operation.choices)
    payload = models.JSONField(null=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classified", "number"], name="sandbox_unique_revision")]

    def __str__(self) -> str:
        return f"{self.classified_id} r{self.number} {self.operation}"


class StatusEvent(models.Model):
    """One item of a classified's status history (ClassifiedStatusInternal)."""

    classified = models.ForeignKey(Classified, on_delete=models.CASCADE, related_name="status_events")
    status_id = models.UUIDField(default=uuid.uuid4, editable=False)
    revision = models.PositiveIntegerField()
    status = models.CharField(max_length=40)
    sub_status = models.CharField(max_length=40, blank=True)
    message = models.TextField()
    media_statuses = models.JSONField(default=list)
    status_date = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.classified_id} r{self.revision} {self.status}"


class PortalMedia(models.Model):
    """A media of a classified as processed by the portal, identified by its URL string."""

    classified = models.ForeignKey(Classified, on_delete=models.CASCADE, related_name="media")
    url = models.TextField()
    position = models.PositiveIntegerField()
    media_type = models.CharField(max_length=20)
    category = models.CharField(max_length=40, blank=True)
    tags = models.JSONField(default=list)
    title = models.TextField(blank=True)
    status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    byte_size = models.PositiveIntegerField(null=True)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    # The portal shows its own copy: a downscaled JPEG of what it downloaded.
    rendition = models.BinaryField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["classified", "url"], name="sandbox_unique_media_url")]

    def __str__(self) -> str:
        return f"{self.url} ({self.status})"


class UrlClaim(models.Model):
    """A media URL reserved by one live classified, from the moment a payload is accepted."""

    url = models.TextField(unique=True)
    classified = models.ForeignKey(Classified, on_delete=models.CASCADE, related_name="url_claims")

    def __str__(self) -> str:
        return self.url


class AccessToken(models.Model):
    """A bearer token granted to a client for one intermediary (agency)."""

    token_hash = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=200)
    intermediary_id = models.CharField(max_length=200)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.client_id}/{self.intermediary_id} until {self.expires_at}"


class TokenRequest(models.Model):
    """One call to the token endpoint; the real portal reviews token reuse from such logs."""

    client_id = models.CharField(max_length=200, blank=True)
    intermediary_id = models.CharField(max_length=200, blank=True)
    granted = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.client_id}/{self.intermediary_id} granted={self.granted}"


class ApiCall(models.Model):
    """One call under /caas/v4, with the traceparent the sandbox answered with."""

    method = models.CharField(max_length=10)
    path = models.TextField()
    status = models.PositiveSmallIntegerField()
    traceparent = models.CharField(max_length=55)
    is_noop = models.BooleanField(default=False)
    classified_id = models.UUIDField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class MediaDownload(models.Model):
    """One download attempt of a media URL by the portal."""

    url = models.TextField()
    succeeded = models.BooleanField()
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.url} ok={self.succeeded}"


class Fault(models.Model):
    """A fault injected through POST /_sandbox/faults, consumed by the calls it affects."""

    class Kind(models.TextChoices):
        FAIL = "fail"
        RATE_LIMIT = "rate_limit"
        DELAY = "delay"
        DOWNLOAD_FAIL = "download_fail"

    class Target(models.TextChoices):
        API = "api"
        TOKEN = "token"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    target = models.CharField(max_length=10, choices=Target.choices, default=Target.API)
    remaining = models.PositiveIntegerField(null=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    retry_after = models.PositiveIntegerField(null=True)
    seconds = models.FloatField(null=True)
    pattern = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} x{self.remaining}"
