""" "Is it one of these?" in headless Chromium on the local stack: a resident about to report a pothole is shown
the open one a neighbour reported a few metres away, and says "me too" instead of filing a duplicate."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import Phone
from tests.browser.test_pages import audit, only_own_origins
from tests.integration.conftest import RunningStack

# Near the university, away from the demo requests; the resident stands about 15 m north of the pothole.
POTHOLE = (32.2301, -110.9500)
RESIDENT = "32.23023, -110.95"


def nearby(stack: RunningStack) -> list[dict[str, Any]]:
    query = {"service_code": "pothole", "lat": str(POTHOLE[0]), "long": str(POTHOLE[1])}
    answer = requests.get(f"{stack.api}/v1/requests/nearby", params=query, timeout=30)
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()
    return found


@pytest.fixture(scope="module")
def reported(local_stack: RunningStack) -> str:
    """A neighbour's pothole, reported through Open311 and placed on the map by the workflow."""
    answer = requests.post(
        f"{local_stack.api}/open311/v2/requests.json",
        data={
            "api_key": local_stack.api_key,
            "service_code": "pothole",
            "lat": str(POTHOLE[0]),
            "long": str(POTHOLE[1]),
            "description": "Pothole at the school crosswalk, kids step around it",
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    request_id: str = answer.json()[0]["service_request_id"]
    deadline = time.monotonic() + 90
    while request_id not in {item["service_request_id"] for item in nearby(local_stack)}:
        assert time.monotonic() < deadline, "the workflow never placed the pothole on the map"
        time.sleep(0.5)
    return request_id


def supporters(stack: RunningStack, request_id: str) -> int:
    answer = requests.get(f"{stack.api}/open311/v2/requests/{request_id}.json", timeout=30)
    answer.raise_for_status()
    count: int = answer.json()[0]["supporters"]
    return count


def test_a_resident_is_shown_a_nearby_pothole_and_chooses_me_too(phone: Phone, reported: str) -> None:
    before = supporters(phone.stack, reported)
    page = phone.open("/")
    page.get_by_label("Or a point: latitude, longitude").fill(RESIDENT)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("radio", name="Pothole").check()
    page.locator("#step-what [data-next]").click()

    expect(page.get_by_role("heading", name="Is it one of these?")).to_be_focused()
    expect(page.locator("#nearby-list")).to_contain_text("Pothole at the school crosswalk")
    expect(page.locator("#nearby-list")).to_contain_text(" m away")
    audit(phone)
    phone.screenshot("resident-me-too-offered")
    page.get_by_label("Email (optional)").fill("neighbour@example.org")
    page.get_by_label("Email me when this request changes.").check()
    page.get_by_role("button", name=f"Me too: request {reported}").click()

    expect(page.get_by_role("status")).to_contain_text(f"we counted you. {before + 1} residents")
    expect(page.get_by_role("link", name=f"Follow request {reported}")).to_be_focused()
    audit(phone)
    phone.screenshot("resident-me-too-counted")
    assert supporters(phone.stack, reported) == before + 1
    assert not any("/open311/keyed/v2/requests.json" in url for url in phone.requests), "no duplicate was filed"
    only_own_origins(phone)


def test_in_spanish_me_too_is_offered_and_a_resident_can_still_report_their_own(phone: Phone, reported: str) -> None:
    page = phone.open("/")
    page.get_by_role("button", name="Español").click()
    page.get_by_label("O un punto: latitud, longitud").fill(RESIDENT)
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("radio", name="Bache").check()
    page.locator("#step-what [data-next]").click()

    expect(page.get_by_role("heading", name="¿Es uno de estos?")).to_be_focused()
    expect(page.get_by_role("button", name=f"Yo también: solicitud {reported}")).to_be_visible()
    audit(phone)
    page.get_by_label("Envíenme un correo cuando esta solicitud cambie.").check()
    page.get_by_role("button", name=f"Yo también: solicitud {reported}").click()
    expect(page.get_by_role("alert")).to_contain_text("Escriba un correo")
    expect(page.get_by_label("Correo electrónico (opcional)")).to_be_focused()

    page.get_by_role("button", name="Ninguno de estos: seguir con mi reporte").click()
    expect(page.get_by_role("heading", name="Cuéntenos más")).to_be_focused()
    only_own_origins(phone)
