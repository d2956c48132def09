"""The portal client: the only code that knows the portal's HTTP details.

One ``PortalClient`` per agency (the token names the agency through ``intermediary_id``).
It owns the HTTP session, the timeout of every call, the ``User-Agent``, the OAuth token
(cached in the shared Django cache for its lifetime and renewed shortly before it
expires, one request per agency at a time), the ``traceparent`` of every answer (logged
and returned), and the mapping of RFC 7807 problems to the exceptions below. Answers
may carry fields we do not know: they are ignored.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import platform
import re
import time
import uuid
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.core.cache import cache

from media_sync import vocabulary as v

logger = logging.getLogger(__name__)

TOKEN_RENEW_MARGIN = 300  # seconds before expiry when a token is renewed
TOKEN_LOCK_SECONDS = 30
_UA_PART = re.compile(r"[/\s]+")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
class PortalError(Exception):
    """A call that did not succeed; carries what the portal said and its traceparent."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: dict | None = None,
        traceparent: str = "",
        duration_ms: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}
        self.traceparent = traceparent
        self.duration_ms = duration_ms


class PortalUnavailable(PortalError):
    """Network error, timeout, 5xx or 429: worth retrying later."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PortalRateLimited(PortalUnavailable):
    """429 Too Many Requests; ``retry_after`` says when to come back."""


class PortalAuthError(PortalError):
    """The token endpoint refused our credentials, or the portal refused a fresh token."""


class PortalRejected(PortalError):
    """400: the payload (or request) is refused; sending it again will not help."""

    @property
    def errors(self) -> list[dict]:
        """Return the ``errors[]`` of a validation error: ``{"name": JSON pointer, "reason"}``."""
        items = self.problem.get(v.PROBLEM_ERRORS) or []
        return [
            {"name": str(item.get(v.PROBLEM_ERROR_NAME, "")), "reason": str(item.get(v.PROBLEM_ERROR_REASON, ""))}
            for item in items
            if isinstance(item, dict)
        ]


class DuplicatedClassified(PortalRejected):
    """POST refused: our ``offererEstateId`` is already a classified, named by ``classified_id``."""

    @property
    def classified_id(self) -> str:
        """Return the id of the existing classified, read from the problem's detail."""
        match = re.search(v.CLASSIFIED_ID_IN_DETAIL, str(self.problem.get(v.PROBLEM_DETAIL, "")))
        return match.group(1) if match else ""


class DuplicatedMedia(PortalRejected):
    """A media URL already belongs to another classified."""

    @property
    def url(self) -> str:
        """Return the URL the portal names."""
        match = re.search(v.URL_IN_DETAIL, str(self.problem.get(v.PROBLEM_DETAIL, "")))
        return match.group(1) if match else ""


class PreconditionFailed(PortalError):
    """412: the classified changed since the ETag we sent."""


class ClassifiedNotFound(PortalError):
    """404: the classified does not exist (any more) for this agency."""


# ---------------------------------------------------------------------------
# Configuration and answers
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PortalConfig:
    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    audience: str
    software_name: str
    software_version: str
    timeout: float

    @classmethod
    def from_settings(cls) -> PortalConfig:
        """Return the configuration the settings describe (read now, not at import)."""
        return cls(
            base_url=settings.PORTAL_BASE_URL.rstrip("/"),
            token_url=settings.PORTAL_TOKEN_URL,
            client_id=settings.PORTAL_CLIENT_ID,
            client_secret=settings.PORTAL_CLIENT_SECRET,
            audience=settings.PORTAL_AUDIENCE,
            software_name=settings.PORTAL_SOFTWARE_NAME,
            software_version=settings.PORTAL_SOFTWARE_VERSION,
            timeout=float(settings.PORTAL_TIMEOUT),
        )


@dataclass(frozen=True)
class PortalResponse:
    status: int
    body: dict = field(default_factory=dict)
    traceparent: str = ""
    etag: str = ""
    duration_ms: int = 0

    @property
    def classified_id(self) -> str:
        """Return the ``classifiedId`` of a 202 answer."""
        return str(self.body.get(v.FIELD_CLASSIFIED_ID) or "")


def user_agent(config: PortalConfig) -> str:
    """Return the User-Agent in the specification's form: software, tool and system, each name/version."""
    parts = [
        (config.software_name, config.software_version),
        ("python-requests", requests.__version__),
        (platform.system() or "unknown", platform.release() or "unknown"),
    ]
    return " ".join(f"{_UA_PART.sub('-', name) or 'unknown'}/{_UA_PART.sub('-', ver) or '0'}" for name, ver in parts)


