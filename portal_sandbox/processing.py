"""The portal's asynchronous side: a background thread that processes accepted revisions.

Revisions are taken from the database oldest first, one at a time, so each classified's
revisions apply in order and unfinished work resumes after a restart. For a POST or PUT
the media rule is applied exactly: media are identified by their URL string; a URL
already on the classified is not downloaded again and only takes its new place and
metadata; a new URL is downloaded; a URL no longer listed is removed. A URL whose
download failed stays failed until the client sends a new URL (for instance with a new
timestamp), as the portal's media page says.

History: RECEIVED is written by the request; the processor writes CREATING/UPDATING,
updates that item's ``mediaStatuses`` live (ACCEPTED, DOWNLOADING, DOWNLOADED) while it
works, then appends the final item whose media statuses are CREATED, UPDATED,
DOWNLOADING_FAILED or CREATING_FAILED.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from portal_sandbox import downloads, faults
from portal_sandbox.models import Classified, MediaDownload, PortalMedia, Revision, StatusEvent
from portal_sandbox.vocabulary import ClassifiedStatus, MediaStatus

logger = logging.getLogger(__name__)

_IN_PROGRESS = {
    Revision.Operation.CREATE: ClassifiedStatus.CREATING,
    Revision.Operation.UPDATE: ClassifiedStatus.UPDATING,
    Revision.Operation.DELETE: ClassifiedStatus.DELETING,
}
_FINAL = {
    Revision.Operation.CREATE: (ClassifiedStatus.CREATED, ClassifiedStatus.CREATED_WITH_MEDIA_ERROR),
    Revision.Operation.UPDATE: (ClassifiedStatus.UPDATED, ClassifiedStatus.UPDATED_WITH_MEDIA_ERROR),
}
_FAILED = {
    Revision.Operation.CREATE: ClassifiedStatus.CREATING_FAILED,
    Revision.Operation.UPDATE: ClassifiedStatus.UPDATING_FAILED,
    Revision.Operation.DELETE: ClassifiedStatus.DELETING_FAILED,
}
_TO_DOWNLOAD = (MediaStatus.ACCEPTED, MediaStatus.DOWNLOADING, MediaStatus.DOWNLOADED)


class Interrupted(Exception):
    """The processor was asked to stop (shutdown or reset) in the middle of a revision."""


class RevisionProcessor(threading.Thread):
    """The thread that processes pending revisions; ``pause()`` holds it between two."""

    def __init__(self) -> None:
        super().__init__(name="portal-sandbox-processor", daemon=True)
        self._wake = threading.Event()
        self._interrupt = threading.Event()
        self._stopping = threading.Event()
        self._busy = threading.Lock()

    def run(self) -> None:
        logger.info("processor started")
        while not self._stopping.is_set():
            try:
                worked = self._process_next()
            except Exception:
                logger.exception("processing failed")
                worked = False
            finally:
                close_old_connections()
            if not worked:
                self._wake.wait(0.5)
                self._wake.clear()
        connections.close_all()

    def _process_next(self) -> bool:
        """Process the oldest unfinished revision; return False when there is none."""
        with self._busy:
            if self._stopping.is_set():
                return False
            revision = (
                Revision.objects.exclude(state=Revision.State.DONE).select_related("classified").order_by("id").first()
            )
            if revision is None:
                return False
            try:
                revision_process(revision, step=self._step)
            except Interrupted:
                return False
            except Exception:
                # A revision that breaks the processor ends *_FAILED instead of blocking the queue.
                logger.exception("revision %s failed", revision)
                _finish(revision.classified, revision, _FAILED[revision.operation])
            return True

    def _step(self) -> None:
        """Wait the configured delay between two steps, or raise Interrupted."""
        if self._interrupt.wait(settings.PORTAL_SANDBOX_STEP_DELAY):
            raise Interrupted

    def wake(self) -> None:
        """Tell the thread new work is queued."""
        self._wake.set()

    @contextmanager
    def pause(self) -> Iterator[None]:
        """Interrupt the current revision and keep the thread idle inside the block."""
        self._interrupt.set()
        with self._busy:
            self._interrupt.clear()
            yield

    def stop(self) -> None:
        """Ask the thread to finish and wait a little for it."""
        self._stopping.set()
        self._interrupt.set()
        self._wake.set()
        self.join(timeout=5)


_processor: RevisionProcessor | None = None


def processor_start() -> RevisionProcessor:
    """Start the processor of this process (once) and return it."""
    global _processor
    if _processor is None or not _processor.is_alive():
        _processor = RevisionProcessor()
        _processor.start()
    return _processor


def processor_stop() -> None:
    """Stop the processor of this process, if running."""
    if _processor is not None:
        _processor.stop()


def wake() -> None:
    """Tell the processor that a revision was queued (called after commit)."""
    if _processor is not None:
        _processor.wake()


@contextmanager
def processing_paused() -> Iterator[None]:
    """Hold the processor still (no revision half done) while the block runs."""
    if _processor is None or not _processor.is_alive():
        yield
        return
    with _processor.pause():
        yield


def revision_process(revision: Revision, *, step: Callable[[], None]) -> None:
    """Run one revision to its final status; ``step`` waits between steps."""
    Revision.objects.filter(pk=revision.pk).update(state=Revision.State.PROCESSING)
    classified = revision.classified
    step()
    progress = _progress_event(classified, revision)
    if revision.operation == Revision.Operation.DELETE:
        step()
        classified.media.all().delete()
        _finish(classified, revision, ClassifiedStatus.DELETED)
        return
    to_download = _apply_media_list(classified, revision.payload.get("media") or [])
    _refresh(progress)
    for media in to_download:
        step()
        _media_process(media, progress, step=step)
        _refresh(progress)
    step()
    failed = classified.media.filter(status__in=MediaStatus.FAILED).exists()
    success, with_error = _FINAL[revision.operation]
    _finish(classified, revision, with_error if failed else success)


def _progress_event(classified: Classified, revision: Revision) -> StatusEvent:
    """Return the CREATING/UPDATING/DELETING item of the revision, written once."""
    status = _IN_PROGRESS[revision.operation]
    event = StatusEvent.objects.filter(classified=classified, revision=revision.number, status=status).first()
    return event or StatusEvent.objects.create(
        classified=classified,
        revision=revision.number,
        status=status,
        message=ClassifiedStatus.MESSAGES[status],
        status_date=timezone.now(),
    )


@transaction.atomic
def _apply_media_list(classified: Classified, items: list[dict]) -> list[PortalMedia]:
    """Apply the media rule to the classified's media; return those to download, in order."""
    current = {media.url: media for media in classified.media.all()}
    classified.media.exclude(url__in=[item["url"] for item in items]).delete()
    to_download = []
    for position, item in enumerate(items):
        fields = {
            "position": position,
            "media_type": item["mediaType"],
            "category": item.get("category", ""),
            "tags": item.get("tags", []),
            "title": item.get("title", ""),
        }
        media = current.get(item["url"])
        if media is None:
            media = PortalMedia.objects.create(
                classified=classified, url=item["url"], status=MediaStatus.ACCEPTED, **fields
            )
        else:
            for name, value in fields.items():
                setattr(media, name, value)
            if media.status == MediaStatus.CREATED:
                media.status = MediaStatus.UPDATED
            media.save()
        if media.status in _TO_DOWNLOAD:
            to_download.append(media)
    return to_download


