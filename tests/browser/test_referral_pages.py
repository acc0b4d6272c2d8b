"""Referrals in the pages: the resident's track page shows where they were referred and the provider's answer; staff
see declined referrals in the console's Gaps tab."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import Phone, second_factor
from tests.browser.test_pages import audit, only_own_origins
from tests.integration.test_referral_loop import Resident, answer_referral, provider_token, staff_referrals, wait_for


def test_the_residents_track_page_shows_where_they_were_referred_and_what_the_provider_did(phone: Phone) -> None:
    resident = Resident(phone.stack)
    wait_for(resident.referrals, what="the workflow to refer the request")
    first = staff_referrals(phone.stack, resident.request_id)[0]
    token = provider_token(phone.stack, first["organization_id"])
    for status in ("accepted", "completed"):
        assert answer_referral(phone.stack, token, first, {"status": status}).status_code == 200

    page = phone.open(f"/#/track/{resident.request_id}/{resident.secret}")
    referrals = page.locator("#track-referrals")
    expect(referrals).to_contain_text(f"Referred to {first['organization_name']}: {first['service_name']} · completed")
    audit(phone)
    # Without the secret the page shows no referral: where someone was sent says what they needed.
    page = phone.open(f"/#/track/{resident.request_id}")
    expect(page.locator("#track-status")).to_be_visible()
    expect(page.locator("#track-referrals")).to_have_count(0)
    only_own_origins(phone)


def test_staff_see_declined_referrals_in_the_gaps_tab(phone: Phone) -> None:
    stack = phone.stack
    resident = Resident(stack)
    wait_for(resident.referrals, what="the workflow to refer the request")
    target = staff_referrals(stack, resident.request_id)[-1]
    token = provider_token(stack, target["organization_id"])
    declined = {"status": "declined", "reason": "service-unavailable", "note": "Pantry closed for repairs."}
    assert answer_referral(stack, token, target, declined).status_code == 200

    page = phone.open("/staff")
    page.get_by_label("Email", exact=True).fill(stack.info["staff_username"])
    page.get_by_label("Password", exact=True).fill(stack.info["staff_password"])
    page.get_by_role("button", name="Sign in").click()
    second_factor(page, stack.info["staff_totp_secret"])
    page.get_by_role("tab", name="Gaps").click()
    expect(page.locator("#declined-status")).to_have_text(re.compile(r"[1-9]\d* declined referrals?\."))
    row = page.locator("#declined tr").filter(has_text=f"{target['organization_name']}: {target['service_name']}")
    expect(row.filter(has_text="service-unavailable")).to_have_count(1)
    audit(phone)
    only_own_origins(phone)
