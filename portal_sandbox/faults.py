"""Faults injected by tests and demos: failing, throttled or slow calls, failing downloads,
ETags that change under the client and tokens that expire early.

The control body of ``POST /_sandbox/faults`` is a JSON object with any of these keys:

- ``fail_next`` (int) with ``status`` (500 or 503, default 503): the next calls fail;
- ``rate_limit_next`` (int) with ``retry_after`` (seconds, default 1): the next calls get 429;
- ``delay_next`` (int) with ``seconds`` (float): the next calls are answered that late;
- ``target``: ``"api"`` (default, calls under /caas/v4) or ``"token"`` (the token endpoint),
  for the three kinds above;
- ``download_fail_pattern`` (regex, or null to clear): downloads of matching URLs fail;
- ``rotate_etag`` (classifiedId): that classified's ETag changes now;
- ``expire_tokens`` (true): every token issued so far expires now;
- ``clear`` (true): forget every pending fault.
"""

import re
import uuid

from django.db import transaction
from django.db.models import F, Q

from portal_sandbox import auth
from portal_sandbox.models import Classified, Fault

_KEYS = {
    "fail_next", "status", "rate_limit_next", "retry_after", "delay_next", "seconds", "target",
    "download_fail_pattern", "rotate_etag", "expire_tokens", "clear",
}  # fmt: skip


def fault_inject(spec: dict) -> dict:
    """Apply a control body (see the module docstring) and return what is now active."""
    if not isinstance(spec, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(unknown)}")
    target = spec.get("target", Fault.Target.API)
    if target not in Fault.Target.values:
        raise ValueError("target must be 'api' or 'token'")
    outcome: dict = {}
    with transaction.atomic():
        if spec.get("clear"):
            Fault.objects.all().delete()
        if "fail_next" in spec:
            status = spec.get("status", 503)
            if status not in (500, 503):
                raise ValueError("status must be 500 or 503")
            Fault.objects.create(
                kind=Fault.Kind.FAIL, target=target, remaining=_count(spec, "fail_next"), status_code=status
            )
        if "rate_limit_next" in spec:
            retry_after = _number(spec.get("retry_after", 1), "retry_after", integer=True)
            Fault.objects.create(
                kind=Fault.Kind.RATE_LIMIT,
                target=target,
                remaining=_count(spec, "rate_limit_next"),
                retry_after=retry_after,
            )
        if "delay_next" in spec:
            seconds = _number(spec.get("seconds"), "seconds")
            Fault.objects.create(
                kind=Fault.Kind.DELAY, target=target, remaining=_count(spec, "delay_next"), seconds=seconds
            )
        if "download_fail_pattern" in spec:
            _set_download_fail_pattern(spec["download_fail_pattern"])
        if "rotate_etag" in spec:
            outcome["etag"] = _rotate_etag(str(spec["rotate_etag"]))
        if spec.get("expire_tokens"):
            outcome["expired_tokens"] = auth.tokens_expire_now()
    return {**outcome, "faults": active_faults()}


def _count(spec: dict, key: str) -> int:
    """Return the positive call count named ``key``."""
    return _number(spec[key], key, integer=True, minimum=1)


def _number(value: object, key: str, *, integer: bool = False, minimum: float = 0) -> float:
    """Return ``value`` if it is a number of the expected kind, else raise ValueError."""
    kinds = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, kinds) or value < minimum:
        raise ValueError(f"{key} must be {'an integer' if integer else 'a number'} >= {minimum}")
    return value


def _set_download_fail_pattern(pattern: object) -> None:
    """Replace the download failure pattern; None clears it."""
    Fault.objects.filter(kind=Fault.Kind.DOWNLOAD_FAIL).delete()
    if pattern is None:
        return
    try:
        re.compile(str(pattern))
    except re.error as error:
        raise ValueError(f"download_fail_pattern is not a regular expression: {error}") from None
    Fault.objects.create(kind=Fault.Kind.DOWNLOAD_FAIL, pattern=str(pattern))


def _rotate_etag(classified_id: str) -> str:
    """Change a live classified's ETag as if someone else had updated it; return the new one."""
    try:
        live = Classified.objects.filter(pk=uuid.UUID(classified_id), deleted_at__isnull=True)
    except ValueError:
        raise ValueError(f"no live classified {classified_id}") from None
    if not live.update(etag_version=F("etag_version") + 1):
        raise ValueError(f"no live classified {classified_id}")
    return live.get().etag


def fault_take(target: str) -> Fault | None:
    """Consume and return the oldest pending call fault for ``target``, if any."""
    pending = Fault.objects.filter(target=target, remaining__gt=0)
    # Most calls find nothing: check with a read before taking the write lock.
    if not pending.exists():
        return None
    with transaction.atomic():
        fault = pending.first()
        if fault is not None:
            Fault.objects.filter(pk=fault.pk).update(remaining=F("remaining") - 1)
    return fault


def download_fails(url: str) -> bool:
    """Return whether an injected pattern makes the download of ``url`` fail."""
    patterns = Fault.objects.filter(kind=Fault.Kind.DOWNLOAD_FAIL).values_list("pattern", flat=True)
    return any(re.search(pattern, url) for pattern in patterns)


def active_faults() -> list[dict]:
    """Return the faults still waiting to strike."""
    active = Fault.objects.filter(Q(remaining__gt=0) | Q(kind=Fault.Kind.DOWNLOAD_FAIL))
    return [
        {
            "kind": fault.kind,
            "target": fault.target,
            "remaining": fault.remaining,
            "status": fault.status_code,
            "retryAfter": fault.retry_after,
            "seconds": fault.seconds,
            "pattern": fault.pattern or None,
        }
        for fault in active
    ]