def retry_after_seconds(value: str | None) -> float | None:
    """Return the delay a Retry-After header asks for (seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


# ---------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------
class PortalClient:
    """Calls of the Aviv Classified API v4 for one agency."""

    def __init__(self, *, intermediary_id: str, config: PortalConfig | None = None) -> None:
        self.config = config or PortalConfig.from_settings()
        self.intermediary_id = intermediary_id
        self.session = requests.Session()
        self.session.headers[v.HEADER_USER_AGENT] = user_agent(self.config)

    # -- classifieds ------------------------------------------------------------------
    def create_classified(self, payload: dict) -> PortalResponse:
        """POST the classified; return the 202 answer (its ``classified_id``)."""
        return self._call("POST", v.CLASSIFIEDS_PATH, json_body=payload)

    def update_classified(self, classified_id: str, payload: dict, *, etag: str = "") -> PortalResponse:
        """PUT the whole classified, with ``If-Match`` when an ETag is known."""
        headers = {v.HEADER_IF_MATCH: etag} if etag else {}
        return self._call("PUT", self.classified_path(classified_id), json_body=payload, headers=headers)

    def get_classified(self, classified_id: str) -> PortalResponse:
        """GET the classified; the answer carries its current ETag."""
        return self._call("GET", self.classified_path(classified_id))

    def delete_classified(self, classified_id: str) -> PortalResponse:
        """DELETE the classified (stop its publication)."""
        return self._call("DELETE", self.classified_path(classified_id))

    def classified_statuses(self, classified_id: str) -> PortalResponse:
        """GET the processing history of the classified (``items``), following ``nextToken``."""
        path = v.CLASSIFIED_STATUSES_PATH.format(classified_id=classified_id)
        response = self._call("GET", path)
        items = list(response.body.get(v.FIELD_ITEMS) or [])
        next_token = response.body.get(v.FIELD_NEXT_TOKEN)
        pages = 1
        while next_token and pages < 20:
            page = self._call("GET", path, params={v.FIELD_NEXT_TOKEN: next_token})
            items.extend(page.body.get(v.FIELD_ITEMS) or [])
            next_token = page.body.get(v.FIELD_NEXT_TOKEN)
            pages += 1
        return PortalResponse(
            status=response.status,
            body={**response.body, v.FIELD_ITEMS: items},
            traceparent=response.traceparent,
            duration_ms=response.duration_ms,
        )

    @staticmethod
    def classified_path(classified_id: str) -> str:
        """Return the path of one classified."""
        return v.CLASSIFIED_PATH.format(classified_id=classified_id)

    # -- plumbing ---------------------------------------------------------------------
    def _call(
        self, method: str, path: str, *, json_body: dict | None = None, headers: dict | None = None,
        params: dict | None = None,
    ) -> PortalResponse:  # fmt: skip
        token = self.access_token()
        response = self._send(method, path, token=token, json_body=json_body, headers=headers, params=params)
        if response.status_code == 401:
            # Revoked or expired early: renew once (other processes may already have done it).
            token = self.access_token(stale=token)
            response = self._send(method, path, token=token, json_body=json_body, headers=headers, params=params)
        return self._answer(method, path, response)

    def _send(self, method: str, path: str, *, token: str, json_body, headers, params) -> requests.Response:
        all_headers = {
            v.HEADER_AUTHORIZATION: f"{v.BEARER} {token}",
            v.HEADER_ACCEPT: v.JSON_CONTENT_TYPE,
            **(headers or {}),
        }
        body = None
        if json_body is not None:
            all_headers[v.HEADER_CONTENT_TYPE] = v.JSON_CONTENT_TYPE
            body = json.dumps(json_body, ensure_ascii=False).encode()
        started = time.monotonic()
        try:
            response = self.session.request(
                method, self.config.base_url + path, data=body, headers=all_headers, params=params,
                timeout=self.config.timeout,
            )  # fmt: skip
        except requests.Timeout as error:
            raise PortalUnavailable(
                f"{method} {path}: no answer within {self.config.timeout:g} s", duration_ms=_ms(started)
            ) from error
        except requests.RequestException as error:
            raise PortalUnavailable(
                f"{method} {path}: could not connect ({type(error).__name__})", duration_ms=_ms(started)
            ) from error
        response.duration_ms = _ms(started)  # type: ignore[attr-defined]
        return response

    def _answer(self, method: str, path: str, response: requests.Response) -> PortalResponse:
        traceparent = response.headers.get(v.HEADER_TRACEPARENT, "")
        duration_ms = getattr(response, "duration_ms", 0)
        status = response.status_code
        logger.info(
            "portal %s %s -> %s in %d ms traceparent=%s intermediary=%s",
            method, path, status, duration_ms, traceparent, self.intermediary_id,
        )  # fmt: skip
        body = _json_or_empty(response)
        if 200 <= status < 300:
            return PortalResponse(
                status=status,
                body=body,
                traceparent=traceparent,
                etag=response.headers.get(v.HEADER_ETAG, ""),
                duration_ms=duration_ms,
            )
        raise problem_error(
            status, body, traceparent=traceparent, duration_ms=duration_ms,
            retry_after=response.headers.get(v.HEADER_RETRY_AFTER), where=f"{method} {path}",
        )  # fmt: skip

    # -- token ------------------------------------------------------------------------
    def token_cache_key(self) -> str:
        """Return the cache key of this agency's token (shared by every process)."""
        ident = hashlib.sha256(
            f"{self.config.token_url}|{self.config.client_id}|{self.config.audience}|{self.intermediary_id}".encode()
        ).hexdigest()[:32]
        return f"media_sync:portal-token:{ident}"

    def access_token(self, *, stale: str = "") -> str:
        """Return a valid token for the agency: the cached one, or a new one when it nears expiry.

        `stale` names a token the portal just refused: it is not returned again.
        """
        key = self.token_cache_key()
        cached = _usable(cache.get(key), stale=stale)
        if cached:
            return cached
        lock_key = f"{key}:renewing"
        deadline = time.monotonic() + self.config.timeout + 1
        while True:
            if cache.add(lock_key, uuid.uuid4().hex, timeout=TOKEN_LOCK_SECONDS):
                try:
                    cached = _usable(cache.get(key), stale=stale)
                    if cached:
                        return cached
                    token, expires_in = self._request_token()
                    cache.set(
                        key,
                        {"token": token, "expires_at": time.time() + expires_in},
                        timeout=max(1, int(expires_in)),
                    )
                    return token
                finally:
                    cache.delete(lock_key)
            # Another process is renewing: wait for its token rather than asking for a second one.
            time.sleep(0.1)
            cached = _usable(cache.get(key), stale=stale)
            if cached:
                return cached
            if time.monotonic() > deadline:
                cache.delete(lock_key)

    def _request_token(self) -> tuple[str, float]:
        body = {
            v.TOKEN_FIELD_CLIENT_ID: self.config.client_id,
            v.TOKEN_FIELD_CLIENT_SECRET: self.config.client_secret,
            v.TOKEN_FIELD_GRANT_TYPE: v.TOKEN_GRANT_TYPE,
            v.TOKEN_FIELD_AUDIENCE: self.config.audience,
            v.TOKEN_FIELD_INTERMEDIARY_ID: self.intermediary_id,
        }
        started = time.monotonic()
        try:
            response = self.session.post(self.config.token_url, json=body, timeout=self.config.timeout)
        except requests.RequestException as error:
            raise PortalUnavailable(f"token endpoint: {type(error).__name__}", duration_ms=_ms(started)) from error
        traceparent = response.headers.get(v.HEADER_TRACEPARENT, "")
        logger.info(
            "portal token for intermediary=%s -> %s traceparent=%s",
            self.intermediary_id,
            response.status_code,
            traceparent,
        )
        data = _json_or_empty(response)
        if response.status_code == 429 or response.status_code >= 500:
            raise PortalUnavailable(
                f"token endpoint answered {response.status_code}",
                status=response.status_code,
                traceparent=traceparent,
                retry_after=retry_after_seconds(response.headers.get(v.HEADER_RETRY_AFTER)),
            )
        token = data.get(v.TOKEN_FIELD_ACCESS_TOKEN)
        if response.status_code != 200 or not token:
            reason = data.get("error_description") or data.get("error") or response.status_code
            raise PortalAuthError(f"token refused: {reason}", status=response.status_code, traceparent=traceparent)
        try:
            expires_in = float(data.get(v.TOKEN_FIELD_EXPIRES_IN) or 3600)
        except (TypeError, ValueError):
            expires_in = 3600.0
        return str(token), expires_in


