"""The portal client: User-Agent, token cache, traceparent, problem details, tolerance of new fields."""

from __future__ import annotations

import email.utils
import json
import re
import threading
import time

import pytest
import requests
from django.core.cache import cache

from media_sync import portal as portal_module
from media_sync.portal import (
    DuplicatedClassified,
    DuplicatedMedia,
    PortalClient,
    PortalConfig,
    PortalRateLimited,
    PortalRejected,
    PortalUnavailable,
    PreconditionFailed,
    problem_error,
    retry_after_seconds,
    user_agent,
)
from media_sync.tasks import retry_delay

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


@pytest.mark.needs_shared
def test_the_user_agent_has_the_specification_form(portal_schema_path, settings):
    spec = json.loads(portal_schema_path.read_text())
    pattern = spec["components"]["parameters"]["userAgentHeader"]["schema"]["pattern"]
    settings.PORTAL_SOFTWARE_NAME = "Media Immo/Pro"  # spaces and slashes are not allowed inside a part
    agent = user_agent(PortalConfig.from_settings())
    assert re.search(pattern, agent), agent
    assert agent.startswith("Media-Immo-Pro/")


@pytest.mark.django_db(transaction=True)
def test_an_error_answer_gives_its_traceparent(portal):
    client = PortalClient(intermediary_id="INT-X")
    with pytest.raises(portal_module.ClassifiedNotFound) as raised:
        client.get_classified("00000000-0000-0000-0000-000000000000")
    assert TRACEPARENT.match(raised.value.traceparent)
    traces = [call["traceparent"] for call in portal.sandbox.stats()["calls"]["recent"]]
    assert traces == [raised.value.traceparent]


@pytest.mark.django_db(transaction=True)
def test_a_token_is_shared_by_every_client_of_an_agency_and_asked_once(portal):
    for _ in range(3):  # three "processes": three clients, one shared cache
        with pytest.raises(portal_module.ClassifiedNotFound):
            PortalClient(intermediary_id="INT-A").get_classified("00000000-0000-0000-0000-000000000000")
    assert portal.sandbox.stats()["token_requests"]["total"] == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_calls_ask_for_one_token_only(portal):
    tokens: list[str] = []
    threads = [
        threading.Thread(target=lambda: tokens.append(PortalClient(intermediary_id="INT-B").access_token()))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1 and len(tokens) == 6
    assert portal.sandbox.stats()["token_requests"]["total"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_token_is_renewed_shortly_before_it_expires(portal):
    client = PortalClient(intermediary_id="INT-C")
    first = client.access_token()
    cached = cache.get(client.token_cache_key())
    assert cached["expires_at"] - time.time() > 86000  # cached for its whole 24 h lifetime
    cache.set(client.token_cache_key(), {**cached, "expires_at": time.time() + 60}, timeout=60)
    assert client.access_token() != first
    assert portal.sandbox.stats()["token_requests"]["total"] == 2


@pytest.mark.django_db(transaction=True)
def test_refused_credentials_are_an_authentication_error(portal, settings):
    settings.PORTAL_CLIENT_SECRET = "wrong"
    with pytest.raises(portal_module.PortalAuthError):
        PortalClient(intermediary_id="INT-D").access_token()


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_portal_is_a_retryable_error(settings):
    settings.PORTAL_TOKEN_URL = "http://127.0.0.1:9/oauth/token"
    settings.PORTAL_TIMEOUT = 1
    cache.clear()
    with pytest.raises(PortalUnavailable):
        PortalClient(intermediary_id="INT-E").access_token()


def test_a_validation_problem_carries_its_errors():
    error = problem_error(400, {
        "type": "https://doc/index.html#section/Errors/Validation-Error", "title": "Bad request",
        "detail": "Your request has not been validated", "status": 400, "instance": "00-x",
        "errors": [{"name": "/data/prices", "reason": "must be object", "hint": "a field we do not know"}],
        "errorSource": "body", "newField": {"nested": True},
    })  # fmt: skip
    assert type(error) is PortalRejected
    assert error.errors == [{"name": "/data/prices", "reason": "must be object"}]


def test_named_400s_are_told_apart():
    duplicated = problem_error(400, {
        "type": "https://caas-api-documentation.kugawana.eu/doc/staging/seloger/ingest-v4/index.html#section/Errors/Duplicated-Classifieds-Error",
        "title": "Duplicated classified",
        "detail": "This offererEstateId: ref-1 is already associated with an existing classified identified by "
                  "classifiedId: 10936e98-82eb-47ac-9939-6430090d0e61. Classifieds must have unique offerEstateId.",
    })  # fmt: skip
    assert isinstance(duplicated, DuplicatedClassified)
    assert duplicated.classified_id == "10936e98-82eb-47ac-9939-6430090d0e61"
    media = problem_error(400, {
        "title": "Duplicated media",
        "detail": "This url: https://m.example.fr/m/abc.jpg?timestamp=2026-01-01T00:00:00 is already sent on the media "
                  "identified by mediaId : 9c59 for the classified identified by classifiedId: 5c59. Media must have unique url.",
    })  # fmt: skip
    assert isinstance(media, DuplicatedMedia)
    assert media.url == "https://m.example.fr/m/abc.jpg?timestamp=2026-01-01T00:00:00"


def test_status_codes_map_to_typed_errors():
    assert isinstance(problem_error(412, {}), PreconditionFailed)
    assert isinstance(problem_error(503, {}), PortalUnavailable)
    assert isinstance(problem_error(500, {"unknown": 1}), PortalUnavailable)
    limited = problem_error(429, {}, retry_after="12")
    assert isinstance(limited, PortalRateLimited) and limited.retry_after == 12


def test_retry_after_is_read_as_seconds_or_as_a_date():
    assert retry_after_seconds("30") == 30
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    assert 115 <= retry_after_seconds(later) <= 121
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_retry_after_comes_first_then_exponential_backoff_with_jitter():
    assert retry_delay(3, retry_after=7) == 7
    delays = [retry_delay(n) for n in range(6)]
    for n, delay in enumerate(delays):
        ceiling = 4 * 2**n
        assert ceiling / 2 <= delay <= ceiling
    assert len({retry_delay(4) for _ in range(20)}) > 1  # jitter


def test_answers_with_unknown_fields_are_tolerated():
    response = requests.Response()
    response.status_code = 202
    response._content = json.dumps({"classifiedId": "abc", "links": [], "brandNewField": {"x": 1}}).encode()
    response.headers["traceparent"] = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    answer = PortalClient(intermediary_id="INT", config=_config())._answer("POST", "/classifieds", response)
    assert answer.classified_id == "abc" and answer.traceparent.startswith("00-aaa")


def _config() -> PortalConfig:
    return PortalConfig("http://portal", "http://portal/token", "id", "secret", "aud", "MediaImmo", "1", 5)
