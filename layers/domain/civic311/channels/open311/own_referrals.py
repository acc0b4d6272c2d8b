"""The resident's own request's referrals on the Open311 API (an extension): where it was referred, and whether
the provider accepted, declined or completed it.

A referral says what the need was (a shelter, a crisis line), so it is the resident's alone: only the tracking
secret opens it, as with their updates. Of each referral the resident reads the organization's and service's
public names and the status; never the provider's reason or note, which are about the resident, not for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response

from civic311 import clock
from civic311.channels.open311 import models as wire
from civic311.channels.open311.calls import PREFIX, TAG, Call, Jurisdiction
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import TRACKING_HEADER, check_format
from civic311.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

    from civic311.channels.open311.context import Open311Context


def add_own_referrals_route(router: Router, context: Open311Context) -> None:
    """GET requests/{id}/referrals, bound to the Open311 context."""
    call = Call(router, context)

    @router.get(
        f"{PREFIX}/requests/<service_request_id>/referrals.<fmt>",
        tags=[TAG],
        summary="A resident's own request's referrals (extension; needs X-Request-Token)",
        responses={
            200: {
                "description": "In the order they were made",
                "content": {"application/json": {"model": list[wire.ResidentReferral]}},
            }
        },
    )
    def own_referrals(service_request_id: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = check_format(fmt)
        call.check_jurisdiction(jurisdiction_id)
        if call.resident_secret() is None:
            raise Forbidden(f"{TRACKING_HEADER} is required: the link given when the request was made has it")
        request = context.requests.get(service_request_id)
        if request is None:
            raise NotFound(f"service_request_id '{service_request_id}' not found")
        call.own_request(request)
        listing = [
            wire.ResidentReferral(
                service_request_id=record.service_request_id,
                resource_id=record.resource_id,
                organization=record.organization_name,
                service_name=record.service_name,
                status=record.status,
                updated_datetime=clock.to_local_iso(record.updated_at),
            )
            for record in context.referral_records.for_request(service_request_id)
        ]
        return respond(chosen, listing, root="referrals", item="referral")
