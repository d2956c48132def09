"""The agent's pages (placeholder until the media manager lands)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from listings.models import Listing


@login_required
def listing_list(request: HttpRequest) -> HttpResponse:
    listings = Listing.objects.filter(agency_id=request.user.agency_id).order_by("reference")
    return render(request, "listings/listing_list.html", {"listings": listings})


@login_required
def media_manager(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk, agency_id=request.user.agency_id)
    return render(request, "listings/listing_list.html", {"listings": [listing]})
