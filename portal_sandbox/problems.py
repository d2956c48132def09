"""RFC 7807 problem documents shaped like the specification's error schemas.

``instance`` is the traceparent of the answer, as in the specification's examples; the
traceparent middleware stores it on the request before any view runs.
"""

from dataclasses import dataclass

from django.http import HttpRequest, JsonResponse

from portal_sandbox import vocabulary


@dataclass(frozen=True)
class FieldError:
    """One entry of a validation error: a JSON pointer (or header name) and a reason."""

    name: str
    reason: str


def problem(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    detail: str,
    type_: str = "about:blank",
    content_type: str = vocabulary.PROBLEM_CONTENT_TYPE,
    **extra: object,
) -> JsonResponse:
    """Return a problem-details response."""
    body = {
        "type": type_,
        "title": title,
        "detail": detail,
        "instance": request.traceparent,
        "status": status,
        **extra,
    }
    return JsonResponse(body, status=status, content_type=content_type)


def validation_error(request: HttpRequest, errors: list[FieldError], *, source: str = "body") -> JsonResponse:
    """Return the 400 "Your request has not been validated" document."""
    return problem(
        request,
        status=400,
        title="Bad request",
        detail="Your request has not been validated",
        type_=vocabulary.VALIDATION_ERROR_TYPE,
        errors=[{"name": error.name, "reason": error.reason} for error in errors],
        errorSource=source,
    )


def parsing_error(request: HttpRequest, detail: str = "Validator could not parse body") -> JsonResponse:
    """Return the 400 answered when the body is absent or is not JSON."""
    return problem(request, status=400, title="Bad request", detail=detail)


def duplicated_classified(request: HttpRequest, *, offerer_estate_id: str, classified_id: str) -> JsonResponse:
    """Return the 400 "Duplicated classified" naming the classified that owns the id."""
    detail = (
        f"This offererEstateId: {offerer_estate_id} is already associated with an existing "
        f"classified identified by classifiedId: {classified_id}. "
        "Classifieds must have unique offerEstateId."
    )
    return problem(
        request,
        status=400,
        title="Duplicated classified",
        detail=detail,
        type_=vocabulary.DUPLICATED_CLASSIFIED_TYPE,
    )


def duplicated_media(request: HttpRequest, *, url: str, media_id: str, classified_id: str) -> JsonResponse:
    """Return the 400 "Duplicated media" naming the classified that already uses the URL."""
    detail = (
        f"This url: {url} is already sent on the media identified by mediaId : {media_id} "
        f"for the classified identified by classifiedId: {classified_id}. "
        "Media must have unique url."
    )
    return problem(request, status=400, title="Duplicated media", detail=detail, type_=vocabulary.DUPLICATED_MEDIA_TYPE)


def unauthorized(request: HttpRequest) -> JsonResponse:
    """Return the 401 of a missing, unknown or expired bearer token."""
    response = problem(
        request,
        status=401,
        title="Unauthorized",
        detail="Invalid token. Please check your authentication token, it can either be not valid or expired.",
        content_type="application/json",
    )
    response["WWW-Authenticate"] = 'Bearer realm="caas", error="invalid_token"'
    return response


def not_found(request: HttpRequest, resource: str) -> JsonResponse:
    """Return the 404 of a classified that does not exist (or belongs to someone else)."""
    return problem(
        request,
        status=404,
        title="Not found",
        detail=f"The resource you are trying to operate with doesn't exists: {resource}.",
    )


def precondition_failed(request: HttpRequest) -> JsonResponse:
    """Return the 412 of a PUT whose If-Match names a stale ETag."""
    return problem(
        request,
        status=412,
        title="Precondition Failed",
        detail="The if-match header don't match with the revision of the classified you are trying to operate with.",
    )
