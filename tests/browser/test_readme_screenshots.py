"""The two pictures at the top of the README: the resident page on a phone and the staff console on a laptop.

They are taken here, into test-artifacts/browser/readme/, on every browser run; `make screenshots` copies them to
docs/screenshots/ when the pages change. A fresh capture never matches the committed one byte for byte, so these
tests check what the picture shows and that it stays small, not that it is unchanged.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import ARTIFACTS, PHONE, Phone, second_factor
from tests.integration.conftest import RunningStack

README_SHOTS = ARTIFACTS / "readme"
LAPTOP: ViewportSize = {"width": 1100, "height": 660}
MOST_BYTES = 150_000  # a README picture loads fast and keeps the repository small


def take(page: Page, name: str) -> Path:
    """The screen as it is, one image pixel per CSS pixel (a phone's double density would double the bytes)."""
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    path = README_SHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), scale="css", animations="disabled", caret="hide")
    return path


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_readme_shows_the_resident_page_choosing_a_service_on_a_phone(phone: Phone) -> None:
    page = phone.open("/")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#location-status")).to_have_text(re.compile("Location found"))
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("radio", name="Pothole")).to_be_visible()

    shot = take(page, "resident-phone")
    assert png_size(shot) == (PHONE["width"], PHONE["height"])
    assert shot.stat().st_size < MOST_BYTES


def test_the_readme_shows_the_staff_console_listing_requests_on_a_laptop(
    browser: Browser, local_stack: RunningStack
) -> None:
    context = browser.new_context(viewport=LAPTOP, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{local_stack.api}/staff")
        page.get_by_label("Email", exact=True).fill(local_stack.info["staff_username"])
        page.get_by_label("Password", exact=True).fill(local_stack.info["staff_password"])
        page.get_by_role("button", name="Sign in").click()
        second_factor(page, local_stack.info["staff_totp_secret"])
        page.get_by_role("tab", name="Requests").click()
        # The demo requests the stack starts with, at least.
        expect(page.locator("#requests-status")).to_have_text(re.compile(r"([5-9]|\d\d+) requests\."))

        shot = take(page, "staff-console")
    finally:
        context.close()
    assert png_size(shot) == (LAPTOP["width"], LAPTOP["height"])
    assert shot.stat().st_size < MOST_BYTES
