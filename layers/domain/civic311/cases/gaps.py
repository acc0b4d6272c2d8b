"""Unmet needs: a need with no workflow (`other`) or no resource to refer to, counted by area.

Recording one (directory/gap_recording.py) also queues a short notice; the notifier sends supervisors one
summary per batch of notices, and staff read the report of a period. The report also counts the referrals
providers declined (cases/referral_loop.py), by place and reason: a need met on paper and not in fact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civic311 import clock
from civic311.models.gaps import Area, GapNotice, GapRecord
from civic311.models.referrals import ReferralRecord
from civic311.models.vocabulary import GapReason as GapReason
from civic311.store import messaging
from civic311.store.gaps import GapLog as GapLog

logger = Logger(child=True)

REASON_TEXT: dict[str, str] = {
    "no-workflow": "no workflow for this need",
    "no-resource": "no matching resource",
    "no-capacity": "every matching shelter is full",
}
EXAMPLES_PER_GROUP = 3


# ------------------------------------------------------------------ report


class GapGroup(BaseModel):
    """Unmet needs of one kind in one area."""

    model_config = ConfigDict(defer_build=True)

    service_code: str
    area: Area
    count: int
    reasons: dict[str, int]
    first: str
    last: str
    examples: list[str] = Field(description="Latest descriptions given with these needs, newest first (staff only)")


class DeclinedGroup(BaseModel):
    """Referrals one resource declined for one reason: where the hand-off to a provider failed."""

    model_config = ConfigDict(defer_build=True)

    resource_id: str
    service_name: str
    organization_id: str
    organization_name: str
    reason: str
    count: int
    needs: dict[str, int] = Field(description="The service codes of the needs declined")
    last: str


class GapReport(BaseModel):
    """Unmet needs between two moments, by need and by area, largest groups first; then declined referrals."""

    model_config = ConfigDict(defer_build=True)

    start: str = Field(alias="from")
    end: str = Field(alias="to")
    total: int
    by_need: dict[str, int]
    groups: list[GapGroup]
    declined_total: int = Field(description="Referrals providers declined in the period")
    declined_referrals: list[DeclinedGroup] = Field(description="By resource and reason, largest first")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


def gap_report(
    gaps: Sequence[GapRecord], start: datetime, end: datetime, declined: Sequence[ReferralRecord] = ()
) -> GapReport:
    """Aggregate gaps by (need, area), and declined referrals by (resource, reason)."""
    buckets: dict[tuple[str, str], list[GapRecord]] = {}
    for gap in gaps:
        buckets.setdefault((gap.service_code, gap.area.cell), []).append(gap)
    groups = []
    for (code, _), members in buckets.items():
        members.sort(key=lambda gap: gap.recorded_at)
        groups.append(
            GapGroup(
                service_code=code,
                area=members[-1].area,
                count=len(members),
                reasons=dict(Counter(gap.reason for gap in members)),
                first=clock.to_local_iso(members[0].recorded_at),
                last=clock.to_local_iso(members[-1].recorded_at),
                examples=[gap.description for gap in reversed(members) if gap.description][:EXAMPLES_PER_GROUP],
            )
        )
    groups.sort(key=lambda group: (-group.count, group.service_code, group.area.cell))
    return GapReport(
        start=clock.to_local_iso(start),
        end=clock.to_local_iso(end),
        total=len(gaps),
        by_need=dict(Counter(gap.service_code for gap in gaps).most_common()),
        groups=groups,
        declined_total=len(declined),
        declined_referrals=_declined_groups(declined),
    )


def _declined_groups(declined: Sequence[ReferralRecord]) -> list[DeclinedGroup]:
    buckets: dict[tuple[str, str], list[ReferralRecord]] = {}
    for record in declined:
        buckets.setdefault((record.resource_id, record.decline_reason or "other"), []).append(record)
    groups = []
    for (resource_id, reason), members in buckets.items():
        latest = max(members, key=lambda record: record.updated_at)
        groups.append(
            DeclinedGroup(
                resource_id=resource_id,
                service_name=latest.service_name,
                organization_id=latest.organization_id,
                organization_name=latest.organization_name,
                reason=reason,
                count=len(members),
                needs=dict(Counter(record.need for record in members).most_common()),
                last=clock.to_local_iso(latest.updated_at),
            )
        )
    groups.sort(key=lambda group: (-group.count, group.organization_name, group.service_name, group.reason))
    return groups


# ------------------------------------------------------------------ supervisors' summary


def parse_notices(bodies: Sequence[str]) -> list[GapNotice]:
    """Notices from queue message bodies; a malformed one is logged and dropped, so it cannot block the rest."""
    notices = []
    for body in bodies:
        try:
            notices.append(GapNotice.model_validate_json(body))
        except ValidationError:
            logger.warning("dropped a malformed gap notice")
    return notices


def alert_summary(notices: Sequence[GapNotice]) -> tuple[str, str]:
    """(subject, message) for one SNS publish covering a whole batch."""
    count = len(notices)
    subject = f"civic311: {count} unmet need{'s' if count != 1 else ''} recorded"
    groups = Counter((n.service_code, n.area.label, n.reason) for n in notices)
    moments = sorted(n.recorded_at for n in notices)
    lines = [
        f"{count} unmet need{'s' if count != 1 else ''} between {clock.to_local_iso(moments[0])}"
        f" and {clock.to_local_iso(moments[-1])}:",
        *(
            f"- {code} in {label}: {number} ({REASON_TEXT[reason]})"
            for (code, label, reason), number in sorted(groups.items(), key=lambda pair: (-pair[1], pair[0]))
        ),
        "",
        "Details: GET /v1/gaps?from=...&to=... (staff sign-in).",
    ]
    return subject[:100], "\n".join(lines)


def publish_summary(topic_arn: str, notices: Sequence[GapNotice]) -> str | None:
    """Publish one summary for the batch; returns the SNS message id (None when there was nothing to say)."""
    if not notices:
        return None
    subject, message = alert_summary(notices)
    return messaging.publish(topic_arn, message, subject=subject, attributes={"kind": "unmet-needs"})