def problem_error(
    status: int, problem: dict, *, traceparent: str = "", duration_ms: int | None = None,
    retry_after: str | None = None, where: str = "",
) -> PortalError:  # fmt: skip
    """Return the typed exception for an error answer (RFC 7807 problem details)."""
    title = str(problem.get(v.PROBLEM_TITLE) or "")
    detail = str(problem.get(v.PROBLEM_DETAIL) or "")
    message = f"{where}: {status} {title}{' – ' + detail if detail else ''}".strip(": ")
    kwargs = {"status": status, "problem": problem, "traceparent": traceparent, "duration_ms": duration_ms}
    if status == 429:
        return PortalRateLimited(message, retry_after=retry_after_seconds(retry_after), **kwargs)
    if status >= 500 or status == 408:
        return PortalUnavailable(message, retry_after=retry_after_seconds(retry_after), **kwargs)
    if status == 412:
        return PreconditionFailed(message, **kwargs)
    if status == 404:
        return ClassifiedNotFound(message, **kwargs)
    if status in (401, 403):
        return PortalAuthError(message, **kwargs)
    problem_type = str(problem.get(v.PROBLEM_TYPE) or "")
    if problem_type.endswith(v.DUPLICATED_CLASSIFIED_TYPE_SUFFIX) or title == v.DUPLICATED_CLASSIFIED_TITLE:
        return DuplicatedClassified(message, **kwargs)
    if problem_type.endswith(v.DUPLICATED_MEDIA_TYPE_SUFFIX) or title == v.DUPLICATED_MEDIA_TITLE:
        return DuplicatedMedia(message, **kwargs)
    return PortalRejected(message, **kwargs)


def _usable(cached: object, *, stale: str) -> str:
    if not isinstance(cached, dict) or not cached.get("token") or cached["token"] == stale:
        return ""
    if float(cached.get("expires_at", 0)) - time.time() <= TOKEN_RENEW_MARGIN:
        return ""
    return str(cached["token"])


def _json_or_empty(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
