"""Cold starts stay light: a function's handler imports only what most of its invocations use.

Heavy or rarely needed modules (shapely, numpy, h3, triage, intake, the OpenAPI generator, the HSDS models)
load on the code path that needs them, and models that only some invocations touch are built on first use.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import REPO

HEAVY = ("shapely", "numpy", "h3", "pydantic_settings")
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-west-2",
    "SERVICE_REQUESTS_TABLE": "t",
    "DIRECTORY_TABLE": "d",
    "API_CLIENTS_TABLE": "a",
    "EMERGENCY_ALERT_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:alerts",
    "CASE_EVENTS_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:cases",
    "SUPERVISOR_ALERTS_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:supervisors",
    "RESIDENT_NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:residents",
    "CONTACT_RETENTION_DAYS": "180",
    "CONTACT_KEY_ID": "alias/contacts",
    "CALLER_KEY_ID": "alias/callers",
    "ACK_TIMEOUT_SECONDS": "300",
    "PLACE_INDEX_NAME": "places",
    "GAPS_QUEUE_URL": "https://sqs.us-west-2.amazonaws.com/123456789012/gaps",
    "CALL_WORKFLOW_ARN": "arn:aws:states:us-west-2:123456789012:stateMachine:calls",
    "WEB_ASSETS_DIR": "/opt/web",
    "STAGE": "local",
    "POWERTOOLS_SERVICE_NAME": "import-weight",
    "PATH": "/usr/bin:/bin",
}

# What each function's cold start must not load: each is imported by the routes or steps that use it.
NOT_AT_IMPORT = {
    "open311": ("civic311.cases.intake", "civic311.triage", "civic311.escalation.service"),
    "workflow": (
        "civic311.cases.referrals",
        "civic311.cases.gaps",
        "civic311.store.directory",
        "civic311.store.directory_items",
        "civic311.geo.geocoder",
        "civic311.geo.cells",
        "civic311.triage",
    ),
    "public_api": (
        "civic311.triage",
        "civic311.models.cases",
        "civic311.directory.hsds",
        "aws_lambda_powertools.utilities.idempotency",
        "civic311.cases.gaps",
    ),
    "staff_api": (
        "civic311.cases.intake",
        "civic311.triage",
        "civic311.directory.hsds",
        "civic311.store.directory",
        "civic311.store.directory_items",
        "civic311.escalation.service",
        "civic311.geo.jurisdiction",
    ),
    "sweeper": ("civic311.directory.hsds", "civic311.triage"),
    "docs": (
        "civic311.channels.openapi",
        "civic311.channels.open311.routes",
        "civic311.channels.v1.referrals",
        "aws_lambda_powertools.event_handler.openapi.models",
        "pydantic.main",
    ),
    "gap_notifier": ("civic311.directory.hsds", "civic311.geo.cells", "civic311.geo.jurisdiction"),
}

# After the import, which models of civic311 are already built (pydantic's __pydantic_complete__).
_BUILT_MODELS = """
import pydantic
built = sorted(
    f"{module.__name__}.{name}"
    for module in list(sys.modules.values())
    if module is not None and module.__name__.startswith("civic311.") and module.__name__ != "civic311.settings"
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, pydantic.BaseModel) and value.__module__ == module.__name__
    and value.model_config.get("defer_build") and value.__pydantic_complete__
)
"""


def _import_handler(function: str, report: str) -> str:
    folder = REPO / "functions" / function
    return subprocess.run(
        [sys.executable, "-c", f"import app, sys, json\n{report}"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=ENVIRONMENT | {"PYTHONPATH": f"{folder}:{REPO / 'layers' / 'domain'}"},
    ).stdout


def _loaded(function: str, modules: tuple[str, ...]) -> list[str]:
    report = f"print(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    loaded: list[str] = json.loads(_import_handler(function, report))
    return loaded


@pytest.mark.parametrize("function", ["open311", "workflow", "public_api", "staff_api", "sweeper", "docs"])
def test_a_handler_imports_without_shapely_numpy_or_h3(function: str) -> None:
    assert _loaded(function, HEAVY) == []


@pytest.mark.parametrize("function", sorted(NOT_AT_IMPORT))
def test_a_handler_leaves_what_few_invocations_use_to_first_use(function: str) -> None:
    assert _loaded(function, NOT_AT_IMPORT[function]) == []


@pytest.mark.parametrize("function", ["open311", "public_api", "staff_api", "workflow", "sweeper"])
def test_models_built_on_first_use_are_not_built_by_the_import(function: str) -> None:
    built = json.loads(_import_handler(function, _BUILT_MODELS + "print(json.dumps(built))"))
    assert built == []


def test_the_deferred_models_do_build_when_first_used() -> None:
    from civic311.models.cases import Place

    assert Place(lat=32.2, long=-110.9).lat == 32.2
    assert Place.__pydantic_complete__
