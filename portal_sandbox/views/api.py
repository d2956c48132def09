"""The portal API under /caas/v4: classifieds, their statuses, and the shared request checks."""

import functools
import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from portal_sandbox import auth, classified_shape, classifieds, problems, validation
from portal_sandbox.models import Classified, StatusEvent
from portal_sandbox.problems import FieldError
from portal_sandbox.vocabulary import USER_AGENT_PATTERN

View = Callable[..., HttpResponse]


def portal_api(*methods: str) -> Callable[[View], View]:
    """Wrap a view with the portal's gate: allowed methods, bearer token, User-Agent."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method not in methods:
                response = problems.problem(
                    request, status=405, title="Method Not Allowed", detail=f"{request.method} is not supported here."
                )
                response["Allow"] = ", ".join(methods)
                return response
            caller = auth.caller_for(request)
            if caller is None:
                return problems.unauthorized(request)
            if not auth.user_agent_is_valid(request):
                error = FieldError("user-agent", f'must match pattern "{USER_AGENT_PATTERN}"')
                return problems.validation_error(request, [error], source="header")
            return view(request, caller, *args, **kwargs)

        return wrapper

    return decorate


def _payload_or_problem(request: HttpRequest) -> tuple[dict | None, HttpResponse | None]:
    """Return the validated JSON body, or the 400 answer explaining why it is refused."""
    if not request.body:
        return None, problems.parsing_error(request, "Body is not defined")
    if request.content_type != "application/json":
        error = FieldError("content-type", "must be application/json")
        return None, problems.validation_error(request, [error], source="contentType")
    try:
        payload = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        return None, problems.parsing_error(request)
    errors = validation.validate(classified_shape.CLASSIFIED, payload)
    if not errors:
        errors = classifieds.media_url_errors(payload)
    if errors:
        return None, problems.validation_error(request, errors)
    return payload, None


def _accepted(classified: Classified) -> JsonResponse:
    """Return the 202 answer of POST, PUT and DELETE."""
    body = {"classifiedId": str(classified.pk), "links": [{"statuses": f"/classifieds/{classified.pk}/statuses"}]}
    return JsonResponse(body, status=202)


def _representation(classified: Classified) -> dict:
    """Return the classified as GET shows it: the last accepted payload and its id."""
    return {**classified.payload, "classifiedId": str(classified.pk)}


def _business_problem(request: HttpRequest, error: Exception) -> HttpResponse:
    """Return the answer for a refusal raised by a classifieds action."""
    if isinstance(error, classifieds.ClassifiedNotFound):
        return problems.not_found(request, str(error))
    if isinstance(error, classifieds.StaleEtag):
        return problems.precondition_failed(request)
    if isinstance(error, classifieds.DuplicatedClassified):
        return problems.duplicated_classified(
            request, offerer_estate_id=error.offerer_estate_id, classified_id=str(error.classified_id)
        )
    assert isinstance(error, classifieds.DuplicatedMedia)
    return problems.duplicated_media(
        request, url=error.url, media_id=str(error.media_id), classified_id=str(error.classified_id)
    )


_REFUSALS = (
    classifieds.ClassifiedNotFound, classifieds.StaleEtag,
    classifieds.DuplicatedClassified, classifieds.DuplicatedMedia,
)  # fmt: skip


@portal_api("GET", "POST")
def classifieds_collection(request: HttpRequest, caller: auth.Caller) -> HttpResponse:
    """Create a classified (POST) or list the agency's live classifieds (GET)."""
    if request.method == "GET":
        found = Classified.objects.filter(
            client_id=caller.client_id, intermediary_id=caller.intermediary_id, deleted_at__isnull=True
        )
        if request.GET.get("offererEstateId"):
            found = found.filter(offerer_estate_id=request.GET["offererEstateId"])
        limit = int(request.GET["limit"]) if request.GET.get("limit", "").isdigit() else 250
        return JsonResponse({"items": [_representation(c) for c in found.order_by("created_at")[:limit]]})
    payload, refusal = _payload_or_problem(request)
    if refusal:
        return refusal
    try:
        classified = classifieds.classified_create(caller=caller, payload=payload)
    except _REFUSALS as error:
        return _business_problem(request, error)
    request.sandbox_classified_id = classified.pk
    return _accepted(classified)


@portal_api("GET", "PUT", "DELETE")
def classified_item(request: HttpRequest, caller: auth.Caller, classified_id: str) -> HttpResponse:
    """Read (GET, with ETag), replace (PUT, optional If-Match) or delete one classified."""
    try:
        if request.method == "GET":
            classified = classifieds.classified_for(caller, classified_id)
            response = JsonResponse(_representation(classified))
            response["ETag"] = classified.etag
            return response
        if request.method == "DELETE":
            classified = classifieds.classified_delete(classified_id, caller=caller)
        else:
            payload, refusal = _payload_or_problem(request)
            if refusal:
                return refusal
            classified, request.sandbox_noop = classifieds.classified_update(
                classified_id, caller=caller, payload=payload, if_match=request.headers.get("If-Match")
            )
    except _REFUSALS as error:
        return _business_problem(request, error)
    request.sandbox_classified_id = classified.pk
    return _accepted(classified)


@portal_api("GET")
def classified_statuses(request: HttpRequest, caller: auth.Caller, classified_id: str) -> HttpResponse:
    """Return the processing history, oldest first (``filter=latest``: the last item only)."""
    try:
        classified = classifieds.classified_for(caller, classified_id, include_deleted=True)
    except classifieds.ClassifiedNotFound as error:
        return _business_problem(request, error)
    events = classified.status_events.all()
    if request.GET.getlist("status"):
        events = events.filter(status__in=request.GET.getlist("status"))
    items = [status_item(event, classified) for event in events]
    if request.GET.get("filter") == "latest" or request.GET.get("current"):
        items = items[-1:]
    if request.GET.get("limit", "").isdigit():
        items = items[: int(request.GET["limit"])]
    return JsonResponse({"items": items})


def status_item(event: StatusEvent, classified: Classified) -> dict:
    """Return one history item shaped as ClassifiedStatusInternal."""
    item = {
        "statusId": str(event.status_id),
        "classifiedId": str(classified.pk),
        "customerId": classified.intermediary_id,
        "creationDate": _iso(event.status_date),
        "revision": event.revision,
        "portals": classified.payload.get("portals", []),
        "status": event.status,
        "message": event.message,
        "statusDate": _iso(event.status_date),
        "mediaStatuses": event.media_statuses,
    }
    if event.sub_status:
        item["subStatus"] = event.sub_status
    return item


def _iso(moment) -> str:
    """Return a UTC timestamp as the portal writes it."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@portal_api("PUT", "DELETE")
def webhooks(request: HttpRequest, caller: auth.Caller) -> HttpResponse:
    """Refuse webhooks: the sandbox does not push statuses, clients poll /statuses."""
    return problems.problem(
        request,
        status=501,
        title="Not Implemented",
        detail="The portal sandbox does not send webhooks; poll GET /classifieds/{classifiedId}/statuses.",
    )


@portal_api("GET", "POST", "PUT", "DELETE", "PATCH")
def unknown_endpoint(request: HttpRequest, caller: auth.Caller, rest: str) -> HttpResponse:
    """Answer 404 for any other path under /caas/v4."""
    return problems.not_found(request, request.path)
