"""Cold starts stay light: no function's handler imports shapely or numpy until it first needs them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import REPO

HEAVY = ("shapely", "numpy")
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-west-2",
    "SERVICE_REQUESTS_TABLE": "t",
    "DIRECTORY_TABLE": "d",
    "IDEMPOTENCY_TABLE": "i",
    "API_CLIENTS_TABLE": "a",
    "EMERGENCY_ALERT_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:alerts",
    "CASE_EVENTS_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:cases",
    "SUPERVISOR_ALERTS_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:supervisors",
    "RESIDENT_NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:residents",
    "CONTACT_RETENTION_DAYS": "180",
    "ACK_TIMEOUT_SECONDS": "300",
    "PLACE_INDEX_NAME": "places",
    "GAPS_QUEUE_URL": "https://sqs.us-west-2.amazonaws.com/123456789012/gaps",
    "CALL_WORKFLOW_ARN": "arn:aws:states:us-west-2:123456789012:stateMachine:calls",
    "STAGE": "local",
    "POWERTOOLS_SERVICE_NAME": "import-weight",
    "PATH": "/usr/bin:/bin",
}


@pytest.mark.parametrize("function", ["open311", "workflow", "public_api", "staff_api", "sweeper"])
def test_a_handler_imports_without_shapely_or_numpy(function: str) -> None:
    code = f"import app, sys; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    folder = REPO / "functions" / function
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=ENVIRONMENT | {"PYTHONPATH": f"{folder}:{REPO / 'layers' / 'domain'}"},
    ).stdout
    assert out.strip() == ""
