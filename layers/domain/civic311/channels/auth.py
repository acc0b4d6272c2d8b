"""Who is calling a staff route: the claims API Gateway's Cognito authorizer verified.

API Gateway has already checked the token's signature, issuer and expiry before the function runs;
here we only read the claims and check the caller's groups for the route.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel

from civic311.errors import Forbidden, Unauthenticated


class StaffMember(BaseModel):
    """The signed-in staff member. `staff_id` is the stable Cognito subject, safe to record in audits."""

    staff_id: str
    email: str | None = None
    groups: frozenset[str] = frozenset()


def _groups(raw: Any) -> frozenset[str]:
    # REST API authorizers hand claims over as strings: "[staff, supervisor]", "staff,supervisor" or JSON.
    if isinstance(raw, list):
        return frozenset(str(group) for group in raw)
    text = str(raw or "").strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
            return frozenset(str(group) for group in parsed)
        except json.JSONDecodeError:
            text = text.strip("[]")
    return frozenset(part.strip() for part in text.replace(",", " ").split() if part.strip())


def staff_member(event: APIGatewayProxyEvent) -> StaffMember:
    """The caller, from the authorizer's claims; Unauthenticated when the route was reached without them."""
    claims = event.request_context.authorizer.claims or {}
    subject = claims.get("sub")
    if not subject:
        raise Unauthenticated("a staff sign-in is required")
    return StaffMember(staff_id=str(subject), email=claims.get("email"), groups=_groups(claims.get("cognito:groups")))


def require_group(event: APIGatewayProxyEvent, allowed: Iterable[str]) -> StaffMember:
    """The caller, if they belong to one of the allowed groups; Forbidden otherwise."""
    member = staff_member(event)
    wanted = frozenset(allowed)
    if not member.groups & wanted:
        raise Forbidden(f"this action needs one of the groups: {', '.join(sorted(wanted))}")
    return member