def _media_process(media: PortalMedia, progress: StatusEvent, *, step: Callable[[], None]) -> None:
    """Download and create one media, moving it through its statuses."""
    if media.media_type in ("VIDEO", "VIRTUAL_TOUR") and downloads.is_embed_link(media.url):
        _set_status(media, MediaStatus.CREATED)
        return
    _set_status(media, MediaStatus.DOWNLOADING)
    _refresh(progress)
    step()
    try:
        download = _download(media.url)
    except downloads.DownloadFailed as error:
        _set_status(media, MediaStatus.DOWNLOADING_FAILED, reason=str(error))
        return
    media.content_type = download.content_type
    media.byte_size = len(download.content)
    _set_status(media, MediaStatus.DOWNLOADED)
    _refresh(progress)
    step()
    try:
        _create(media, download)
    except downloads.PictureInvalid as error:
        _set_status(media, MediaStatus.CREATING_FAILED, reason=str(error))
        return
    _set_status(media, MediaStatus.CREATED)


def _download(url: str) -> downloads.Download:
    """Return the file at ``url``, logging the attempt for the stats."""
    try:
        if faults.download_fails(url):
            raise downloads.DownloadFailed("HTTP 503 (injected fault)")
        download = downloads.media_download(
            url,
            timeout=settings.PORTAL_SANDBOX_DOWNLOAD_TIMEOUT,
            max_bytes=settings.PORTAL_SANDBOX_MAX_MEDIA_BYTES,
        )
    except downloads.DownloadFailed as error:
        MediaDownload.objects.create(url=url, succeeded=False, detail=str(error))
        raise
    MediaDownload.objects.create(url=url, succeeded=True, detail=f"{len(download.content)} bytes")
    return download


def _create(media: PortalMedia, download: downloads.Download) -> None:
    """Check the file suits the media type and keep what the portal displays."""
    wants_picture = media.media_type in ("PICTURE", "PANORAMA")
    if media.media_type == "VIRTUAL_TOUR":
        return  # a tour is a web page: reachable is enough
    if wants_picture and download.kind == "video":
        raise downloads.PictureInvalid("a video cannot be shown as a picture")
    if media.media_type == "VIDEO" and download.kind == "picture":
        raise downloads.PictureInvalid("a picture cannot be played as a video")
    if wants_picture:
        rendition = downloads.picture_rendition(download.content)
        media.width, media.height, media.rendition = rendition.width, rendition.height, rendition.jpeg


def _set_status(media: PortalMedia, status: str, *, reason: str = "") -> None:
    """Save a media's new status (and whatever else changed on it)."""
    media.status = status
    media.reason = reason
    media.save()


def _media_statuses(classified: Classified) -> list[dict]:
    """Return the classified's media statuses, in display order."""
    return [{"url": url, "status": status} for url, status in classified.media.values_list("url", "status")]


def _refresh(progress: StatusEvent) -> None:
    """Show the current media statuses on the in-progress history item."""
    StatusEvent.objects.filter(pk=progress.pk).update(media_statuses=_media_statuses(progress.classified))


@transaction.atomic
def _finish(classified: Classified, revision: Revision, status: str) -> None:
    """Append the final status of the revision and mark it done."""
    StatusEvent.objects.create(
        classified=classified,
        revision=revision.number,
        status=status,
        message=ClassifiedStatus.MESSAGES[status],
        media_statuses=_media_statuses(classified),
        status_date=timezone.now(),
    )
    Revision.objects.filter(pk=revision.pk).update(state=Revision.State.DONE)
