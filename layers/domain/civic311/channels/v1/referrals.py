"""POST /v1/referrals: where to go for a need, open now and nearest first, in the caller's language."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from civic311 import metrics
from civic311.cases.referrals import refer
from civic311.directory.referral_models import ReferralAnswer, ReferralQuery

if TYPE_CHECKING:
    from civic311.channels.v1.public_wiring import PublicWiring

TAG = "Referrals"


def build_router(context: PublicWiring) -> Router:
    """The referral route, bound to its dependencies."""
    router = Router()  # type: ignore[no-untyped-call]

    @router.post(
        "/v1/referrals",
        tags=[TAG],
        summary="Refer a need to the right place",
        description=(
            "Places for a service code near lat/long: open now and eligible first, then in the caller's "
            "language, then nearest (times in America/Phoenix). Outside the city, names the government that "
            "serves the place instead. `gap` is true when the need is unmet; it is recorded for supervisors."
        ),
    )
    def referrals(query: Annotated[ReferralQuery, Body()]) -> ReferralAnswer:
        started = time.perf_counter()
        answer = refer(query, context.directory, gaps=context.gaps)
        elapsed_ms = (time.perf_counter() - started) * 1000
        metrics.measure("ReferralLatency", elapsed_ms, service_code=query.service_code)
        return answer

    return router
