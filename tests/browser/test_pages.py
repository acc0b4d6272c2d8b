"""The resident page and the staff console in headless Chromium on the local stack, at phone size."""

from __future__ import annotations

import re
import time
import uuid

import requests
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.browser.conftest import HERE, Phone, second_factor
from tests.integration.conftest import RunningStack

EMERGENCY = "A man collapsed at Speedway and Campbell and he is not breathing"
# Text and background of every visible text element, and whether a form control has a visible label.
PAGE_AUDIT = """() => {
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || colour[3] > 0) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const visible = (element) => element.offsetParent !== null || getComputedStyle(element).position === "fixed";
  const lowContrast = [];
  for (const element of document.querySelectorAll("body *")) {
    const ownText = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !visible(element)) continue;
    const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background(element))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const what = `${element.tagName} "${element.textContent.trim().slice(0, 40)}"`;
    if (ratio < 4.5) lowContrast.push(`${what} ${ratio.toFixed(2)}`);
  }
  const unlabelled = [...document.querySelectorAll("input, select, textarea")]
    .filter((field) => visible(field) && ![...field.labels].some((label) => label.textContent.trim()))
    .map((field) => field.id || field.name);
  const tooWide = document.documentElement.scrollWidth > document.documentElement.clientWidth
    || [...document.querySelectorAll(".scroll")].some((box) => box.scrollWidth > box.clientWidth);
  return { lowContrast, unlabelled, tooWide };
}"""


def audit(phone: Phone) -> None:
    """What every page state must pass: readable contrast, labelled fields, no sideways scrolling on a phone, and no
    serious or critical WCAG 2.1 A/AA violation that axe-core finds."""
    found = phone.page.evaluate(PAGE_AUDIT)
    found["axe"] = axe.blocking(axe.violations(phone.page))
    assert found == {"lowContrast": [], "unlabelled": [], "tooWide": False, "axe": []}


def only_own_origins(phone: Phone) -> None:
    assert phone.requests, "the page made no requests at all"
    assert phone.outside_requests() == []
    assert phone.errors == []


def past_nearby(page: Page, keyboard: bool = False) -> None:
    """Past "Is it one of these?" when the page offers it: the demo requests the stack starts with sit where these
    reports are made, and once the workflow has placed one the page offers it first; this resident's is new."""
    expect(page.locator("#step-details:not([hidden]) h1, #step-nearby:not([hidden]) h1")).to_be_focused()
    if page.locator("#step-nearby").is_visible():
        button = page.get_by_role("button", name="None of these: continue my report")
        if keyboard:
            button.focus()
            page.keyboard.press("Enter")
        else:
            button.click()


def stored(stack: RunningStack, request_id: str, language: str = "en") -> dict:  # type: ignore[type-arg]
    answer = requests.get(
        f"{stack.api}/open311/v2/requests/{request_id}.json", headers={"Accept-Language": language}, timeout=30
    )
    answer.raise_for_status()
    found: dict = answer.json()[0]  # type: ignore[type-arg]
    return found


