"""Files dropped in the media manager: each becomes an unsaved (draft) picture or video.

The content decides, never the name: a video container (`ftyp` of a video brand, WebM)
becomes a video, anything else goes through the picture pipeline, which refuses what it
cannot read. Drafts become real on Save and are deleted on Discard (`listings.manager`).
"""

from __future__ import annotations

import logging
from typing import IO

from django.utils.translation import gettext as _

from listings.images import PictureRejected
from listings.models import Listing, Media
from listings.pictures import add_picture
from listings.videos import MediaRejected, add_video, looks_like_video

logger = logging.getLogger(__name__)

PICTURE, VIDEO = "picture", "video"


def add_upload(listing: Listing, *, upload: IO[bytes], filename: str, expect: str | None = None) -> Media:
    """Store `upload` as a draft media at the end of `listing`.

    `expect` ("picture" or "video") is set when the file replaces another media's content.
    Raises `MediaRejected` with a message for the agent; nothing is stored then.
    """
    is_video = looks_like_video(upload)
    if expect == PICTURE and is_video:
        raise MediaRejected(_("A picture can only be replaced by another picture."))
    if expect == VIDEO and not is_video:
        raise MediaRejected(_("A video can only be replaced by another video (MP4, MOV or WebM)."))
    try:
        if is_video:
            return add_video(listing, upload=upload, filename=filename, is_draft=True)
        return add_picture(listing, upload=upload, filename=filename, is_draft=True)
    except (PictureRejected, MediaRejected) as rejected:
        raise MediaRejected(str(rejected)) from rejected
    except Exception as error:
        # An agent's file must never break the page: whatever the decoders raise is logged
        # for us and answered with a plain refusal, while the other files carry on.
        logger.exception("Upload of %r to listing %s failed", filename, listing.pk)
        raise MediaRejected(
            _("This file could not be read. Send a JPEG, PNG or HEIC picture, or an MP4 video.")
        ) from error
