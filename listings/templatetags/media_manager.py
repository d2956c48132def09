"""Template helpers of the media manager: link labels and the page's translated script texts."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template
from django.utils.translation import gettext as _

from listings.choices import MediaKind
from listings.videos import link_provider

register = template.Library()


@register.filter
def provider(url: str, kind: str) -> str:
    """Return the provider of a video or tour link (YouTube, Matterport...), or its host."""
    return link_provider(url, kind=kind) or (urlsplit(url).hostname or "").removeprefix("www.")


@register.simple_tag
def manager_texts() -> dict[str, str]:
    """Return the texts the media manager's script shows, in the active language."""
    return {
        "cover": _("Cover, shown in search results"),
        "shownVideo": _("Shown on the portal"),
        "shownTour": _("Shown on the portal"),
        "hiddenVideo": _("Not shown: the portal displays only the first video"),
        "hiddenTour": _("Not shown: the portal displays only the first virtual tour"),
        "panorama": _("360° panorama"),
        "pictureN": _("Picture %(n)s"),
        "videoN": _("Video %(n)s"),
        "tourN": _("Virtual tour %(n)s"),
        "panoramaN": _("Panorama %(n)s"),
        "deletedBadge": _("Will be deleted when you save"),
        "newBadge": _("New, not saved yet"),
        "replacedBadge": _("New file, not saved yet"),
        "rotatedBadge": _("Rotated, not saved yet"),
        "processing": _("Processing…"),
        "queued": _("Waiting…"),
        "uploading": _("Uploading… %(percent)s%%"),
        "processingDone": _("Ready"),
        "networkError": _("The upload failed: check your connection and try again."),
        "serverError": _("The server could not take this file. Try again in a moment."),
        "tooLarge": _("This file is larger than %(max)s MB."),
        "moved": _("%(name)s moved to position %(n)s."),
        "waitUploads": _("Wait until the uploads and processing finish, then save."),
        "unsaved": _("You have unsaved changes. Leave without saving?"),
        "previewUnknown": _("The portal preview is not available right now."),
        "noTags": _("none"),
        "retry": _("Try again"),
        "uploadsSummary": _("%(done)s of %(total)s files uploaded"),
        "linkAdded": _("Link added, not saved yet."),
    }


@register.filter
def kind_family(kind: str) -> str:
    """Return how a media of `kind` is handled on the page: picture, video or link."""
    return "picture" if kind in {MediaKind.PICTURE, MediaKind.PANORAMA} else "video"
