"""GET /v1/gaps: unmet needs between two moments, by need and area, and the referrals providers declined
(staff and supervisors)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from civic311 import clock
from civic311.cases.gaps import GapReport, gap_report
from civic311.channels.v1.staff import STAFF_GROUP, SUPERVISOR_GROUP, staff_caller

if TYPE_CHECKING:
    from civic311.channels.v1.staff_wiring import StaffWiring

TAG = "Staff: unmet needs"
DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=366)


def build_router(context: StaffWiring) -> Router:
    """The unmet-needs report, bound to its dependencies."""
    router = Router()  # type: ignore[no-untyped-call]

    @router.get("/v1/gaps", tags=[TAG], summary="Unmet needs by need and area")
    def gaps(
        start: Annotated[
            str | None, Query(alias="from", description="ISO date-time; default 30 days before 'to'")
        ] = None,
        end: Annotated[str | None, Query(alias="to", description="ISO date-time; default now")] = None,
    ) -> GapReport:
        caller = staff_caller(APIGatewayProxyEvent(router.current_event.raw_event))
        caller.require_any((STAFF_GROUP, SUPERVISOR_GROUP), "the unmet-needs report")
        since, until = clock.asked_period(start, end, ("'from'", "'to'"), DEFAULT_RANGE, MAX_RANGE)
        declined = context.referral_records.declined_between(since, until)
        return gap_report(context.gaps.between(since, until), since, until, declined)

    return router
