"""Each fault injected through POST /_sandbox/faults behaves as described."""

from __future__ import annotations

import time

import pytest
import requests

from tests.sandbox_fixtures import PortalSandbox, classified_payload, make_jpeg, picture


def list_classifieds(sandbox: PortalSandbox, timeout: float = 10) -> requests.Response:
    return requests.get(f"{sandbox.base_url}/classifieds", headers=sandbox.headers(), timeout=timeout)


def test_fail_next_makes_the_next_calls_fail_with_503_then_recovers(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.token()
    portal_sandbox.inject_fault(fail_next=2)

    statuses = [list_classifieds(portal_sandbox).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_fail_next_can_answer_500_with_a_problem_document(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.token()
    portal_sandbox.inject_fault(fail_next=1, status=500)

    response = list_classifieds(portal_sandbox)

    assert response.status_code == 500
    assert response.json()["title"] == "Internal Server Error"
    assert response.json()["instance"] == response.headers["traceparent"]


def test_a_failed_post_creates_nothing(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.token()
    portal_sandbox.inject_fault(fail_next=1)

    response = requests.post(
        f"{portal_sandbox.base_url}/classifieds",
        json=classified_payload("L-1"),
        headers=portal_sandbox.headers(),
        timeout=10,
    )

    assert response.status_code == 503
    assert portal_sandbox.stats()["classifieds"]["live"] == 0


def test_rate_limit_answers_429_with_retry_after(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.token()
    portal_sandbox.inject_fault(rate_limit_next=1, retry_after=7)

    limited = list_classifieds(portal_sandbox)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert list_classifieds(portal_sandbox).status_code == 200


def test_a_delayed_answer_outlasts_the_client_timeout_but_the_call_is_processed(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.token()
    portal_sandbox.inject_fault(delay_next=1, seconds=1.5)
    url = f"{portal_sandbox.base_url}/classifieds"

    with pytest.raises(requests.Timeout):
        requests.post(url, json=classified_payload("L-1"), headers=portal_sandbox.headers(), timeout=0.5)
    deadline = time.monotonic() + 5
    while portal_sandbox.stats()["classifieds"]["live"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    retry = requests.post(url, json=classified_payload("L-1"), headers=portal_sandbox.headers(), timeout=10)

    assert retry.status_code == 400
    assert retry.json()["title"] == "Duplicated classified"


def test_download_fail_pattern_fails_matching_downloads_only(portal_sandbox: PortalSandbox, media_host) -> None:
    portal_sandbox.inject_fault(download_fail_pattern=r"/broken-\d+\.jpg")
    ok = picture(media_host.put("/fine.jpg", make_jpeg()))
    failing = picture(media_host.put("/broken-1.jpg", make_jpeg()))
    response = requests.post(
        f"{portal_sandbox.base_url}/classifieds",
        json=classified_payload("L-1", [ok, failing]),
        headers=portal_sandbox.headers(),
        timeout=10,
    )

    final = portal_sandbox.wait_for_final_status(response.json()["classifiedId"])

    assert final["status"] == "CREATED_WITH_MEDIA_ERROR"
    assert {item["url"]: item["status"] for item in final["mediaStatuses"]} == {
        ok["url"]: "CREATED",
        failing["url"]: "DOWNLOADING_FAILED",
    }
    assert media_host.hits("/broken-1.jpg") == 0
    assert portal_sandbox.stats()["downloads"]["by_url"] == {ok["url"]: 1, failing["url"]: 1}


def test_a_download_fail_pattern_set_to_null_is_cleared(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.inject_fault(download_fail_pattern="x")

    assert portal_sandbox.inject_fault(download_fail_pattern=None)["faults"] == []


def test_rotate_etag_makes_the_next_conditional_put_fail_with_412(portal_sandbox: PortalSandbox) -> None:
    response = requests.post(
        f"{portal_sandbox.base_url}/classifieds",
        json=classified_payload("L-1"),
        headers=portal_sandbox.headers(),
        timeout=10,
    )
    classified_id = response.json()["classifiedId"]
    url = f"{portal_sandbox.base_url}/classifieds/{classified_id}"
    etag = requests.get(url, headers=portal_sandbox.headers(), timeout=10).headers["ETag"]

    rotated = portal_sandbox.inject_fault(rotate_etag=classified_id)
    stale_put = requests.put(
        url, json=classified_payload("L-1"), headers=portal_sandbox.headers(**{"If-Match": etag}), timeout=10
    )
    fresh = requests.get(url, headers=portal_sandbox.headers(), timeout=10).headers["ETag"]
    fresh_put = requests.put(
        url, json=classified_payload("L-1"), headers=portal_sandbox.headers(**{"If-Match": fresh}), timeout=10
    )

    assert rotated["etag"] == fresh != etag
    assert stale_put.status_code == 412
    assert fresh_put.status_code == 202


def test_expire_tokens_makes_calls_401_until_a_new_token_is_requested(portal_sandbox: PortalSandbox) -> None:
    assert list_classifieds(portal_sandbox).status_code == 200

    portal_sandbox.inject_fault(expire_tokens=True)
    expired = list_classifieds(portal_sandbox)
    portal_sandbox._tokens.clear()  # a client would request a new token on 401

    assert expired.status_code == 401
    assert list_classifieds(portal_sandbox).status_code == 200
    assert portal_sandbox.stats()["token_requests"]["total"] == 2


def test_faults_can_target_the_token_endpoint(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.inject_fault(fail_next=1, target="token")

    first = requests.post(portal_sandbox.token_url, json=portal_sandbox.token_body(), timeout=10)
    second = requests.post(portal_sandbox.token_url, json=portal_sandbox.token_body(), timeout=10)

    assert (first.status_code, second.status_code) == (503, 200)


def test_api_faults_leave_the_token_endpoint_alone(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.inject_fault(fail_next=1)

    assert requests.post(portal_sandbox.token_url, json=portal_sandbox.token_body(), timeout=10).status_code == 200
    assert list_classifieds(portal_sandbox).status_code == 503


def test_faults_strike_in_the_order_they_were_injected(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.token()
    portal_sandbox.inject_fault(rate_limit_next=1)
    portal_sandbox.inject_fault(fail_next=1, status=500)

    assert [list_classifieds(portal_sandbox).status_code for _ in range(3)] == [429, 500, 200]


def test_clear_forgets_pending_faults(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.token()
    portal_sandbox.inject_fault(fail_next=5, download_fail_pattern=".")

    assert portal_sandbox.inject_fault(clear=True)["faults"] == []
    assert list_classifieds(portal_sandbox).status_code == 200


def test_active_faults_are_listed_in_the_stats(portal_sandbox: PortalSandbox) -> None:
    portal_sandbox.inject_fault(fail_next=2, status=500)

    assert portal_sandbox.stats()["faults"] == [
        {
            "kind": "fail",
            "target": "api",
            "remaining": 2,
            "status": 500,
            "retryAfter": None,
            "seconds": None,
            "pattern": None,
        }
    ]


@pytest.mark.parametrize(
    "spec",
    [
        {"fail_next": 0},
        {"fail_next": 1, "status": 404},
        {"explode": True},
        {"rotate_etag": "nope"},
        {"download_fail_pattern": "("},
        {"delay_next": 1},
    ],
)
def test_an_invalid_fault_request_is_refused(portal_sandbox: PortalSandbox, spec: dict) -> None:
    response = requests.post(f"{portal_sandbox.root_url}/_sandbox/faults", json=spec, timeout=10)

    assert response.status_code == 400
    assert portal_sandbox.stats()["faults"] == []
