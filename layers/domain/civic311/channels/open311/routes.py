"""Open311 GeoReport v2 routes at /open311/v2/: parse, call the domain, answer in JSON or XML.

Each resource has its own module; this one gathers them, in the order the OpenAPI document lists them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler.api_gateway import Router

from civic311.channels.open311.calls import PREFIX
from civic311.channels.open311.own_referrals import add_own_referrals_route
from civic311.channels.open311.request_posts import add_request_post_route
from civic311.channels.open311.request_reads import add_request_read_routes
from civic311.channels.open311.services import add_service_routes
from civic311.channels.open311.texts import add_text_routes
from civic311.channels.open311.update_feed import add_update_feed_route
from civic311.channels.open311.update_posts import add_update_post_route

if TYPE_CHECKING:
    from civic311.channels.open311.context import Open311Context

__all__ = ["PREFIX", "build_router"]


def build_router(context: Open311Context) -> Router:
    """The Open311 routes, bound to their dependencies."""
    router = Router()  # type: ignore[no-untyped-call]
    add_service_routes(router, context)
    add_request_read_routes(router, context)
    add_own_referrals_route(router, context)
    add_update_feed_route(router, context)
    add_request_post_route(router, context)
    add_update_post_route(router, context)
    add_text_routes(router, context)
    return router
