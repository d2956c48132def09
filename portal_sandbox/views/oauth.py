"""The OAuth 2.0 token endpoint (client_credentials, JSON body)."""

import json

from django.http import HttpRequest, JsonResponse

from portal_sandbox import auth


def token(request: HttpRequest) -> JsonResponse:
    """Grant a 24-hour bearer token, or answer an OAuth error document."""
    if request.method != "POST":
        return JsonResponse({"error": "invalid_request", "error_description": "use POST"}, status=405)
    try:
        body = json.loads(request.body or b"null")
    except (UnicodeDecodeError, ValueError):
        body = None
    if not isinstance(body, dict):
        return JsonResponse(
            {"error": "invalid_request", "error_description": "the body must be a JSON object"}, status=400
        )
    try:
        granted = auth.token_grant(body)
    except auth.TokenRequestError as error:
        return JsonResponse({"error": error.error, "error_description": error.description}, status=error.status)
    response = JsonResponse(granted)
    # RFC 6749 section 5.1: token responses must not be cached.
    response["Cache-Control"] = "no-store"
    return response
