"""The byte caps of uploads, enforced while the request body streams in.

Django spools an upload to disk before a view sees it; this handler stops reading a file
as soon as it passes its cap (the picture cap, or the video cap when the first bytes are a
video container), so a 2 GB mistake never fills the disk. The view then answers with the
reason the handler left on the request.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from listings.images import PictureRejected
from listings.videos import sniff_video, too_large_message

REFUSAL_ATTRIBUTE = "upload_refusal"


def upload_refusal(request: HttpRequest) -> str | None:
    """Return why the upload of `request` was cut short, or None."""
    return getattr(request, REFUSAL_ATTRIBUTE, None)


class CappedUploadHandler(FileUploadHandler):
    """Refuse a file once more bytes arrive than its kind may have."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.cap: int | None = None
        self.is_video = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if self.cap is None:
            self.is_video = sniff_video(raw_data[:64]) is not None
            self.cap = settings.VIDEO_MAX_BYTES if self.is_video else settings.PICTURE_MAX_BYTES
        self.received += len(raw_data)
        if self.received > self.cap:
            setattr(self.request, REFUSAL_ATTRIBUTE, self._message())
            # Keep reading (and dropping) the rest, so the browser gets the answer.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _message(self) -> str:
        if self.is_video:
            return too_large_message()
        megabytes = f"{settings.PICTURE_MAX_BYTES / (1024 * 1024):g}"
        return str(PictureRejected("too_large_bytes", max_mb=megabytes))
