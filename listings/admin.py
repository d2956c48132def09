"""Back-office admin: agencies, users, listings and their media."""

from __future__ import annotations

from adminsortable2.admin import SortableAdminBase, SortableTabularInline
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from listings.classifieds import EDITABLE_FIELDS, update_listing
from listings.media import delete_media, reorder_media, update_media_details
from listings.models import Agency, Listing, Media, User
from media_sync.admin import PortalErrorFilter, retry_now_action
from media_sync.selectors import is_published
from media_sync.sync import request_sync


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "intermediary_id", "offerer_marketing_key", "is_active", "agent_count", "listing_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "intermediary_id", "offerer_marketing_key"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        return (
            super()
            .get_queryset(request)
            .annotate(agent_total=Count("agents", distinct=True), listing_total=Count("listings", distinct=True))
        )

    @admin.display(description=_("agents"), ordering="agent_total")
    def agent_count(self, agency: Agency) -> int:
        return agency.agent_total

    @admin.display(description=_("listings"), ordering="listing_total")
    def listing_count(self, agency: Agency) -> int:
        return agency.listing_total


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "agency", "is_staff", "is_active"]
    list_filter = ["agency", "is_staff", "is_superuser", "is_active"]
    list_select_related = ["agency"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Agency"), {"fields": ["agency"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Agency"), {"fields": ["agency", "is_staff"]}),)


def thumbnail_tag(media: Media, *, width: int = 96) -> str:
    """Return an <img> of the media's thumbnail, or a dash when it has none."""
    if not media.thumbnail:
        return "–"
    return format_html(
        '<img src="{}" width="{}" alt="{}" loading="lazy" style="height:auto">',
        media.thumbnail.url,
        width,
        media.title or media.get_category_display(),
    )


class MediaInline(SortableTabularInline):
    model = Media
    extra = 0
    fields = ["thumb", "kind", "title", "category", "tags", "processing_status", "content_version", "position"]
    # Content, kind and version change only through the upload pipeline: editing them here
    # would break the rule that a media URL changes exactly when its content does.
    readonly_fields = ["thumb", "kind", "processing_status", "content_version"]
    can_delete = True
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Listing | None = None) -> bool:
        return False

    @admin.display(description=_("thumbnail"))
    def thumb(self, media: Media) -> str:
        return thumbnail_tag(media)


class MediaCountFilter(admin.SimpleListFilter):
    title = _("pictures")
    parameter_name = "pictures"

    def lookups(self, request, model_admin):
        return [("none", _("No picture")), ("some", _("With pictures"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(media_total=0)
        if self.value() == "some":
            return queryset.filter(media_total__gt=0)
        return queryset


@admin.register(Listing)
class ListingAdmin(SortableAdminBase, admin.ModelAdmin):
    list_display = ["reference", "title", "agency", "city", "transaction_type", "price", "media_count", "updated_at"]
    list_filter = ["agency", "transaction_type", "property_type", MediaCountFilter, PortalErrorFilter]
    list_select_related = ["agency"]
    search_fields = ["reference", "title", "city", "postal_code", "agency__name"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [MediaInline]
    actions = [retry_now_action]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Listing]:
        return super().get_queryset(request).annotate(media_total=Count("media"))

    def get_readonly_fields(self, request: HttpRequest, obj: Listing | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and is_published(obj):
            # The reference is the classified's offererEstateId once published.
            fields.append("reference")
        return fields

    def save_model(self, request, obj, form, change) -> None:
        data = {name: getattr(obj, name) for name in EDITABLE_FIELDS}
        if change:
            # The admin holds no version of its own: it saves on top of the current one.
            current = Listing.objects.values_list("version", flat=True).get(pk=obj.pk)
            saved = update_listing(obj, data=data, version=current, user=request.user)
            obj.version = saved.version
        else:
            # The admin's views keep working on `obj`, so it is saved in place.
            super().save_model(request, obj, form, change)
            request_sync(obj, requested_by=request.user)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            # The media changes join the listing's own save in one change set: the sync
            # requests collapse into one call with the latest state.
            request_sync(form.instance, requested_by=request.user)

    @admin.display(description=_("media"), ordering="media_total")
    def media_count(self, listing: Listing) -> int:
        return listing.media_total

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Media:
            return super().save_formset(request, form, formset, change)
        # Route every media change through the domain functions, so that positions stay
        # contiguous and unique and the portal sync sees one consistent change.
        deleted = {f.instance.pk for f in formset.deleted_forms if f.instance.pk}
        # What the admin's change message reads (formset.save() would have set them).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for media_form in formset.forms:
            media = media_form.instance
            if media.pk in deleted or not media.pk:
                continue
            details = [name for name in ("title", "category", "tags") if name in media_form.changed_data]
            if details:
                data = media_form.cleaned_data
                update_media_details(media, title=data["title"], category=data["category"], tags=data["tags"] or [])
                formset.changed_objects.append((media, details))
        kept = [f for f in formset.forms if f.instance.pk and f.instance.pk not in deleted]
        kept.sort(key=lambda f: (f.cleaned_data.get("position") or 0, f.instance.pk))
        for media in Media.objects.filter(pk__in=deleted):
            formset.deleted_objects.append(media)
            delete_media(media)
        if kept or deleted:
            reorder_media(form.instance, media_ids=[f.instance.pk for f in kept])


@admin.register(Media)
class MediaAdmin(admin.ModelAdmin):
    list_display = ["thumb", "listing", "kind", "position", "category", "title", "processing_status", "content_version"]
    list_filter = ["kind", "category", "processing_status", "listing__agency"]
    list_select_related = ["listing", "listing__agency"]
    search_fields = ["title", "listing__reference", "external_url"]
    fields = [
        "listing", "kind", "position", "title", "category", "tags", "thumb", "external_url",
        "processing_status", "processing_error", "source_format", "width", "height", "byte_size",
        "sha256", "warnings", "quarter_turns", "content_version", "public_key",
    ]  # fmt: skip
    readonly_fields = [
        "listing", "kind", "position", "thumb", "external_url", "processing_status", "processing_error",
        "source_format", "width", "height", "byte_size", "sha256", "warnings", "quarter_turns",
        "content_version", "public_key",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("thumbnail"))
    def thumb(self, media: Media) -> str:
        return thumbnail_tag(media)

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        update_media_details(obj, title=data["title"], category=data["category"], tags=data["tags"] or [])
        request_sync(obj.listing, requested_by=request.user)

    def delete_model(self, request, obj) -> None:
        listing = obj.listing
        delete_media(obj)
        request_sync(listing, requested_by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        listings = {}
        for media in queryset.select_related("listing"):
            listings[media.listing_id] = media.listing
            delete_media(media)
        for listing in listings.values():
            request_sync(listing, requested_by=request.user)
