"""The portal sandbox over real HTTP: authentication, endpoints, statuses, ETags, errors."""

from __future__ import annotations

import re

import pytest
import requests

from tests.sandbox_fixtures import PortalSandbox, classified_payload, make_jpeg, picture

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")


def post_classified(sandbox: PortalSandbox, payload: dict, intermediary_id: str = "agency-test") -> requests.Response:
    return requests.post(
        f"{sandbox.base_url}/classifieds", json=payload, headers=sandbox.headers(intermediary_id), timeout=10
    )


def create(sandbox: PortalSandbox, offerer_estate_id: str = "L-1", media: list[dict] | None = None) -> str:
    response = post_classified(sandbox, classified_payload(offerer_estate_id, media))
    assert response.status_code == 202, response.text
    return response.json()["classifiedId"]


# --- Authentication ------------------------------------------------------------------


def test_the_token_endpoint_grants_a_24_hour_bearer_token(portal_sandbox: PortalSandbox) -> None:
    response = requests.post(portal_sandbox.token_url, json=portal_sandbox.token_body(), timeout=10)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    assert body["access_token"].count(".") == 2  # JWT-shaped, as the specification says


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"client_secret": "wrong"}, 401),
        ({"client_id": "someone-else"}, 401),
        ({"audience": "https://elsewhere.example"}, 403),
        ({"grant_type": "password"}, 400),
        ({"intermediary_id": ""}, 400),
    ],
)
def test_a_bad_token_request_is_refused_and_counted_as_refused(
    portal_sandbox: PortalSandbox, change: dict, status: int
) -> None:
    response = requests.post(portal_sandbox.token_url, json={**portal_sandbox.token_body(), **change}, timeout=10)

    assert response.status_code == status
    assert "error" in response.json()
    counted = portal_sandbox.stats()["token_requests"]
    assert (counted["total"], counted["refused"]) == (0, 1)


def test_token_requests_are_counted_per_client_and_per_agency(portal_sandbox: PortalSandbox) -> None:
    for intermediary_id in ("agency-a", "agency-a", "agency-b"):
        requests.post(
            portal_sandbox.token_url, json=portal_sandbox.token_body(intermediary_id), timeout=10
        ).raise_for_status()

    counted = portal_sandbox.stats()["token_requests"]
    assert counted["total"] == 3
    assert counted["by_client"] == {portal_sandbox.client_id: 3}
    assert counted["by_client_and_intermediary"] == {portal_sandbox.client_id: {"agency-a": 2, "agency-b": 1}}


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic bWU6cHc="])
def test_an_api_call_without_a_valid_token_gets_401(portal_sandbox: PortalSandbox, authorization: str | None) -> None:
    headers = {"User-Agent": portal_sandbox.user_agent}
    if authorization:
        headers["Authorization"] = authorization

    response = requests.get(f"{portal_sandbox.base_url}/classifieds", headers=headers, timeout=10)

    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "user_agent", [None, "", "python-requests/2.32", "MediaImmo/1.0 requests/2.32", "Media Immo/1.0 requests/2 linux/6"]
)
def test_a_missing_or_malformed_user_agent_is_refused(portal_sandbox: PortalSandbox, user_agent: str | None) -> None:
    headers = {"Authorization": f"Bearer {portal_sandbox.token()}", "User-Agent": user_agent}

    response = requests.get(f"{portal_sandbox.base_url}/classifieds", headers=headers, timeout=10)

    assert response.status_code == 400
    assert response.json()["errorSource"] == "header"
    assert response.json()["errors"][0]["name"] == "user-agent"


def test_a_user_agent_of_three_name_version_pairs_is_accepted(portal_sandbox: PortalSandbox) -> None:
    headers = {
        "Authorization": f"Bearer {portal_sandbox.token()}",
        "User-Agent": "MediaImmo/1.4.0 python-requests/2.32.3 Linux/6.1.0",
    }

    response = requests.get(f"{portal_sandbox.base_url}/classifieds", headers=headers, timeout=10)

    assert response.status_code == 200


def test_a_token_only_opens_its_own_agencys_classifieds(portal_sandbox: PortalSandbox) -> None:
    classified_id = create(portal_sandbox)

    other = requests.get(
        f"{portal_sandbox.base_url}/classifieds/{classified_id}",
        headers=portal_sandbox.headers("agency-other"),
        timeout=10,
    )

    assert other.status_code == 404


# --- Tracing and counting --------------------------------------------------------------


