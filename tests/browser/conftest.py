"""Headless Chromium (Debian's, at /usr/bin/chromium) driving the pages the local stack serves, at phone size."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, expect, sync_playwright

from local_stack.cognito_sign_in import totp_code
from tests.integration.conftest import RunningStack
from tests.integration.conftest import local_stack as local_stack  # the same session fixture
from tests.support import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "browser"
PHONE = {"width": 360, "height": 740}
# Downtown Tucson, where the emulated phone says it is.
HERE = {"latitude": 32.2216, "longitude": -110.9262}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed: make browser installs it (apt-get install chromium)")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield launched
    launched.close()


@dataclass
class Phone:
    """A page on a phone-sized screen that records every request it makes and every console error."""

    page: Page
    stack: RunningStack
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Page:
        self.page.goto(f"{self.stack.api}{path}")
        return self.page

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        """Keep what the screen shows in test-artifacts/browser/ (git-ignored)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        if full_page:
            # From the top: a full-page capture of a scrolled page would draw the sticky 911 banner mid-page.
            self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def outside_requests(self) -> list[str]:
        """Requests to anything but the stack's own origins (its gateway and its AWS endpoint)."""
        own = {urlsplit(self.stack.api).netloc, urlsplit(self.stack.endpoint).netloc}
        return [url for url in self.requests if urlsplit(url).scheme != "data" and urlsplit(url).netloc not in own]


@pytest.fixture
def phone(browser: Browser, local_stack: RunningStack) -> Iterator[Phone]:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        geolocation=HERE,
        permissions=["geolocation"],
    )
    page = context.new_page()
    recorded = Phone(page, local_stack)

    def on_request(request: Request) -> None:
        recorded.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            recorded.errors.append(message.text)

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: recorded.errors.append(str(error)))
    yield recorded
    context.close()


def second_factor(page: Page, secret: str) -> None:
    """Staff sign-in asks for the authenticator's code after the password (the pool requires MFA)."""
    code = page.get_by_label("Code from your authenticator app")
    # SRP is several modular powers of 3072-bit numbers in the page's JavaScript: give a busy machine time.
    expect(code).to_be_visible(timeout=30_000)
    code.fill(totp_code(secret))
    page.get_by_role("button", name="Sign in").click()
