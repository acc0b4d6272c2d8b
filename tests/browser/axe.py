"""axe-core, the engine accessibility audits use, run on whatever a page shows now.

The engine is the axe.min.js that the pinned axe-playwright-python wheel bundles (requirements-dev.txt); only its
script is used, so the version the tests run is the wheel's and nothing is fetched at test time.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from playwright.sync_api import Page

AXE_SCRIPT = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")

# WCAG 2.1 levels A and AA, as axe tags its rules; best-practice rules are not requirements and are left out.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((node) => node.target.join(" ")),
  }));
}"""


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's WCAG 2.1 A/AA violations on the page as it is, whatever their impact."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)  # once per document: a navigation to a new document drops it
    found: list[dict[str, Any]] = page.evaluate(RUN, WCAG_TAGS)
    return found


def blocking(found: list[dict[str, Any]]) -> list[str]:
    """One line per serious or critical violation: rule, impact, where, and what the rule asks."""
    return [
        f"{violation['id']} ({violation['impact']}) at {', '.join(violation['targets'])}: {violation['help']}"
        for violation in found
        if violation["impact"] in BLOCKING
    ]
