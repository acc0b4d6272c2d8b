"""GET /v1/stats: the public numbers of 311 between two moments (open data: aggregates only, small private counts
withheld; cases/stats.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from civic311 import clock

if TYPE_CHECKING:
    from civic311.channels.v1.public_wiring import PublicWiring

TAG = "Open data"
DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=92)
_WITHHELD = "None when withheld: under `suppressed_below` for a private category, or to protect one that is."


class CodeStats(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_code: str
    group: str = Field(
        description="The catalog group; only `city` services are public as made. The code `private` (group "
        "`private`) counts city-service requests made private by triage or 911."
    )
    requests: int | None = Field(description=f"Requests made. {_WITHHELD}")
    closed: int | None = Field(description=f"Of them, closed by now. {_WITHHELD}")
    median_hours_to_close: float | None = Field(description="Median hours from request to close, of those closed.")
    closed_within_sla: float | None = Field(
        description="Share (0-1) closed by the service's expected time, of those closed or past it."
    )


class AreaStats(BaseModel):
    model_config = ConfigDict(defer_build=True)

    area: str = Field(description="A side of the city (a ~36 km² cell's label), never a street.")
    requests: int = Field(description="Public requests made there: the open-data export's.")
    private_requests: int | None = Field(description="Private requests made there. None when withheld.")


class Stats(BaseModel):
    model_config = ConfigDict(defer_build=True, populate_by_name=True)

    start: str = Field(alias="from", description="The period's start, city time.")
    end: str = Field(alias="to", description="The period's end (excluded), city time.")
    requests: int
    closed: int
    median_hours_to_close: float | None
    closed_within_sla: float | None
    by_code: list[CodeStats]
    by_area: list[AreaStats]
    diversions: int | None = Field(description="911 calls diverted to 311. None when under `suppressed_below`.")
    escalations: int | None = Field(description="311 requests sent on to 911. None when under `suppressed_below`.")
    gaps: int | None = Field(description="Unmet needs recorded. None when under `suppressed_below`.")
    suppressed_below: int = Field(
        description="Counts from 1 to this minus one of anything private are withheld, and the next smallest with them "
        "when one alone would show by subtraction."
    )


def build_router(context: PublicWiring) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @router.get("/v1/stats", tags=[TAG], summary="Requests by code and area, time to close, SLA, 911 and gaps")
    def stats(
        start: Annotated[
            str | None, Query(alias="from", description="ISO date-time; default 30 days before 'to'")
        ] = None,
        end: Annotated[
            str | None, Query(alias="to", description="ISO date-time; default now; at most 92 days after 'from'")
        ] = None,
    ) -> Stats:
        since, until = clock.asked_period(start, end, ("'from'", "'to'"), DEFAULT_RANGE, MAX_RANGE)
        numbers = context.numbers(since, until)
        fields = asdict(numbers) | {"start": clock.to_local_iso(since), "end": clock.to_local_iso(until)}
        return Stats.model_validate(fields)

    return router
