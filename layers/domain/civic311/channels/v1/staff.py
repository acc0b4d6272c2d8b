"""Who is calling a staff route: API Gateway's Cognito authorizer puts the token's claims in the event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from civic311.errors import Forbidden, Unauthenticated

STAFF_GROUP = "staff"
SUPERVISOR_GROUP = "supervisor"
PROVIDER_GROUP = "provider"
# A provider account belongs to org-<HSDS organization id> too; that group names the shelters it may update
# and the referrals it may answer.
ORGANIZATION_GROUP_PREFIX = "org-"


@dataclass(frozen=True)
class StaffCaller:
    """The signed-in caller: the token subject (never the email) and Cognito groups."""

    subject: str
    groups: frozenset[str]

    @property
    def organizations(self) -> frozenset[str]:
        """The HSDS organizations a provider account speaks for (its org-<id> groups)."""
        prefix = ORGANIZATION_GROUP_PREFIX
        return frozenset(
            group.removeprefix(prefix) for group in self.groups if group.startswith(prefix) and group != prefix
        )

    def in_any(self, groups: Iterable[str]) -> bool:
        return not self.groups.isdisjoint(groups)

    def require_any(self, groups: Iterable[str], action: str) -> None:
        wanted = sorted(groups)
        if not self.in_any(wanted):
            raise Forbidden(f"{action} needs membership of one of the groups: {', '.join(wanted)}")


def parse_groups(value: object) -> frozenset[str]:
    """cognito:groups as API Gateway passes it: a list, 'a,b', '[a, b]' or '[a b]'."""
    if isinstance(value, list | tuple):
        return frozenset(str(item) for item in value if str(item))
    text = str(value or "").strip().removeprefix("[").removesuffix("]")
    return frozenset(part for part in text.replace(",", " ").split() if part)


def staff_caller(event: APIGatewayProxyEvent) -> StaffCaller:
    """The caller from the authorizer's claims; Unauthenticated when the route was reached without them."""
    authorizer = event.request_context.authorizer
    claims = authorizer.claims if authorizer else None
    if not claims or not claims.get("sub"):
        raise Unauthenticated("sign in as staff: this route needs a Cognito ID token")
    return StaffCaller(subject=str(claims["sub"]), groups=parse_groups(claims.get("cognito:groups")))