def test_a_resident_reports_a_pothole_location_first_and_tracks_its_status(phone: Phone) -> None:
    page = phone.open("/")
    expect(page.locator("#banner")).to_have_text(re.compile(r"If this is an emergency, call\s+911"))
    expect(page.get_by_role("heading", name="Where is it?")).to_be_visible()
    audit(phone)
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#location-status")).to_have_text("Location found: 32.22160, -110.92620")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("group", name="City services")).to_be_visible()
    page.get_by_role("radio", name="Pothole").check()
    audit(phone)
    page.get_by_role("button", name="Next").click()
    past_nearby(page)

    page.get_by_label("What is happening?").fill("Deep pothole in the bike lane, cyclists swerve into traffic")
    page.get_by_label("How big is it?").select_option(label="About a tire wide")
    page.get_by_label("Where in the road?").select_option(label="Bike lane")
    audit(phone)
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="How can we reach you?")).to_be_visible()
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", name="Thank you, we have your report")).to_be_visible()
    number = page.locator("#request-number")
    expect(number).to_have_text(re.compile(r"\S+"))
    request_id = number.inner_text()
    expect(page.locator("#service-notice")).not_to_be_empty()
    audit(phone)
    phone.screenshot("resident-pothole-number")

    page.get_by_role("link", name="Track this request").click()
    expect(page.get_by_role("heading", name=f"Request {request_id}")).to_be_visible()
    expect(page.locator("#track-status")).to_have_text("Open")
    expect(page.locator("#track-body").get_by_text("Pothole", exact=True)).to_be_visible()
    audit(phone)
    phone.screenshot("resident-pothole-track")

    saved = stored(phone.stack, request_id)
    assert saved["service_code"] == "pothole"
    assert (round(saved["lat"], 4), round(saved["long"], 4)) == (HERE["latitude"], HERE["longitude"])
    assert saved["status"] == "open"
    # The report went through the keyed door, which admits only the page's key in X-API-Key (its usage plan).
    assert f"{phone.stack.api}/open311/keyed/v2/requests.json" in phone.requests
    assert f"{phone.stack.api}/open311/v2/requests.json" not in phone.requests
    only_own_origins(phone)


def test_the_same_report_in_spanish_from_a_typed_address(phone: Phone) -> None:
    page = phone.open("/")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#banner")).to_have_text(re.compile(r"Si es una emergencia, llame al\s+911"))
    expect(page.get_by_role("heading", name="¿Dónde está?")).to_be_visible()
    page.get_by_label("Dirección o cruce de calles").fill("E Speedway Blvd & N Campbell Ave")
    page.get_by_role("button", name="Siguiente").click()

    expect(page.get_by_role("group", name="Servicios de la ciudad")).to_be_visible()
    page.get_by_role("radio", name="Bache").check()
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_label("¿Qué está pasando?").fill("Hay un bache grande en el carril de bicicletas")
    page.get_by_label("¿Qué tan grande es?").select_option(label="Más grande que una llanta")
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("button", name="Enviar mi reporte").click()

    expect(page.get_by_role("heading", name="Gracias, recibimos su reporte")).to_be_visible()
    request_id = page.locator("#request-number").inner_text()
    audit(phone)
    phone.screenshot("resident-spanish-number")
    page.get_by_role("link", name="Ver el estado de esta solicitud").click()
    expect(page.locator("#track-status")).to_have_text("Abierta")
    expect(page.locator("#track-body").get_by_text("Bache", exact=True)).to_be_visible()
    audit(phone)
    phone.screenshot("resident-spanish-track")

    saved = stored(phone.stack, request_id, "es")
    assert saved["address"] == "E Speedway Blvd & N Campbell Ave"
    assert saved["service_name"] == "Bache"
    only_own_origins(phone)


def test_an_emergency_description_shows_call_911_now_before_anything_is_sent(phone: Phone) -> None:
    page = phone.open("/")
    page.get_by_label("Or a point: latitude, longitude").fill("32.2363, -110.9441")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("radio", name="Something else", exact=False).first.check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("What is happening?").fill(EMERGENCY)
    page.get_by_role("button", name="Next").click()

    dialog = page.get_by_role("alertdialog", name="Call 911 now")
    expect(dialog).to_be_visible()
    call = dialog.get_by_role("link", name="Call 911")
    expect(call).to_have_attribute("href", "tel:911")
    expect(call).to_be_focused()
    box = dialog.bounding_box()
    assert box is not None
    assert (box["width"], box["height"]) == (360, 740)  # the whole screen
    audit(phone)
    phone.screenshot("resident-emergency-call-911", full_page=False)  # the overlay is the screen
    assert not [url for url in phone.requests if "/requests.json" in url]  # nothing was sent to 311

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("What is happening?")).to_have_value(EMERGENCY)
    only_own_origins(phone)


