"""Reading requests on Open311, through the real handler: search, paging, dates, tokens, and no contact
details in any answer or log."""

from __future__ import annotations

import logging

import pytest

from tests.support import InProcessStack, load_event
from tests.unit.open311_calls import body, get, post, pothole, register_client


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    register_client(stack)


def test_search_by_ids_overrides_other_filters(stack: InProcessStack) -> None:
    ids = [body(post(stack, pothole()))[0]["service_request_id"] for _ in range(2)]
    found = body(
        get(
            stack,
            "/open311/v2/requests.json",
            service_request_id=",".join(ids),
            service_code="graffiti",
            status="closed",
        )
    )
    assert sorted(r["service_request_id"] for r in found) == sorted(ids)


def test_search_by_service_code_and_status(stack: InProcessStack) -> None:
    created = body(post(stack, pothole(service_code="graffiti")))[0]["service_request_id"]
    found = body(get(stack, "/open311/v2/requests.json", service_code="graffiti", status="open"))
    assert created in [r["service_request_id"] for r in found]
    assert {r["service_code"] for r in found} == {"graffiti"}
    assert body(get(stack, "/open311/v2/requests.json", service_code="graffiti", status="closed")) == []


def test_search_is_newest_first_and_pages(stack: InProcessStack) -> None:
    ids = [body(post(stack, pothole(service_code="animal")))[0]["service_request_id"] for _ in range(3)]
    page1 = body(get(stack, "/open311/v2/requests.json", service_code="animal", page_size="2"))
    page2 = body(get(stack, "/open311/v2/requests.json", service_code="animal", page_size="2", page="2"))
    assert [r["service_request_id"] for r in page1 + page2] == list(reversed(ids))


def test_date_range_over_90_days_is_400(stack: InProcessStack) -> None:
    answer = get(stack, "/open311/v2/requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z")
    assert answer["statusCode"] == 400
    assert "90 days" in body(answer)[0]["description"]


def test_dates_outside_the_requests_find_nothing(stack: InProcessStack) -> None:
    post(stack, pothole())
    found = body(
        get(stack, "/open311/v2/requests.json", start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z")
    )
    assert found == []


def test_bad_status_and_bad_dates_are_400(stack: InProcessStack) -> None:
    assert get(stack, "/open311/v2/requests.json", status="pending")["statusCode"] == 400
    assert get(stack, "/open311/v2/requests.json", start_date="yesterday")["statusCode"] == 400


def test_unknown_request_id_is_404(stack: InProcessStack) -> None:
    assert get(stack, "/open311/v2/requests/0000000000.json")["statusCode"] == 404


def test_token_leads_to_its_request(stack: InProcessStack) -> None:
    receipt = body(post(stack, pothole()))[0]
    [answer] = body(get(stack, f"/open311/v2/tokens/{receipt['token']}.json"))
    assert answer == {"service_request_id": receipt["service_request_id"], "token": receipt["token"]}
    assert get(stack, "/open311/v2/tokens/nope.json")["statusCode"] == 404


def test_the_sample_search_event_answers(stack: InProcessStack) -> None:
    answer = stack.call("Open311Function", load_event("open311/get_requests"))
    assert answer["statusCode"] == 200
    assert isinstance(body(answer), list)


def test_contact_details_never_appear_in_answers_or_logs(
    stack: InProcessStack, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    personal = {
        "email": "maria.lopez@example.org",
        "phone": "520-555-0199",
        "first_name": "Maria",
        "last_name": "Lopezdelgado",
        "device_id": "device-7f3c9",
        "account_id": "acct-55521",
    }
    created = post(stack, pothole(**personal))
    request_id = body(created)[0]["service_request_id"]
    answers = [
        get(stack, f"/open311/v2/requests/{request_id}.json")["body"],
        get(stack, f"/open311/v2/requests/{request_id}.xml")["body"],
        get(stack, "/open311/v2/requests.json")["body"],
        get(stack, "/open311/v2/requests.xml", service_request_id=request_id)["body"],
    ]
    output = capsys.readouterr()
    seen = "\n".join([*answers, caplog.text, output.out, output.err])
    for value in ("maria.lopez@example.org", "555-0199", "5205550199", "Lopezdelgado", "device-7f3c9"):
        assert value not in seen
    # The POST answer may echo the caller's own account_id (the spec allows it); the GETs may not.
    assert all("acct-55521" not in answer for answer in answers)
