"""The HSDS API while DynamoDB hangs: a clear 503 within the function's timeout, never a hung partner."""

from __future__ import annotations

import json

from tests.hostile.test_hanging_dependencies import hanging, timed, timeout_of
from tests.support import InProcessStack, api_event


def test_a_page_of_services_while_dynamodb_hangs_answers_503_within_its_timeout(stack: InProcessStack) -> None:
    with hanging("dynamodb"):
        answer, elapsed = timed(stack, "HsdsApiFunction", api_event("GET", "/hsds/services", query={"page": "2"}))
    assert elapsed < timeout_of(stack, "HsdsApiFunction"), f"answered after {elapsed:.1f} s"
    assert answer["statusCode"] == 503
    assert json.loads(answer["body"])["message"]