def test_the_whole_report_works_by_keyboard(phone: Phone) -> None:
    page = phone.open("/")
    page.get_by_label("Or a point: latitude, longitude").focus()
    page.keyboard.type("32.2069, -110.9611")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Next
    expect(page.get_by_role("heading", name="What is the problem?")).to_be_focused()
    page.get_by_role("radio", name="Graffiti").focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name="Graffiti")).to_be_checked()
    page.locator("#step-what [data-next]").focus()
    page.keyboard.press("Enter")
    past_nearby(page, keyboard=True)
    expect(page.get_by_role("heading", name="Tell us more")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("Tagging on the bus shelter")
    page.locator("#step-details [data-next]").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="How can we reach you?")).to_be_focused()
    page.get_by_label("Email", exact=True).focus()
    page.keyboard.type("resident@example.com")
    page.get_by_role("button", name="Send my report").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Tick the box")
    expect(page.get_by_label("Send me updates about this request by text or email.")).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Send my report").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you, we have your report")).to_be_focused()
    only_own_origins(phone)


def test_staff_sign_in_and_acknowledge_an_emergency_escalation(phone: Phone) -> None:
    stack = phone.stack
    posted = requests.post(
        f"{stack.api}/open311/v2/requests.json",
        data={
            "api_key": stack.api_key,
            "service_code": "other",
            "lat": "32.2363",
            "long": "-110.9441",
            "description": EMERGENCY,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    posted.raise_for_status()
    request_id = posted.json()[0]["service_request_id"]

    page = phone.open("/staff")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email", exact=True).fill(stack.info["staff_username"])
    page.get_by_label("Password", exact=True).fill(stack.info["staff_password"])
    page.get_by_role("button", name="Sign in").click()
    second_factor(page, stack.info["staff_totp_secret"])

    expect(page.get_by_role("tab", name="Escalations")).to_have_attribute("aria-selected", "true")
    acknowledge = page.get_by_role("button", name=f"Acknowledge {request_id}")
    expect(acknowledge).to_be_visible(timeout=25_000)
    audit(phone)
    phone.screenshot("staff-escalation")
    acknowledge.click()
    expect(page.locator("#escalations-status")).to_have_text(f"Request {request_id} acknowledged.")
    expect(acknowledge).to_have_count(0)
    phone.screenshot("staff-acknowledged")

    token = stack.info["staff_token"]
    deadline = time.monotonic() + 15
    waiting = [request_id]
    while request_id in waiting and time.monotonic() < deadline:
        answer = requests.get(f"{stack.api}/v1/escalations", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        waiting = [request["service_request_id"] for request in answer.json()]
        time.sleep(0.5)
    assert request_id not in waiting
    only_own_origins(phone)


def test_staff_see_shelters_and_update_beds(phone: Phone) -> None:
    stack = phone.stack
    page = phone.open("/staff")
    page.get_by_label("Email", exact=True).fill(stack.info["staff_username"])
    page.get_by_label("Password", exact=True).fill(stack.info["staff_password"])
    page.get_by_role("button", name="Sign in").click()
    second_factor(page, stack.info["staff_totp_secret"])
    page.get_by_role("tab", name="Shelters").click()
    beds = page.get_by_label("Beds free at Family emergency shelter")
    expect(beds).to_be_visible()
    beds.fill("5")
    page.get_by_role("button", name="Save beds for Family emergency shelter").click()
    expect(page.locator("#shelters-status")).to_have_text("Family emergency shelter: 5 beds free.")
    audit(phone)
    phone.screenshot("staff-shelters")
    page.get_by_role("tab", name="Requests").click()
    expect(page.locator("#requests-status")).to_have_text(re.compile(r"\d+ requests?\."))
    phone.screenshot("staff-requests")
    only_own_origins(phone)


def saved_item(stack: RunningStack, request_id: str) -> dict:  # type: ignore[type-arg]
    """The stored request itself: a shelter request's household is not for public routes."""
    answer = stack.client("dynamodb").get_item(
        TableName=stack.output("ServiceRequestsTableName"),
        Key={"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "REQ"}},
    )
    found: dict = answer["Item"]  # type: ignore[type-arg]
    return found


def test_the_shelter_form_asks_who_needs_the_bed_before_sending(phone: Phone) -> None:
    page = phone.open("/")
    page.get_by_role("button", name="Use my location").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("radio", name="Emergency shelter").check()
    page.get_by_role("button", name="Next").click()

    household = page.get_by_role("group", name="Who needs a bed tonight?")
    expect(household).to_be_visible()
    adults = household.get_by_role("spinbutton", name=re.compile(r"How many adults \(18 or older\)"))
    children = household.get_by_role("spinbutton", name=re.compile(r"How many children under 18"))
    ages = household.get_by_role("textbox", name=re.compile(r"The children's ages"))
    expect(ages).to_be_hidden()  # asked only once there are children
    page.get_by_label("What is happening?").fill("My daughter and I need a bed tonight")
    adults.fill("1")
    children.fill("2")
    expect(ages).to_be_visible()
    expect(ages).to_have_accessible_description(re.compile("one for each child"))
    expect(household.get_by_role("spinbutton", name=re.compile("your age"))).to_be_hidden()
    ages.fill("6")
    audit(phone)
    phone.screenshot("resident-shelter-household")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#details-error")).to_have_text("Give one age for each of the 2 children, separated by commas.")
    expect(ages).to_be_focused()
    assert not [url for url in phone.requests if "/requests.json" in url]

    ages.fill("6, 9")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", name="Thank you, we have your report")).to_be_visible()
    item = saved_item(phone.stack, page.locator("#request-number").inner_text())
    answers = {code: value["S"] for code, value in item["attributes"]["M"].items()}
    assert answers == {"adults": "1", "children": "2", "children_ages": "6, 9"}
    only_own_origins(phone)


def test_the_shelter_form_in_spanish_asks_a_young_person_alone_their_age(phone: Phone) -> None:
    page = phone.open("/")
    page.get_by_role("button", name="Español").click()
    page.get_by_label("Dirección o cruce de calles").fill("E Speedway Blvd & N Campbell Ave")
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("radio", name="Refugio de emergencia").check()
    page.get_by_role("button", name="Siguiente").click()

    household = page.get_by_role("group", name="¿Quién necesita cama esta noche?")
    expect(household).to_be_visible()
    page.get_by_label("¿Qué está pasando?").fill("Necesito un lugar para dormir esta noche")
    household.get_by_role("spinbutton", name=re.compile(r"¿Cuántos adultos")).fill("0")
    household.get_by_role("spinbutton", name=re.compile(r"¿Cuántos menores de 18")).fill("0")
    page.get_by_role("button", name="Siguiente").click()
    expect(page.locator("#details-error")).to_have_text("Cuente al menos a una persona que necesite cama.")

    household.get_by_role("spinbutton", name=re.compile(r"¿Cuántos menores de 18")).fill("1")
    household.get_by_role("textbox", name=re.compile("Las edades de los menores")).fill("16")
    age = household.get_by_role("spinbutton", name=re.compile("Si está solo o sola: su edad"))
    expect(age).to_be_visible()
    age.fill("16")
    audit(phone)
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("button", name="Enviar mi reporte").click()
    expect(page.get_by_role("heading", name="Gracias, recibimos su reporte")).to_be_visible()
    item = saved_item(phone.stack, page.locator("#request-number").inner_text())
    answers = {code: value["S"] for code, value in item["attributes"]["M"].items()}
    assert answers == {"adults": "0", "children": "1", "children_ages": "16", "age": "16"}
    only_own_origins(phone)
