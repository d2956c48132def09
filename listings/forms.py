"""Forms of the agent's pages: they parse and validate; services write."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from listings.choices import MediaKind, PropertyType, TransactionType
from listings.models import Agency, Listing
from listings.pending import PendingChanges, parse_changes
from listings.videos import MediaRejected, check_link
from media_sync.selectors import is_published

FRENCH_POSTAL_CODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


class ListingForm(forms.ModelForm):
    """The classified's fields, validated as the portal requires them."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Listing
        fields = [
            "reference", "transaction_type", "property_type", "title", "description", "price", "living_area",
            "rooms", "bedrooms", "street", "house_number", "postal_code", "city", "country", "dpe_class", "ges_class",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, agency: Agency, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["country"].help_text = _("Two letters, FR for France.")
        self.fields["reference"].help_text = _("Your agency's own reference; the portal knows the listing by it.")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            if is_published(self.instance):
                # The reference is the classified's offererEstateId: changing it would make
                # the portal see another listing. It is fixed once the listing is published.
                self.fields["reference"].disabled = True
                self.fields["reference"].help_text = _(
                    "Published on the portal under this reference: it can no longer change."
                )

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        if not reference:
            raise ValidationError(_("Give the listing a reference."))
        duplicates = Listing.objects.filter(agency=self.agency, reference__iexact=reference).exclude(
            pk=self.instance.pk
        )
        if duplicates.exists():
            raise ValidationError(_("Another listing of your agency already has this reference."))
        return reference

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError(_("The portal needs a title."))
        return title

    def clean_city(self) -> str:
        city = " ".join(self.cleaned_data["city"].split())
        if not city:
            raise ValidationError(_("The portal needs the city."))
        return city

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ValidationError(_("Use the two-letter country code, for example FR."))
        return country

    def clean(self) -> dict:
        cleaned = super().clean()
        postal_code = (cleaned.get("postal_code") or "").strip()
        if cleaned.get("country") == "FR" and postal_code and not FRENCH_POSTAL_CODE.match(postal_code):
            self.add_error("postal_code", _("A French postal code has five digits, for example 69003."))
        cleaned["postal_code"] = postal_code
        rooms, bedrooms = cleaned.get("rooms"), cleaned.get("bedrooms")
        if rooms is not None and bedrooms is not None and bedrooms > rooms:
            self.add_error("bedrooms", _("There cannot be more bedrooms than rooms."))
        return cleaned

    def _post_clean(self) -> None:
        # The agency is not a field of the form: set it before the model's own validation.
        self.instance.agency = self.agency
        super()._post_clean()


class ListingFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    transaction_type = forms.ChoiceField(
        label=_("Transaction"), required=False, choices=[("", _("All transactions")), *TransactionType.choices]
    )
    property_type = forms.ChoiceField(
        label=_("Property type"), required=False, choices=[("", _("All property types")), *PropertyType.choices]
    )
    media = forms.ChoiceField(
        label=_("Media"),
        required=False,
        choices=[("", _("All")), ("none", _("No pictures")), ("few", _("Fewer than 5 pictures"))],
    )


class MediaManagerForm(forms.Form):
    """The media manager's Save: the listing version the page was opened on and every change."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    state = forms.CharField(widget=forms.HiddenInput, max_length=2_000_000)

    def clean_state(self) -> PendingChanges:
        try:
            return parse_changes(self.cleaned_data["state"])
        except ValueError as error:
            raise ValidationError(str(error)) from None


class PreviewForm(forms.Form):
    state = forms.CharField(required=False, max_length=2_000_000)

    def clean_state(self) -> PendingChanges | None:
        if not self.cleaned_data["state"]:
            return None
        try:
            return parse_changes(self.cleaned_data["state"])
        except ValueError as error:
            raise ValidationError(str(error)) from None


class DiscardForm(forms.Form):
    drafts = forms.CharField(required=False, max_length=100_000)

    def clean_drafts(self) -> list[int]:
        values = [value for value in self.cleaned_data["drafts"].split(",") if value.strip()]
        if not all(value.strip().isdigit() for value in values):
            raise ValidationError(_("The list of uploads could not be read."))
        return [int(value) for value in values]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=[(MediaKind.VIDEO, _("Video")), (MediaKind.VIRTUAL_TOUR, _("Virtual tour"))])
    url = forms.CharField(label=_("Link"), max_length=1000)

    def clean(self) -> dict:
        cleaned = super().clean()
        if "kind" in cleaned and "url" in cleaned:
            try:
                cleaned["url"] = check_link(cleaned["url"], kind=cleaned["kind"])
            except MediaRejected as error:
                self.add_error("url", str(error))
        return cleaned
