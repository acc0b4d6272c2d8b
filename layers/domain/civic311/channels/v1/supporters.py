""" "Is it one of these?": GET /v1/requests/nearby lists open requests of a kind near a point, and
POST /v1/requests/{id}/supporters says "me too" about one instead of reporting it again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from civic311 import clock
from civic311.models.supporters import NearbyRequest, Supported, Supporter

if TYPE_CHECKING:
    from civic311.channels.v1.public_wiring import PublicWiring

TAG = "Supporters"
REQUEST_ID = r"^[0-9A-Za-z-]{1,64}$"


def build_router(context: PublicWiring) -> Router:
    """The nearby and "me too" routes, bound to the request store and the catalog."""
    router = Router()  # type: ignore[no-untyped-call]

    @router.get(
        "/v1/requests/nearby",
        tags=[TAG],
        summary="Open requests of a kind within 50 m of a point",
        description=(
            "Before reporting, see whether someone already has: open, public requests with this service code "
            "within 50 m, nearest first. Never a social need, a police matter or a crisis, and never contact "
            "details or a private request's words. An unknown code is a 400; a code never public answers []."
        ),
    )
    def nearby(
        service_code: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")],
        lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
        long: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    ) -> list[NearbyRequest]:
        return context.open_nearby(service_code, lat, long, clock.now())

    @router.post(
        "/v1/requests/<service_request_id>/supporters",
        tags=[TAG],
        summary='Say "me too" about an open request',
        description=(
            "Counts the resident once (by their email, else their idempotency key) and, if they agree (notify) "
            "and leave an email, emails them the request's progress as its reporter is. 404 for a request the "
            "public cannot see, 409 once it is closed."
        ),
    )
    def supporters(
        service_request_id: Annotated[str, Path(pattern=REQUEST_ID)],
        supporter: Annotated[Supporter, Body()],
    ) -> Supported:
        return context.support(service_request_id, supporter, clock.now())

    return router
