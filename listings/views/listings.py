"""The listings page, and creating or editing a listing's own fields."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from listings.access import agent_required, listing_for_user
from listings.classifieds import changed_fields, create_listing, update_listing
from listings.forms import ListingFilterForm, ListingForm
from listings.manager import VersionConflict
from listings.selectors import listing_page


@agent_required
@require_GET
def listing_list(request: HttpRequest) -> HttpResponse:
    form = ListingFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = listing_page(request.user, filters=filters, number=request.GET.get("page"))
    return render(
        request, "listings/listing_list.html", {"form": form, "page": page, "filtered": any(filters.values())}
    )


@agent_required
@require_http_methods(["GET", "POST"])
def listing_create(request: HttpRequest) -> HttpResponse:
    form = ListingForm(request.POST or None, agency=request.user.agency)
    if request.method == "POST" and form.is_valid():
        listing = create_listing(agency=request.user.agency, data=form.cleaned_data, user=request.user)
        messages.success(request, _("Listing created. Now add its pictures."))
        return redirect(listing)
    return render(request, "listings/listing_form.html", {"form": form})


@agent_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = listing_for_user(request.user, pk)
    form = ListingForm(request.POST or None, instance=listing, agency=listing.agency)
    if request.method == "POST" and form.is_valid():
        try:
            update_listing(
                listing, data=form.cleaned_data, version=form.cleaned_data["version"] or 0, user=request.user
            )
        except VersionConflict as conflict:
            return _conflict(request, form, conflict.listing)
        messages.success(request, _("Listing saved. The portal will be updated in a moment."))
        return redirect("listings:list")
    return render(request, "listings/listing_form.html", {"form": form, "listing": listing})


def _conflict(request: HttpRequest, form: ListingForm, current) -> HttpResponse:
    """Show the agent's values again, say which fields the other save changed, and allow overwriting."""
    fields = [str(form.fields[name].label) for name in changed_fields(current, form.cleaned_data)]
    data = form.data.copy()
    data["version"] = current.version
    form = ListingForm(data, instance=current, agency=current.agency)
    form.is_valid()
    form.add_error(
        None,
        _(
            "Someone else saved this listing while you were editing it. Your values are below, not saved yet; "
            "the saved listing differs in: %(fields)s. Press Save again to keep yours."
        )
        % {"fields": ", ".join(fields) or _("nothing you see here")},
    )
    return render(request, "listings/listing_form.html", {"form": form, "listing": current}, status=409)
