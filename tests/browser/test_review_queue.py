"""The staff console's review queue in headless Chromium: doubtful reports appear, and each is answered in time."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from tests.browser.conftest import Phone, second_factor
from tests.browser.test_pages import audit, only_own_origins
from tests.integration.conftest import REVIEW_WINDOW_SECONDS
from tests.integration.doubtful import store_doubtful


def test_a_call_taker_escalates_one_doubtful_report_clears_another_and_a_third_escalates_itself(phone: Phone) -> None:
    stack = phone.stack
    escalated = store_doubtful(stack, "Shouting next door and then a loud thud, now it is quiet")
    cleared = store_doubtful(stack, "Loud voices in the courtyard, maybe a party")
    unreviewed = store_doubtful(stack, "Someone keeps screaming behind the store on Grant")

    page = phone.open("/staff")
    page.get_by_label("Email", exact=True).fill(stack.info["staff_username"])
    page.get_by_label("Password", exact=True).fill(stack.info["staff_password"])
    page.get_by_role("button", name="Sign in").click()
    second_factor(page, stack.info["staff_totp_secret"])
    page.get_by_role("tab", name="Review").click()
    expect(page.get_by_role("tab", name="Review")).to_have_attribute("aria-selected", "true")

    escalate = page.get_by_role("button", name=f"Escalate {escalated} to 911")
    expect(escalate).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name=f"Clear {unreviewed}: not a 911 matter")).to_be_visible()
    audit(phone)
    phone.screenshot("staff-review-queue")
    page.get_by_label(f"Note for {escalated} (optional)").fill("a thud, then silence")
    escalate.click()
    expect(page.locator("#reviews-status")).to_have_text(f"Request {escalated} escalated to 911.")
    expect(escalate).to_have_count(0)
    clear = page.get_by_role("button", name=f"Clear {cleared}: not a 911 matter")
    clear.click()
    expect(page.locator("#reviews-status")).to_have_text(f"Request {cleared} cleared: it stays with 311.")
    expect(clear).to_have_count(0)

    # Nobody answers the third: when its window runs out it leaves the queue and waits for dispatch instead.
    expect(page.get_by_role("button", name=f"Escalate {unreviewed} to 911")).to_have_count(
        0, timeout=(REVIEW_WINDOW_SECONDS + 30) * 1000
    )
    page.get_by_role("tab", name="Escalations").click()
    card = page.locator(f'li[data-id="{unreviewed}"]')
    expect(card).to_contain_text(f"unreviewed after {REVIEW_WINDOW_SECONDS} seconds", timeout=25_000)
    expect(page.locator(f'li[data-id="{escalated}"]')).to_be_visible()
    expect(page.locator(f'li[data-id="{cleared}"]')).to_have_count(0)
    phone.screenshot("staff-review-expired")

    headers = {"Authorization": f"Bearer {stack.info['staff_token']}"}
    reviews = {
        request_id: requests.get(f"{stack.api}/v1/requests/{request_id}", headers=headers, timeout=30).json()
        for request_id in (escalated, cleared, unreviewed)
    }
    assert reviews[escalated]["alert"]["reason"] == "call-taker review: a thud, then silence"
    assert reviews[cleared]["alert"] is None
    # Who cleared it is kept: the same signed-in call-taker who escalated the first.
    assert reviews[cleared]["review"]["status"] == "cleared"
    assert reviews[cleared]["review"]["by"] == reviews[escalated]["alert"]["escalated_by"]
    assert reviews[unreviewed]["review"]["status"] == "unreviewed"
    assert reviews[unreviewed]["alert"]["reason"] == f"unreviewed after {REVIEW_WINDOW_SECONDS} seconds"
    only_own_origins(phone)