def test_every_answer_carries_a_traceparent(portal_sandbox: PortalSandbox) -> None:
    answers = [
        requests.post(portal_sandbox.token_url, json=portal_sandbox.token_body(), timeout=10),
        requests.get(f"{portal_sandbox.base_url}/classifieds", headers=portal_sandbox.headers(), timeout=10),
        requests.get(f"{portal_sandbox.base_url}/classifieds", timeout=10),
        requests.get(
            f"{portal_sandbox.base_url}/classifieds/00000000-0000-0000-0000-000000000000",
            headers=portal_sandbox.headers(),
            timeout=10,
        ),
    ]

    for answer in answers:
        assert TRACEPARENT.match(answer.headers["traceparent"]), answer.headers
    assert answers[3].json()["instance"] == answers[3].headers["traceparent"]


def test_the_traceparent_continues_the_callers_trace(portal_sandbox: PortalSandbox) -> None:
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    answer = requests.get(
        f"{portal_sandbox.base_url}/classifieds", headers=portal_sandbox.headers(traceparent=incoming), timeout=10
    )

    assert answer.headers["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
    assert answer.headers["traceparent"] != incoming
    assert portal_sandbox.stats()["calls"]["recent"][-1]["traceparent"] == answer.headers["traceparent"]


def test_api_calls_are_counted_per_method(portal_sandbox: PortalSandbox) -> None:
    classified_id = create(portal_sandbox)
    url = f"{portal_sandbox.base_url}/classifieds/{classified_id}"
    requests.get(url, headers=portal_sandbox.headers(), timeout=10)
    requests.get(f"{url}/statuses", headers=portal_sandbox.headers(), timeout=10)
    requests.delete(url, headers=portal_sandbox.headers(), timeout=10)

    assert portal_sandbox.stats()["calls"]["by_method"] == {"POST": 1, "GET": 2, "DELETE": 1}


# --- Classifieds -----------------------------------------------------------------------


def test_post_answers_202_with_the_classified_id_and_the_statuses_link(portal_sandbox: PortalSandbox) -> None:
    response = post_classified(portal_sandbox, classified_payload("L-1"))

    assert response.status_code == 202
    classified_id = response.json()["classifiedId"]
    assert response.json()["links"] == [{"statuses": f"/classifieds/{classified_id}/statuses"}]


def test_get_returns_the_last_accepted_payload_with_a_quoted_etag(portal_sandbox: PortalSandbox) -> None:
    payload = classified_payload("L-1")
    classified_id = post_classified(portal_sandbox, payload).json()["classifiedId"]

    response = requests.get(
        f"{portal_sandbox.base_url}/classifieds/{classified_id}", headers=portal_sandbox.headers(), timeout=10
    )

    assert response.status_code == 200
    assert response.json() == {**payload, "classifiedId": classified_id}
    assert re.fullmatch(r'"\d+"', response.headers["ETag"])


def test_a_put_with_the_current_etag_is_accepted_and_changes_the_etag(portal_sandbox: PortalSandbox) -> None:
    classified_id = create(portal_sandbox)
    url = f"{portal_sandbox.base_url}/classifieds/{classified_id}"
    etag = requests.get(url, headers=portal_sandbox.headers(), timeout=10).headers["ETag"]

    response = requests.put(
        url, json=classified_payload("L-1"), headers=portal_sandbox.headers(**{"If-Match": etag}), timeout=10
    )

    assert response.status_code == 202
    assert requests.get(url, headers=portal_sandbox.headers(), timeout=10).headers["ETag"] != etag


def test_a_put_with_a_stale_if_match_gets_412_and_changes_nothing(portal_sandbox: PortalSandbox) -> None:
    classified_id = create(portal_sandbox)
    url = f"{portal_sandbox.base_url}/classifieds/{classified_id}"
    stale = requests.get(url, headers=portal_sandbox.headers(), timeout=10).headers["ETag"]
    requests.put(url, json=classified_payload("L-1"), headers=portal_sandbox.headers(), timeout=10).raise_for_status()
    changed = classified_payload("L-1", prices={"currency": "EUR", "buy": {"price": {"amount": 1}}})

    response = requests.put(url, json=changed, headers=portal_sandbox.headers(**{"If-Match": stale}), timeout=10)

    assert response.status_code == 412
    assert response.json()["title"] == "Precondition Failed"
    assert portal_sandbox.inspect(classified_id)["payload"]["data"]["prices"]["buy"]["price"]["amount"] == 289000


def test_a_creation_goes_received_then_creating_then_created(portal_sandbox: PortalSandbox, media_host) -> None:
    url = media_host.put("/a.jpg?timestamp=2026-02-13T09:25:57", make_jpeg())
    classified_id = create(portal_sandbox, media=[picture(url, title="Séjour")])
    portal_sandbox.wait_for_final_status(classified_id)

    response = requests.get(
        f"{portal_sandbox.base_url}/classifieds/{classified_id}/statuses", headers=portal_sandbox.headers(), timeout=10
    )

    items = response.json()["items"]
    assert [item["status"] for item in items] == ["RECEIVED", "CREATING", "CREATED"]
    assert items[0]["subStatus"] == "RECEIVED_POST"
    assert items[0]["mediaStatuses"] == [{"url": url, "status": "ACCEPTED"}]
    assert items[-1]["mediaStatuses"] == [{"url": url, "status": "CREATED"}]
    for item in items:
        assert item["revision"] == 1
        assert item["classifiedId"] == classified_id
        assert {"statusId", "customerId", "creationDate", "portals", "message", "statusDate"} <= set(item)


def test_an_update_goes_received_then_updating_then_updated(portal_sandbox: PortalSandbox) -> None:
    classified_id = create(portal_sandbox)
    portal_sandbox.wait_for_final_status(classified_id)
    url = f"{portal_sandbox.base_url}/classifieds/{classified_id}"
    requests.put(url, json=classified_payload("L-1"), headers=portal_sandbox.headers(), timeout=10).raise_for_status()
    portal_sandbox.wait_for_final_status(classified_id)

    latest = requests.get(
        f"{url}/statuses", params={"filter": "latest"}, headers=portal_sandbox.headers(), timeout=10
    ).json()["items"]
    history = requests.get(f"{url}/statuses", headers=portal_sandbox.headers(), timeout=10).json()["items"]

    assert [(item["revision"], item["status"]) for item in history[3:]] == [
        (2, "RECEIVED"),
        (2, "UPDATING"),
        (2, "UPDATED"),
    ]
    assert history[3]["subStatus"] == "RECEIVED_PUT"
    assert [item["status"] for item in latest] == ["UPDATED"]


def test_a_deleted_classified_ends_deleted_and_frees_its_offerer_estate_id(portal_sandbox: PortalSandbox) -> None:
    classified_id = create(portal_sandbox)
    url = f"{portal_sandbox.base_url}/classifieds/{classified_id}"

    response = requests.delete(url, headers=portal_sandbox.headers(), timeout=10)

    assert response.status_code == 202
    assert portal_sandbox.wait_for_final_status(classified_id)["status"] == "DELETED"
    assert requests.get(url, headers=portal_sandbox.headers(), timeout=10).status_code == 404
    assert (
        requests.put(url, json=classified_payload("L-1"), headers=portal_sandbox.headers(), timeout=10).status_code
        == 404
    )
    assert post_classified(portal_sandbox, classified_payload("L-1")).status_code == 202


def test_a_reused_offerer_estate_id_gets_duplicated_classified_naming_the_existing_one(
    portal_sandbox: PortalSandbox,
) -> None:
    classified_id = create(portal_sandbox, "L-1")

    response = post_classified(portal_sandbox, classified_payload("L-1"))

    assert response.status_code == 400
    assert response.json()["title"] == "Duplicated classified"
    assert f"classifiedId: {classified_id}" in response.json()["detail"]


def test_another_agency_may_use_the_same_offerer_estate_id(portal_sandbox: PortalSandbox) -> None:
    create(portal_sandbox, "L-1")

    assert post_classified(portal_sandbox, classified_payload("L-1"), intermediary_id="agency-other").status_code == 202


def test_the_list_finds_a_classified_by_offerer_estate_id(portal_sandbox: PortalSandbox) -> None:
    create(portal_sandbox, "L-1")
    wanted = create(portal_sandbox, "L-2")

    response = requests.get(
        f"{portal_sandbox.base_url}/classifieds",
        params={"offererEstateId": "L-2"},
        headers=portal_sandbox.headers(),
        timeout=10,
    )

    assert [item["classifiedId"] for item in response.json()["items"]] == [wanted]


def test_an_unknown_classified_gets_a_spec_shaped_404(portal_sandbox: PortalSandbox) -> None:
    for classified_id in ("7f0d3b6e-8c1c-4a4e-9d0e-8d8f3f0b1a2c", "not-a-uuid"):
        response = requests.get(
            f"{portal_sandbox.base_url}/classifieds/{classified_id}", headers=portal_sandbox.headers(), timeout=10
        )

        assert response.status_code == 404
        assert response.json()["title"] == "Not found"


@pytest.mark.parametrize(
    ("body", "content_type"), [(b"{not json", "application/json"), (b"", "application/json"), (b"<xml/>", "text/xml")]
)
def test_a_body_that_is_not_json_is_refused(portal_sandbox: PortalSandbox, body: bytes, content_type: str) -> None:
    headers = portal_sandbox.headers(**{"Content-Type": content_type})

    response = requests.post(f"{portal_sandbox.base_url}/classifieds", data=body, headers=headers, timeout=10)

    assert response.status_code == 400
    assert response.json()["status"] == 400
