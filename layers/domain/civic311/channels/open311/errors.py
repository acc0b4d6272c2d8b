"""Open311's error shape: the spec's list of {code, description}, in JSON or XML as the path asks."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response

from civic311.channels.open311.formats import CONTENT_TYPES, respond
from civic311.channels.open311.models import Error

PATHS = "/open311/"


def write_error(path: str, status: int, texts: list[str]) -> Response[str]:
    """An error as the spec writes it, with the status every channel answers (422 for a reused idempotency key)."""
    errors = [Error(code=status, description=text) for text in texts]
    if path.endswith(".xml"):
        return respond("xml", errors, root="errors", item="error", status_code=status)
    return Response(
        status_code=status,
        content_type=CONTENT_TYPES["json"],
        body=json.dumps([error.model_dump() for error in errors], ensure_ascii=False),
    )
