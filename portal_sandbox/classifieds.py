"""What happens synchronously when the portal accepts a POST, PUT or DELETE.

Each action checks the portal's business rules (unique offererEstateId per agency, a media
URL used by one classified only, If-Match), stores the new state, records the RECEIVED
status and queues a revision for the background processor. Media are processed later,
by ``processing``; the answer only says the request was accepted.
"""

import json
import uuid

from django.db import transaction
from django.utils import timezone

from portal_sandbox import processing
from portal_sandbox.auth import Caller
from portal_sandbox.models import Classified, Revision, StatusEvent, UrlClaim
from portal_sandbox.problems import FieldError
from portal_sandbox.vocabulary import ClassifiedStatus, MediaStatus


class ClassifiedNotFound(Exception):
    """The classified does not exist, was deleted, or belongs to another agency."""


class StaleEtag(Exception):
    """If-Match names an ETag that is no longer the classified's."""


class DuplicatedClassified(Exception):
    def __init__(self, offerer_estate_id: str, classified_id: uuid.UUID) -> None:
        super().__init__(offerer_estate_id)
        self.offerer_estate_id = offerer_estate_id
        self.classified_id = classified_id


class DuplicatedMedia(Exception):
    def __init__(self, url: str, classified_id: uuid.UUID) -> None:
        super().__init__(url)
        self.url = url
        self.classified_id = classified_id
        self.media_id = media_id_for(classified_id, url)


def media_id_for(classified_id: uuid.UUID, url: str) -> uuid.UUID:
    """Return the stable id the portal gives to the media ``url`` of a classified."""
    return uuid.uuid5(classified_id, url)


def classified_for(caller: Caller, classified_id: str, *, include_deleted: bool = False) -> Classified:
    """Return the caller's classified, or raise ClassifiedNotFound: the one access gate."""
    try:
        key = uuid.UUID(classified_id)
    except ValueError:
        raise ClassifiedNotFound(classified_id) from None
    found = Classified.objects.filter(pk=key, client_id=caller.client_id, intermediary_id=caller.intermediary_id)
    if not include_deleted:
        found = found.filter(deleted_at__isnull=True)
    classified = found.first()
    if classified is None:
        raise ClassifiedNotFound(classified_id)
    return classified


def media_url_errors(payload: dict) -> list[FieldError]:
    """Return an error for each media URL listed twice in one payload."""
    first_index: dict[str, int] = {}
    errors = []
    for index, url in enumerate(_media_urls(payload)):
        if url in first_index:
            reason = f"must be unique within the classified: same url as /media/{first_index[url]}/url"
            errors.append(FieldError(f"/media/{index}/url", reason))
        first_index.setdefault(url, index)
    return errors


def classified_create(*, caller: Caller, payload: dict) -> Classified:
    """Accept a new classified and queue its processing."""
    offerer_estate_id = _offerer_estate_id(payload)
    with transaction.atomic():
        _check_unique_offerer_estate_id(caller, offerer_estate_id, exclude=None)
        _check_urls_free(payload, exclude=None)
        classified = Classified.objects.create(
            client_id=caller.client_id,
            intermediary_id=caller.intermediary_id,
            offerer_estate_id=offerer_estate_id,
            payload=payload,
        )
        _claim_urls(classified, payload)
        _queue_revision(classified, Revision.Operation.CREATE, payload)
    return classified


def classified_update(
    classified_id: str, *, caller: Caller, payload: dict, if_match: str | None
) -> tuple[Classified, bool]:
    """Accept a full replacement of a classified; return it and whether it changed nothing."""
    offerer_estate_id = _offerer_estate_id(payload)
    with transaction.atomic():
        classified = classified_for(caller, classified_id)
        if if_match is not None and not etag_matches(if_match, classified.etag):
            raise StaleEtag(classified_id)
        _check_unique_offerer_estate_id(caller, offerer_estate_id, exclude=classified)
        _check_urls_free(payload, exclude=classified)
        is_noop = canonical_json(payload) == canonical_json(classified.payload)
        classified.payload = payload
        classified.offerer_estate_id = offerer_estate_id
        classified.revision += 1
        classified.etag_version += 1
        classified.save()
        _claim_urls(classified, payload)
        _queue_revision(classified, Revision.Operation.UPDATE, payload)
    return classified, is_noop


def classified_delete(classified_id: str, *, caller: Caller) -> Classified:
    """Accept the deletion of a classified; its offererEstateId and URLs are free at once."""
    with transaction.atomic():
        classified = classified_for(caller, classified_id)
        classified.deleted_at = timezone.now()
        classified.revision += 1
        classified.save()
        classified.url_claims.all().delete()
        _queue_revision(classified, Revision.Operation.DELETE, None)
    return classified


def etag_matches(if_match: str, etag: str) -> bool:
    """Return whether an If-Match header (a list, "*", weak or unquoted tags) names ``etag``."""
    wanted = etag.strip('"')
    for candidate in if_match.split(","):
        candidate = candidate.strip().removeprefix("W/").strip('"')
        if candidate in ("*", wanted):
            return True
    return False


def canonical_json(payload: object) -> str:
    """Return the payload in a form where equal documents give equal strings."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _offerer_estate_id(payload: dict) -> str:
    """Return the payload's offererEstateId (validation guarantees it is there)."""
    return payload["data"]["metaData"]["source"]["offererEstateId"]


def _media_urls(payload: dict) -> list[str]:
    """Return the media URLs of a payload, in order."""
    return [item["url"] for item in payload.get("media") or []]


def _check_unique_offerer_estate_id(caller: Caller, offerer_estate_id: str, *, exclude: Classified | None) -> None:
    """Raise DuplicatedClassified if another live classified of the agency uses the id."""
    others = Classified.objects.filter(
        client_id=caller.client_id,
        intermediary_id=caller.intermediary_id,
        offerer_estate_id=offerer_estate_id,
        deleted_at__isnull=True,
    )
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    owner = others.values_list("pk", flat=True).first()
    if owner is not None:
        raise DuplicatedClassified(offerer_estate_id, owner)


def _check_urls_free(payload: dict, *, exclude: Classified | None) -> None:
    """Raise DuplicatedMedia if a URL of the payload belongs to another live classified."""
    claims = UrlClaim.objects.filter(url__in=_media_urls(payload))
    if exclude is not None:
        claims = claims.exclude(classified=exclude)
    claim = claims.first()
    if claim is not None:
        raise DuplicatedMedia(claim.url, claim.classified_id)


def _claim_urls(classified: Classified, payload: dict) -> None:
    """Make the classified's URL claims exactly the payload's URLs."""
    urls = set(_media_urls(payload))
    classified.url_claims.exclude(url__in=urls).delete()
    held = set(classified.url_claims.values_list("url", flat=True))
    UrlClaim.objects.bulk_create(UrlClaim(url=url, classified=classified) for url in urls - held)


def _queue_revision(classified: Classified, operation: str, payload: dict | None) -> None:
    """Record the RECEIVED status and queue the revision for the processor."""
    Revision.objects.create(classified=classified, number=classified.revision, operation=operation, payload=payload)
    StatusEvent.objects.create(
        classified=classified,
        revision=classified.revision,
        status=ClassifiedStatus.RECEIVED,
        sub_status=f"RECEIVED_{operation}",
        message=ClassifiedStatus.MESSAGES[ClassifiedStatus.RECEIVED],
        media_statuses=[{"url": url, "status": MediaStatus.ACCEPTED} for url in _media_urls(payload or {})],
        status_date=timezone.now(),
    )
    transaction.on_commit(processing.wake)
