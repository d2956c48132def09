"""The one access gate of the agent's pages: an agent reaches only their agency's data.

Every view and endpoint fetches listings and media through these functions. Another
agency's ids answer 404, exactly like ids that do not exist, so that ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from listings.models import Listing, Media


def agency_id_of(user) -> int | None:
    """Return the id of the active agency `user` works for, or None."""
    if not user.is_authenticated or not user.is_active or user.agency_id is None:
        return None
    return user.agency_id


def listings_for_user(user) -> QuerySet[Listing]:
    """Return the listings `user` may see and change (none for staff without an agency)."""
    agency_id = agency_id_of(user)
    if agency_id is None:
        return Listing.objects.none()
    return Listing.objects.filter(agency_id=agency_id, agency__is_active=True)


def listing_for_user(user, pk: int, *, for_update: bool = False) -> Listing:
    """Return the listing `pk` of `user`'s agency, or raise Http404."""
    queryset = listings_for_user(user)
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=pk)
    except Listing.DoesNotExist:
        raise Http404("No such listing.") from None


def media_for_user(user, pk: int) -> Media:
    """Return the media `pk` of one of `user`'s agency's listings, or raise Http404."""
    agency_id = agency_id_of(user)
    try:
        return Media.objects.select_related("listing").get(
            pk=pk, listing__agency_id=agency_id, listing__agency__is_active=True
        )
    except Media.DoesNotExist:
        raise Http404("No such media.") from None


def agent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let signed-in agents through; send staff without an agency to the admin."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if agency_id_of(request.user) is None:
            if request.user.is_staff:
                return redirect("admin:index")
            raise Http404("No agency.")
        return view(request, *args, **kwargs)

    return wrapper
