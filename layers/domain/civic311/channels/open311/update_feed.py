"""The updates feed on the Open311 API (FixMyStreet's extension): every request's updates in a period, each
showing only what its request's visibility lets anyone read."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from civic311 import clock
from civic311.cases.visibility import Visibility, public_update_text, visibility_in
from civic311.channels.open311 import models as wire
from civic311.channels.open311 import pages
from civic311.channels.open311.calls import PREFIX, TAG, Call, Jurisdiction
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import check_format
from civic311.channels.open311.listings import MAX_RESULTS, check_span, date_range, link_next
from civic311.errors import InvalidInput
from civic311.store.paging import ReadBudget

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

    from civic311.channels.open311.context import Open311Context

# FixMyStreet's own client asks for the last two hours; with no dates we answer the last day.
UPDATES_DEFAULT_RANGE = timedelta(days=1)


def add_update_feed_route(router: Router, context: Open311Context) -> None:
    """GET servicerequestupdates, bound to the Open311 context."""
    call = Call(router, context)

    @router.get(
        f"{PREFIX}/servicerequestupdates.<fmt>",
        tags=[TAG],
        summary="Updates to requests (FixMyStreet extension)",
        description="Paged like the request search: follow `X-Next-Page-Token` (or the Link header).",
        responses={
            200: {"description": "Newest first", "content": {"application/json": {"model": list[wire.RequestUpdate]}}}
        },
    )
    def request_updates(
        fmt: str,
        jurisdiction_id: Jurisdiction = None,
        start_date: Annotated[str | None, Query(description="Earliest update time (ISO-8601).")] = None,
        end_date: Annotated[str | None, Query(description="Latest update time (ISO-8601).")] = None,
        api_key: Annotated[str | None, Query(description="Accepted and ignored: updates are public.")] = None,
        page_token: Annotated[
            str | None, Query(description="Extension: the X-Next-Page-Token of the previous answer; sent alone.")
        ] = None,
    ) -> Response[str]:
        chosen = check_format(fmt)
        call.check_jurisdiction(jurisdiction_id)
        if page_token:
            if start_date or end_date:
                raise InvalidInput("page_token carries the whole query: send it without dates")
            asked = pages.decode(page_token, "updates")
            check_span(asked.start, asked.end)
            start, end, before = asked.start, asked.end, asked.before
        else:
            start, end = date_range(start_date, end_date, default_span=UPDATES_DEFAULT_RANGE)
            before = None
        budget = ReadBudget()
        updates, resume = context.requests.updates_page(start, end, MAX_RESULTS, budget, before)
        # Each update shows only what its request's visibility allows; an unreadable request counts as private.
        requests = {
            request.service_request_id: request
            for request in context.requests.get_many(update.service_request_id for update in updates)
        }
        listing = []
        for update in updates:
            request = requests.get(update.service_request_id)
            seen_as = visibility_in(context.catalog, request) if request else Visibility.PRIVATE
            listing.append(
                wire.RequestUpdate(
                    update_id=f"{update.service_request_id}-{update.update_id}",
                    service_request_id=update.service_request_id,
                    status=update.status,
                    updated_datetime=clock.to_local_iso(update.updated_at),
                    description=public_update_text(seen_as, update.description, request.language if request else "en"),
                    media_url=(update.media_url or "") if seen_as != Visibility.PRIVATE else "",
                )
            )
        answer = respond(chosen, listing, root="service_request_updates", item="request_update")
        if resume:
            token = pages.PageToken("updates", start, end, resume).encode()
            link_next(answer, f"servicerequestupdates.{chosen}", token, None)
        return answer
