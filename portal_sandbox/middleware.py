"""Request plumbing shared by every endpoint: traceparent, call log and injected faults."""

import re
import secrets
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from portal_sandbox import faults, problems, vocabulary
from portal_sandbox.models import ApiCall, Fault

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def _traceparent_for(incoming: str) -> str:
    """Return a W3C traceparent continuing the caller's trace when it sent a valid one."""
    match = _TRACEPARENT.match(incoming)
    trace_id = match.group(2) if match and match.group(2) != "0" * 32 else secrets.token_hex(16)
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


class TraceparentMiddleware:
    """Give every answer a traceparent and log every API call with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.traceparent = _traceparent_for(request.headers.get("traceparent", ""))
        request.sandbox_noop = False
        request.sandbox_classified_id = None
        response = self.get_response(request)
        response["traceparent"] = request.traceparent
        if request.path.startswith(vocabulary.API_PREFIX + "/"):
            ApiCall.objects.create(
                method=request.method,
                path=request.get_full_path(),
                status=response.status_code,
                traceparent=request.traceparent,
                is_noop=request.sandbox_noop,
                classified_id=request.sandbox_classified_id,
            )
        return response


class FaultInjectionMiddleware:
    """Apply the faults injected through POST /_sandbox/faults to API and token calls.

    One call consumes at most one fault, in the order they were injected. A delayed call
    is processed normally and only its answer is late, like a portal that did the work
    but answered after the client gave up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = _fault_target(request.path)
        fault = faults.fault_take(target) if target else None
        if fault is None:
            return self.get_response(request)
        if fault.kind == Fault.Kind.FAIL:
            return _failure(request, fault.status_code or 503)
        if fault.kind == Fault.Kind.RATE_LIMIT:
            response = problems.problem(
                request, status=429, title="Too Many Requests", detail="Rate limit exceeded, retry later."
            )
            response["Retry-After"] = str(fault.retry_after or 1)
            return response
        response = self.get_response(request)
        time.sleep(fault.seconds or 0)
        return response


def _fault_target(path: str) -> str | None:
    """Return which kind of fault can hit ``path``: API calls, token calls or none."""
    if path.startswith(vocabulary.API_PREFIX + "/"):
        return Fault.Target.API
    if path == vocabulary.TOKEN_PATH:
        return Fault.Target.TOKEN
    return None


def _failure(request: HttpRequest, status: int) -> HttpResponse:
    """Return the injected 5xx answer."""
    if status == 500:
        detail = "An error has occurred, please contact the customer support team"
        return problems.problem(request, status=500, title="Internal Server Error", detail=detail)
    return problems.problem(
        request, status=status, title="Service Unavailable", detail="The service is temporarily unavailable."
    )
