"""Agencies, their agents, listings and the media of each listing."""

from __future__ import annotations

import json
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from listings.choices import (
    EnergyClass,
    MediaCategory,
    MediaKind,
    ProcessingStatus,
    PropertyType,
    TransactionType,
)
from listings.storages import private_storage


def new_public_key() -> str:
    """Return an unguessable key for a media's public URL."""
    return secrets.token_urlsafe(18)


def _choices_check(field: str, choices: type[models.TextChoices], *, blank: bool = False) -> Q:
    allowed = Q(**{f"{field}__in": choices.values})
    return allowed | Q(**{field: ""}) if blank else allowed


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200)
    intermediary_id = models.CharField(
        _("portal intermediary id"),
        max_length=100,
        unique=True,
        help_text=_("The identifier the portal gives the agency; each token is asked for it."),
    )
    offerer_marketing_key = models.CharField(
        _("portal offerer marketing key"),
        max_length=100,
        help_text=_("Sent as metaData.source.offererMarketingKey."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """An agent belongs to one agency; back-office staff may have none and see all."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        related_name="agents",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | Q(is_staff=True),
                name="user_agent_has_agency",
                violation_error_message=_("An agent who is not staff must belong to an agency."),
            ),
        ]


class Listing(models.Model):
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), related_name="listings", on_delete=models.PROTECT)
    reference = models.CharField(
        _("reference"),
        max_length=64,
        help_text=_("The agency's own reference; the portal knows the listing by it."),
    )
    transaction_type = models.CharField(
        _("transaction"), max_length=8, choices=TransactionType.choices, default=TransactionType.SALE
    )
    property_type = models.CharField(
        _("property type"), max_length=16, choices=PropertyType.choices, default=PropertyType.APARTMENT
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(
        _("price (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    living_area = models.DecimalField(
        _("living area (m²)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    rooms = models.PositiveSmallIntegerField(_("rooms"), null=True, blank=True)
    bedrooms = models.PositiveSmallIntegerField(_("bedrooms"), null=True, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    house_number = models.CharField(_("house number"), max_length=20, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="FR")
    dpe_class = models.CharField(_("DPE energy class"), max_length=1, choices=EnergyClass.choices, blank=True)
    ges_class = models.CharField(_("GES emission class"), max_length=1, choices=EnergyClass.choices, blank=True)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised by every save, for optimistic concurrency.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "reference"], name="listing_reference_unique_per_agency"),
            models.CheckConstraint(
                condition=_choices_check("transaction_type", TransactionType), name="listing_transaction_type_valid"
            ),
            models.CheckConstraint(
                condition=_choices_check("property_type", PropertyType), name="listing_property_type_valid"
            ),
            models.CheckConstraint(
                condition=_choices_check("dpe_class", EnergyClass, blank=True), name="listing_dpe_class_valid"
            ),
            models.CheckConstraint(
                condition=_choices_check("ges_class", EnergyClass, blank=True), name="listing_ges_class_valid"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="listing_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("listings:media", args=[self.pk])


def original_upload_to(media: Media, filename: str) -> str:
    return f"originals/{media.listing_id}/{secrets.token_hex(8)}-{filename[-60:]}"


class Media(models.Model):
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), related_name="media", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=16, choices=MediaKind.choices, default=MediaKind.PICTURE)
    position = models.PositiveIntegerField(_("position"))
    category = models.CharField(_("category"), max_length=32, choices=MediaCategory.choices, default=MediaCategory.MISC)
    tags = models.JSONField(_("tags"), default=list, blank=True, help_text=_("Some of the portal's categories."))
    title = models.CharField(_("caption"), max_length=200, blank=True)
    is_draft = models.BooleanField(
        _("not saved yet"),
        default=False,
        help_text=_("Uploaded in the media manager but not saved: not sent to the portal, gone on Discard."),
    )

    # The source: an uploaded file kept privately, or an external link (videos, tours).
    original = models.FileField(_("original file"), storage=private_storage, upload_to=original_upload_to, blank=True)
    external_url = models.URLField(_("external link"), max_length=1000, blank=True)

    # What processing found and produced.
    processing_status = models.CharField(
        _("processing"), max_length=8, choices=ProcessingStatus.choices, default=ProcessingStatus.PENDING
    )
    processing_error = models.TextField(_("processing error"), blank=True)
    quarter_turns = models.PositiveSmallIntegerField(_("quarter turns"), default=0, validators=[MaxValueValidator(3)])
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    source_format = models.CharField(_("source format"), max_length=16, blank=True)
    sha256 = models.CharField(_("content fingerprint (sha256)"), max_length=64, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    byte_size = models.PositiveBigIntegerField(_("bytes"), null=True, blank=True)
    phash = models.CharField(_("perceptual hash"), max_length=16, blank=True)
    warnings = models.JSONField(_("quality warnings"), default=list, blank=True)
    thumbnail = models.FileField(_("thumbnail"), max_length=300, blank=True)
    thumbnail_large = models.FileField(_("large thumbnail"), max_length=300, blank=True)

    # The public URL: an unguessable key, and a version that changes only with the content.
    public_key = models.CharField(_("public key"), max_length=32, unique=True, default=new_public_key, editable=False)
    content_version = models.DateTimeField(
        _("content version"),
        null=True,
        blank=True,
        help_text=_("Changes only when the content changes; it is the timestamp of the portal URL."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("media")
        verbose_name_plural = _("media")
        ordering = ["listing", "position"]
        constraints = [
            # Checked at the end of each statement (DEFERRABLE INITIALLY IMMEDIATE), so one
            # UPDATE can write a whole new order. SQLite has no deferrable constraints: the
            # migration gives it a plain unique index instead (see listings.media).
            models.UniqueConstraint(
                fields=["listing", "position"],
                name="media_position_unique_per_listing",
                deferrable=models.Deferrable.IMMEDIATE,
            ),
            models.CheckConstraint(condition=_choices_check("kind", MediaKind), name="media_kind_valid"),
            models.CheckConstraint(condition=_choices_check("category", MediaCategory), name="media_category_valid"),
            models.CheckConstraint(
                condition=_choices_check("processing_status", ProcessingStatus), name="media_processing_status_valid"
            ),
            models.CheckConstraint(condition=Q(quarter_turns__lte=3), name="media_quarter_turns_valid"),
            models.CheckConstraint(
                condition=~(Q(original="") & Q(external_url="")) | Q(processing_status=ProcessingStatus.FAILED),
                name="media_has_a_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.position + 1} ({self.listing.reference})"

    def processing_error_text(self) -> str:
        """Return why processing failed, in the active language."""
        from listings.images import rejection_message

        try:
            stored = json.loads(self.processing_error)
            return rejection_message(stored["code"], **stored.get("params", {}))
        except (ValueError, TypeError, KeyError):
            return self.processing_error

    @property
    def is_external(self) -> bool:
        """Return whether the media is a link the agent gave rather than a file we serve."""
        return bool(self.external_url) and not self.original


def version_upload_to(version: MediaVersion, filename: str) -> str:
    return f"portal/{version.media.public_key}/{secrets.token_hex(8)}.jpg"


class MediaVersion(models.Model):
    """One content version of a media, as the portal downloads it.

    Older versions are kept until the portal no longer references them, so that a URL
    always serves exactly the content its timestamp names.
    """

    media = models.ForeignKey(Media, verbose_name=_("media"), related_name="versions", on_delete=models.CASCADE)
    content_version = models.DateTimeField(_("content version"))
    file = models.FileField(_("file"), max_length=300, upload_to=version_upload_to)
    content_type = models.CharField(_("content type"), max_length=100)
    byte_size = models.PositiveBigIntegerField(_("bytes"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("media version")
        verbose_name_plural = _("media versions")
        constraints = [
            models.UniqueConstraint(fields=["media", "content_version"], name="media_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.media_id}@{self.content_version.isoformat()}"
