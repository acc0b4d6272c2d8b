"""What Amazon Connect accepts from a function it invokes: a flat string map under 32 KB, within the flow's time
limit. Called by the call simulator (call_lambda.py) and the tests' in-process stack."""

from __future__ import annotations

import json
import re
from typing import Any

CONNECT_LAMBDA = "https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html"
CONNECT_INVOKE = "https://docs.aws.amazon.com/connect/latest/APIReference/interactions-invokelambdafunction.html"

CONNECT_MAX_RESPONSE_BYTES = 32 * 1024  # "less than 32 KB of UTF-8 data" (CONNECT_LAMBDA)
CONNECT_MAX_SECONDS = 8  # InvocationTimeLimitSeconds, synchronous (CONNECT_INVOKE)

_CONNECT_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def connect_answer_problem(answer: Any) -> str | None:
    """Why Connect rejects a function's answer under STRING_MAP validation: a flat map of string values, keys of
    letters, digits, - and _, under 32 KB of UTF-8 (CONNECT_LAMBDA, CONNECT_INVOKE)."""
    if not isinstance(answer, dict):
        return "not a JSON object"
    for key, value in answer.items():
        if not isinstance(key, str) or not _CONNECT_KEY.match(key):
            return f"key {str(key)[:40]!r}"
        if not isinstance(value, str):
            return f"{key} is not a string"
    if len(json.dumps(answer, ensure_ascii=False).encode("utf-8")) >= CONNECT_MAX_RESPONSE_BYTES:
        return "over 32 KB"
    return None
