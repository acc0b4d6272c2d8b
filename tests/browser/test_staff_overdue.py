"""The staff console marks a request overdue or reopened by its resident, and downloads the list it shows as CSV."""

from __future__ import annotations

import csv
import time

import requests
from playwright.sync_api import expect

from tests.browser.conftest import Phone, second_factor
from tests.browser.test_pages import audit, only_own_origins
from tests.integration.conftest import RunningStack


def overdue_pothole(stack: RunningStack) -> str:
    """A pothole whose expected time has passed: made now, its expected time moved back once its workflow waits."""
    answer = requests.post(
        f"{stack.api}/open311/v2/requests.json",
        data={"api_key": stack.api_key, "service_code": "pothole", "lat": "32.2301", "long": "-110.9502"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    request_id = str(answer.json()[0]["service_request_id"])
    dynamodb, table = stack.client("dynamodb"), stack.output("ServiceRequestsTableName")
    key = {"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "REQ"}}
    deadline = time.monotonic() + 30
    while "task_token" not in dynamodb.get_item(TableName=table, Key=key)["Item"]:
        assert time.monotonic() < deadline, "the request's workflow never reached its wait"
        time.sleep(0.2)
    dynamodb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET expected_at = :past",
        ExpressionAttributeValues={":past": {"S": "2026-01-05T17:00:00Z"}},
    )
    return request_id


def test_staff_see_an_overdue_request_and_download_the_list(phone: Phone) -> None:
    stack = phone.stack
    request_id = overdue_pothole(stack)
    page = phone.open("/staff")
    page.get_by_label("Email", exact=True).fill(stack.info["staff_username"])
    page.get_by_label("Password", exact=True).fill(stack.info["staff_password"])
    page.get_by_role("button", name="Sign in").click()
    second_factor(page, stack.info["staff_totp_secret"])
    page.get_by_role("tab", name="Requests").click()

    row = page.locator("#requests tr", has_text=request_id)
    expect(row).to_contain_text("open, overdue since Jan 5, 2026")
    expect(page.locator("#requests-status")).to_contain_text("overdue.")
    audit(phone)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    saved = download.value.path()
    with open(saved, newline="", encoding="utf-8") as file:
        rows = {row["service_request_id"]: row for row in csv.DictReader(file)}
    assert rows[request_id]["overdue"] == "yes"
    assert rows[request_id]["service_code"] == "pothole"
    assert download.value.suggested_filename.startswith("requests-")
    only_own_origins(phone)


def reopened_pothole(stack: RunningStack) -> str:
    """A pothole staff resolved and its resident reopened, through the API as they would."""
    answer = requests.post(
        f"{stack.api}/open311/v2/requests.json",
        data={"api_key": stack.api_key, "service_code": "pothole", "lat": "32.2401", "long": "-110.9302"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    request_id, secret = str(answer.json()[0]["service_request_id"]), str(answer.json()[0]["token"])
    staff = {"Authorization": f"Bearer {stack.info['staff_token']}"}
    deadline = time.monotonic() + 30
    while True:
        resolved = requests.post(
            f"{stack.api}/v1/requests/{request_id}/updates",
            json={"note": "Patched.", "resolve": True},
            headers=staff,
            timeout=30,
        )
        if resolved.status_code == 202:
            break
        assert time.monotonic() < deadline, resolved.text
        time.sleep(0.3)
    while True:
        reopened = requests.post(
            f"{stack.api}/v1/requests/{request_id}/reopen",
            json={"reason": "The hole is back."},
            headers={"X-Request-Token": secret},
            timeout=30,
        )
        if reopened.status_code == 200:
            return request_id
        assert time.monotonic() < deadline + 30, reopened.text
        time.sleep(0.3)


def test_staff_see_that_a_resident_reopened_a_request(phone: Phone) -> None:
    stack = phone.stack
    request_id = reopened_pothole(stack)
    page = phone.open("/staff")
    page.get_by_label("Email", exact=True).fill(stack.info["staff_username"])
    page.get_by_label("Password", exact=True).fill(stack.info["staff_password"])
    page.get_by_role("button", name="Sign in").click()
    second_factor(page, stack.info["staff_totp_secret"])
    page.get_by_role("tab", name="Requests").click()

    expect(page.locator("#requests tr", has_text=request_id)).to_contain_text("open, reopened by the resident")
