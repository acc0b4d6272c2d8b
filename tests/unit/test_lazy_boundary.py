"""One lazy boundary per function: only the wiring modules import our own code inside functions.

Domain modules import at the top like any code; what a cold start must not load waits behind the wiring of the
function that needs it (channels/*/wiring, the Open311 context, the workflow's steps and step context).
"""

from __future__ import annotations

import ast

import pytest

from civic311.channels.openapi import _unset, documented_app
from civic311.channels.v1.public_wiring import PublicWiring
from civic311.channels.v1.staff_wiring import StaffWiring
from civic311.settings import PublicApiSettings, StaffApiSettings
from tests.support import REPO

PACKAGE = REPO / "layers" / "domain" / "civic311"
WIRING = {
    "channels/open311/context.py",
    "channels/phone/wiring.py",
    "channels/v1/public_wiring.py",
    "channels/v1/staff_wiring.py",
    "workflow/step_context.py",
    "workflow/steps.py",
    # A command line, not a function's code: it loads the engine only once its arguments are read.
    "triage/evaluation.py",
}


def _imports_inside_functions(source: str) -> list[int]:
    """The lines where a function imports from civic311 (TYPE_CHECKING blocks aside)."""
    found: list[int] = []

    def walk(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if inside and isinstance(child, ast.ImportFrom) and (child.module or "").startswith("civic311"):
                found.append(child.lineno)
            walk(child, inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    walk(ast.parse(source), inside=False)
    return found


def test_only_the_wiring_modules_import_our_code_inside_functions() -> None:
    outside = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).as_posix() not in WIRING
        for line in _imports_inside_functions(path.read_text(encoding="utf-8"))
    ]
    assert outside == []


def test_the_check_sees_an_import_inside_a_function_but_not_at_the_top_or_for_type_checking() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from civic311 import clock\n"
        "if TYPE_CHECKING:\n"
        "    from civic311.errors import NotFound\n"
        "def f() -> None:\n"
        "    from civic311 import metrics\n"
    )
    assert _imports_inside_functions(source) == [6]


def test_the_documented_routes_need_no_settings_and_their_wirings_refuse_to_build_anything() -> None:
    assert documented_app().get_openapi_schema().paths
    with pytest.raises(AttributeError):
        _ = StaffWiring(_unset(StaffApiSettings)).requests
    with pytest.raises(AttributeError):
        _ = PublicWiring(_unset(PublicApiSettings)).gaps
