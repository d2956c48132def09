"""What the portal made of our last call: classified and media statuses, and what to do about them.

After each accepted POST or PUT the status task calls ``refresh_portal_status`` with a
growing delay until the classified reaches a final status. Then each media's status is
recorded (matched by URL), a URL the portal could not download is checked from outside,
versions no longer referenced are removed, and the ETag is read for the next PUT.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from media_sync import portal
from media_sync import vocabulary as v
from media_sync.history import record_read
from media_sync.models import ListingSync, MediaPortalStatus
from media_sync.sync import State
from media_sync.versions import collect_unreferenced_versions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusOutcome:
    final: bool
    status: str = ""
    revision: int | None = None


def refresh_portal_status(listing_id: int, *, client: portal.PortalClient | None = None) -> StatusOutcome:
    """Read the classified's processing history; record it when the latest call reached a final status.

    Return whether the status is final (the caller polls again later when it is not).
    """
    sync = ListingSync.objects.select_related("listing__agency").filter(listing_id=listing_id).first()
    if sync is None or not sync.classified_id:
        return StatusOutcome(final=True)
    seen_accepted_at = sync.last_accepted_at
    response = record_read(
        sync,
        lambda c: c.classified_statuses(sync.classified_id),
        client,
        path=v.CLASSIFIED_STATUSES_PATH.format(classified_id=sync.classified_id),
    )
    latest = latest_status(response.body.get(v.FIELD_ITEMS) or [])
    if latest is None:
        return StatusOutcome(final=False)
    status = str(latest.get(v.FIELD_STATUS) or "")
    revision = _int_or_none(latest.get(v.FIELD_REVISION))
    old_revision = sync.portal_revision
    is_ours = not sync.awaiting_status or old_revision is None or (revision or 0) > old_revision
    if status not in v.CLASSIFIED_FINAL_STATUSES or not is_ours:
        if is_ours:
            ListingSync.objects.filter(pk=sync.pk, last_accepted_at=seen_accepted_at).update(
                portal_status=status, portal_message=str(latest.get(v.FIELD_MESSAGE) or "")
            )
        return StatusOutcome(final=False, status=status, revision=revision)
    if not _record_final(sync, latest, seen_accepted_at=seen_accepted_at):
        # A newer call was accepted meanwhile: its own polling records its outcome.
        return StatusOutcome(final=True, status=status, revision=revision)
    check_failed_downloads(sync.listing_id)
    sync.refresh_from_db()
    if not sync.awaiting_status:
        collect_unreferenced_versions(sync.listing_id, accepted_payload=sync.last_accepted_payload)
        _refresh_etag(sync, client, seen_accepted_at=seen_accepted_at)
    return StatusOutcome(final=True, status=status, revision=revision)


def latest_status(items: list) -> dict | None:
    """Return the most recent history item: highest revision, then latest status date."""
    candidates = [item for item in items if isinstance(item, dict) and item.get(v.FIELD_STATUS)]
    if not candidates:
        return None

    def order(pair: tuple[int, dict]) -> tuple:
        index, item = pair
        return (_int_or_none(item.get(v.FIELD_REVISION)) or 0, str(item.get(v.FIELD_STATUS_DATE) or ""), index)

    return max(enumerate(candidates), key=order)[1]


def _record_final(sync: ListingSync, item: dict, *, seen_accepted_at) -> bool:
    status = str(item[v.FIELD_STATUS])
    media_by_url = sync.last_accepted_media or {}
    media_rows = [
        MediaPortalStatus(
            listing_id=sync.listing_id,
            media_id=media_by_url.get(str(entry.get(v.FIELD_URL))),
            url=str(entry.get(v.FIELD_URL)),
            status=str(entry.get(v.FIELD_STATUS) or ""),
            revision=_int_or_none(item.get(v.FIELD_REVISION)),
        )
        for entry in item.get(v.FIELD_MEDIA_STATUSES) or []
        if isinstance(entry, dict) and entry.get(v.FIELD_URL)
    ]
    has_errors = status in v.CLASSIFIED_ERROR_STATUSES or any(
        row.status in v.MEDIA_ERROR_STATUSES for row in media_rows
    )
    status_at = parse_datetime(str(item.get(v.FIELD_STATUS_DATE) or "")) or timezone.now()
    with transaction.atomic():
        updated = ListingSync.objects.filter(pk=sync.pk, last_accepted_at=seen_accepted_at).update(
            portal_status=status,
            portal_message=str(item.get(v.FIELD_MESSAGE) or ""),
            portal_revision=_int_or_none(item.get(v.FIELD_REVISION)),
            portal_status_at=status_at,
            awaiting_status=False,
            has_portal_errors=has_errors,
        )
        if not updated:
            return False
        ListingSync.objects.filter(pk=sync.pk, state=State.PROCESSING).update(
            state=State.PORTAL_ERROR if has_errors else State.SYNCED
        )
        previous_checks = {
            (row.url, row.status): row
            for row in MediaPortalStatus.objects.filter(listing_id=sync.listing_id, url_checked_at__isnull=False)
        }
        for row in media_rows:
            checked = previous_checks.get((row.url, row.status))
            if checked is not None:
                row.url_checked_at, row.url_works, row.url_check_detail = (
                    checked.url_checked_at, checked.url_works, checked.url_check_detail,
                )  # fmt: skip
        MediaPortalStatus.objects.filter(listing_id=sync.listing_id).delete()
        MediaPortalStatus.objects.bulk_create(media_rows)
    return True


def _refresh_etag(sync: ListingSync, client: portal.PortalClient | None, *, seen_accepted_at) -> None:
    try:
        response = record_read(
            sync,
            lambda c: c.get_classified(sync.classified_id),
            client,
            path=v.CLASSIFIED_PATH.format(classified_id=sync.classified_id),
        )
    except portal.PortalError as error:
        logger.warning("could not read the ETag of %s: %s", sync.classified_id, error)
        return
    ListingSync.objects.filter(pk=sync.pk, last_accepted_at=seen_accepted_at).update(etag=response.etag)


# ---------------------------------------------------------------------------
# Media the portal could not download
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class UrlCheck:
    works: bool
    detail: str


def check_media_url(url: str, *, timeout: float | None = None) -> UrlCheck:
    """Fetch `url` as an outsider would (fresh session: no cookie, no credential) and say whether it works."""
    timeout = float(settings.PORTAL_TIMEOUT) if timeout is None else timeout
    with requests.Session() as session:
        try:
            with session.get(url, stream=True, timeout=timeout, allow_redirects=True) as response:
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
                length = response.headers.get("Content-Length", "")
                if response.status_code != 200:
                    return UrlCheck(False, f"HTTP {response.status_code}")
                if not content_type.startswith(("image/", "video/")):
                    return UrlCheck(False, f"HTTP 200 but Content-Type {content_type or 'missing'}")
                if length == "0":
                    return UrlCheck(False, "HTTP 200 but empty")
                return UrlCheck(True, f"HTTP 200, {content_type}, {length or '?'} bytes")
        except requests.Timeout:
            return UrlCheck(False, f"no answer within {timeout:g} s")
        except requests.RequestException as error:
            return UrlCheck(False, f"could not connect ({type(error).__name__})")


def check_failed_downloads(listing_id: int) -> int:
    """Check from outside each URL of `listing_id` the portal could not download; return how many."""
    rows = list(MediaPortalStatus.objects.filter(listing_id=listing_id, status=v.MEDIA_DOWNLOADING_FAILED))
    for row in rows:
        recheck_media_url(row)
    return len(rows)


def recheck_media_url(status: MediaPortalStatus) -> MediaPortalStatus:
    """Check `status`'s URL again from outside and record the result ("check again" on the page)."""
    check = check_media_url(status.url)
    status.url_checked_at = timezone.now()
    status.url_works = check.works
    status.url_check_detail = check.detail[:300]
    MediaPortalStatus.objects.filter(pk=status.pk).update(
        url_checked_at=status.url_checked_at, url_works=status.url_works, url_check_detail=status.url_check_detail
    )
    return status


