"""OAuth 2.0 client credentials as the portal does it: 24-hour bearer tokens per agency.

Tokens look like JWTs (the specification's ``bearerFormat``) but the sandbox only trusts
its own database: a token is valid while a row with its hash exists and has not expired,
so a reset revokes every token. Each call of the token endpoint is logged, because the
real portal reviews token reuse before granting production access.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from portal_sandbox import vocabulary
from portal_sandbox.models import AccessToken, TokenRequest


class TokenRequestError(Exception):
    """A refused token request, carrying the OAuth error code and HTTP status."""

    def __init__(self, error: str, description: str, status: int) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class Caller:
    """Who an API call is made for: the client and the agency named in its token."""

    client_id: str
    intermediary_id: str


def token_grant(body: dict) -> dict:
    """Return the token response for a client_credentials body, logging the request."""
    client_id = str(body.get("client_id") or "")
    intermediary_id = str(body.get("intermediary_id") or "")
    try:
        _check_token_body(body)
    except TokenRequestError:
        TokenRequest.objects.create(client_id=client_id, intermediary_id=intermediary_id, granted=False)
        raise
    now = timezone.now()
    lifetime = settings.PORTAL_TOKEN_LIFETIME
    token = _jwt_shaped_token(client_id, intermediary_id, issued_at=int(now.timestamp()), lifetime=lifetime)
    AccessToken.objects.create(
        token_hash=_hash(token),
        client_id=client_id,
        intermediary_id=intermediary_id,
        issued_at=now,
        expires_at=now + timedelta(seconds=lifetime),
    )
    TokenRequest.objects.create(client_id=client_id, intermediary_id=intermediary_id, granted=True)
    return {"access_token": token, "expires_in": lifetime, "token_type": "Bearer", "scope": "caas:*"}


def _check_token_body(body: dict) -> None:
    """Raise TokenRequestError unless ``body`` is a valid request from the demo client."""
    if body.get("grant_type") != "client_credentials":
        raise TokenRequestError("unsupported_grant_type", "grant_type must be client_credentials", 400)
    missing = [name for name in ("client_id", "client_secret", "audience", "intermediary_id") if not body.get(name)]
    if missing:
        raise TokenRequestError("invalid_request", f"missing: {', '.join(missing)}", 400)
    known = hmac.compare_digest(str(body["client_id"]), settings.PORTAL_CLIENT_ID) and hmac.compare_digest(
        str(body["client_secret"]), settings.PORTAL_CLIENT_SECRET
    )
    if not known:
        raise TokenRequestError("access_denied", "Unauthorized", 401)
    if body["audience"] != settings.PORTAL_AUDIENCE:
        raise TokenRequestError("access_denied", f"Service not enabled within domain: {body['audience']}", 403)


def _jwt_shaped_token(client_id: str, intermediary_id: str, *, issued_at: int, lifetime: int) -> str:
    """Return a signed token in JWT form; its claims are informative only."""
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "iss": "portal-sandbox",
        "sub": client_id,
        "aud": settings.PORTAL_AUDIENCE,
        "intermediary_id": intermediary_id,
        "scope": "caas:*",
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "jti": secrets.token_hex(8),
    }
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = hmac.new(settings.SECRET_KEY.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _b64(part: dict) -> str:
    """Return ``part`` as base64url JSON without padding."""
    return base64.urlsafe_b64encode(json.dumps(part, separators=(",", ":")).encode()).rstrip(b"=").decode()


def _hash(token: str) -> str:
    """Return the digest stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def caller_for(request: HttpRequest) -> Caller | None:
    """Return the caller named by the request's valid bearer token, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = (
        AccessToken.objects.filter(token_hash=_hash(token.strip()), expires_at__gt=timezone.now())
        .values("client_id", "intermediary_id")
        .first()
    )
    return Caller(**row) if row else None


def tokens_expire_now() -> int:
    """Expire every token (a fault for testing refresh on 401); return how many."""
    return AccessToken.objects.filter(expires_at__gt=timezone.now()).update(expires_at=timezone.now())


def user_agent_is_valid(request: HttpRequest) -> bool:
    """Return whether the User-Agent header follows the specification's pattern."""
    return re.search(vocabulary.USER_AGENT_PATTERN, request.headers.get("User-Agent", "")) is not None
