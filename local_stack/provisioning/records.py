"""What provisioning records for the rest of the stack: created resources, API routes, schedules, authorizers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from local_stack.throttles import Throttles


@dataclass
class Created:
    """A provisioned resource: what Ref returns and what GetAtt can read."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    """One API route from a function's Api event."""

    method: str
    path: str
    function_name: str
    authorizer: str | None
    # Auth.ApiKeyRequired: the X-API-Key header must name a key of one of the stage's usage plans.
    api_key_required: bool = False


@dataclass
class RestApiRecord:
    """One REST API as a local gateway serves it: its routes, gateway responses and its stage's throttles."""

    logical_id: str
    api_id: str
    routes: list[Route] = field(default_factory=list)
    # OpenAPI form: the throttles' and usage plans' answers.
    gateway_responses: dict[str, Any] = field(default_factory=dict)
    throttles: Throttles = field(default_factory=lambda: Throttles(rows=[]))
    stage: str | None = None


@dataclass
class Schedule:
    """A function the template runs on a fixed rate (EventBridge schedule)."""

    function_name: str
    rule_name: str
    every_seconds: int


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int | None:
    """Seconds between runs for a rate() expression; None for cron() (not run locally)."""
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


@dataclass
class Authorizer:
    """A Cognito user-pool authorizer: tokens must come from this pool."""

    name: str
    user_pool_id: str