def media_status_help(status: str) -> tuple[str, str]:
    """Return (what happened, how to fix it) for a media status, in the agent's words."""
    if status == v.MEDIA_DOWNLOADING_FAILED:
        return (
            _("The portal could not download this media."),
            _("Check that its address works (we test it for you), then send the portal's Customer Care the "
              "request below so that they download it again."),
        )  # fmt: skip
    if status == v.MEDIA_CREATING_FAILED:
        return (
            _("The portal downloaded this media but could not use it (damaged file or wrong type)."),
            _("Replace the file (or fix the link) and save: the portal will download the new version."),
        )
    return ("", "")


def classified_status_help(status: str) -> tuple[str, str]:
    """Return (what happened, how to fix it) for a classified status that needs an action."""
    if status in v.CLASSIFIED_MEDIA_ERROR_STATUSES:
        return (
            _("The listing is online but one or several media have problems."),
            _("Fix each media marked in error, then save."),
        )
    if status in v.CLASSIFIED_ERROR_STATUSES:
        return (
            _("The portal could not process the listing."),
            _("Check the listing's details and save again; if it keeps failing, contact the portal's Customer Care."),
        )
    return ("", "")


def customer_care_request(status: MediaPortalStatus, *, sync: ListingSync) -> str:
    """Return the text of the request to send the portal's Customer Care about a media it could not download."""
    lines = [
        _("Hello,"),
        "",
        _("Your services could not download a media of our classified (status %(status)s).")
        % {"status": status.status},
        _("Classified id: %(id)s") % {"id": sync.classified_id},
        _("Listing reference (offererEstateId): %(ref)s") % {"ref": sync.listing.reference},
        _("Media URL: %(url)s") % {"url": status.url},
        _("traceparent of our last update: %(trace)s") % {"trace": sync.last_traceparent or "-"},
    ]
    if status.url_checked_at and status.url_works:
        lines.append(
            _("We checked the URL from outside on %(when)s: it works (%(detail)s).")
            % {"when": _utc(status.url_checked_at), "detail": status.url_check_detail}
        )
    lines += ["", _("Could you please take this media into account again?"), "", _("Thank you.")]
    return "\n".join(lines)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
