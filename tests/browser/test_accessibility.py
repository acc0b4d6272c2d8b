"""Every state of the resident page in both its languages, and of the staff console, through axe-core and our own
checks (contrast, labels, width): each state once, errors shown included.

The staff console is written in English only (it has no language switch), so it is walked once.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.conftest import Phone, second_factor
from tests.browser.test_pages import audit, only_own_origins

WORDS = {
    "en": {
        "next": "Next",
        "where": "Where is it?",
        "whereMissing": "Tell us where",
        "address": "Address or intersection",
        "what": "What is the problem?",
        "whatMissing": "Choose the kind of problem.",
        "pothole": "Pothole",
        "details": "Tell us more",
        "descriptionMissing": "Describe the problem in a few words.",
        "description": "What is happening?",
        "contact": "How can we reach you?",
        "email": "Email",
        "consentMissing": "Tick the box",
        "submit": "Send my report",
        "thanks": "Thank you, we have your report",
        "track": "Track this request",
    },
    "es": {
        "next": "Siguiente",
        "where": "¿Dónde está?",
        "whereMissing": "Díganos dónde",
        "address": "Dirección o cruce de calles",
        "what": "¿Cuál es el problema?",
        "whatMissing": "Elija el tipo de problema.",
        "pothole": "Bache",
        "details": "Cuéntenos más",
        "descriptionMissing": "Describa el problema en pocas palabras.",
        "description": "¿Qué está pasando?",
        "contact": "¿Cómo podemos comunicarnos con usted?",
        "email": "Correo electrónico",
        "consentMissing": "Marque la casilla",
        "submit": "Enviar mi reporte",
        "thanks": "Gracias, recibimos su reporte",
        "track": "Ver el estado de esta solicitud",
    },
}


def test_axe_reports_a_serious_violation_with_its_rule_impact_target_and_help(phone: Phone) -> None:
    page = phone.open("/")
    page.evaluate("() => document.querySelector('#address').removeAttribute('id')")  # its label points nowhere now
    lines = axe.blocking(axe.violations(page))
    assert any(line.startswith("label (critical) at ") and "Form elements must have labels" in line for line in lines)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_state_of_the_resident_page_passes_axe(phone: Phone, language: str) -> None:
    words = WORDS[language]
    page = phone.open("/")
    if language == "es":
        page.get_by_role("button", name="Español").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name=words["where"])).to_be_visible()
    audit(phone)  # the empty form
    step = page.locator("section.step:not([hidden])")
    step.get_by_role("button", name=words["next"]).click()
    expect(page.locator("#where-error")).to_contain_text(words["whereMissing"])
    audit(phone)
    page.get_by_label(words["address"]).fill("E Speedway Blvd & N Campbell Ave")
    step.get_by_role("button", name=words["next"]).click()

    expect(page.get_by_role("heading", name=words["what"])).to_be_visible()
    expect(page.get_by_role("radio", name=words["pothole"])).to_be_visible()
    audit(phone)
    step.get_by_role("button", name=words["next"]).click()
    expect(page.locator("#what-error")).to_have_text(words["whatMissing"])
    audit(phone)
    page.get_by_role("radio", name=words["pothole"]).check()
    step.get_by_role("button", name=words["next"]).click()

    expect(page.get_by_role("heading", name=words["details"])).to_be_visible()
    audit(phone)
    step.get_by_role("button", name=words["next"]).click()
    expect(page.locator("#details-error")).to_have_text(words["descriptionMissing"])
    audit(phone)
    page.get_by_label(words["description"]).fill("Deep pothole in the bike lane")
    step.get_by_role("button", name=words["next"]).click()

    expect(page.get_by_role("heading", name=words["contact"])).to_be_visible()
    audit(phone)
    page.get_by_label(words["email"], exact=True).fill("resident@example.com")
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.locator("#contact-error")).to_contain_text(words["consentMissing"])
    audit(phone)
    page.get_by_label(words["email"], exact=True).fill("")
    page.get_by_role("button", name=words["submit"]).click()

    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible()
    audit(phone)
    page.get_by_role("link", name=words["track"]).click()
    expect(page.locator("#track-status")).not_to_be_empty()
    audit(phone)
    only_own_origins(phone)


def test_every_state_of_the_staff_console_passes_axe(phone: Phone) -> None:
    stack = phone.stack
    posted = requests.post(
        f"{stack.api}/open311/v2/requests.json",
        data={"api_key": stack.api_key, "service_code": "graffiti", "lat": "32.2216", "long": "-110.9262"}
        | {"description": "Tagging on the wall of the library"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    posted.raise_for_status()
    request_id = posted.json()[0]["service_request_id"]

    page = phone.open("/staff")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    audit(phone)  # signed out
    page.get_by_label("Email", exact=True).fill(stack.info["staff_username"])
    page.get_by_label("Password", exact=True).fill(stack.info["staff_password"])
    page.get_by_role("button", name="Sign in").click()
    second_factor(page, stack.info["staff_totp_secret"])

    expect(page.get_by_role("tab", name="Escalations")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#escalations-status")).not_to_be_empty(timeout=25_000)
    audit(phone)  # signed in: the list of escalations
    page.get_by_role("tab", name="Review").click()
    expect(page.locator("#reviews-status")).not_to_be_empty(timeout=10_000)
    audit(phone)  # the review queue
    page.get_by_role("tab", name="Requests").click()
    opener = page.get_by_role("button", name=f"Open request {request_id}")
    expect(opener).to_be_visible(timeout=10_000)
    audit(phone)  # the list of requests
    opener.click()
    expect(page.locator("#detail-title")).to_contain_text(f"Request {request_id}")
    audit(phone)  # a request opened
    only_own_origins(phone)
