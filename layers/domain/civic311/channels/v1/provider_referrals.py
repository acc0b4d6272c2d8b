"""Providers' referrals: GET /v1/referrals lists an organization's, newest first; POST
/v1/requests/{id}/referrals/{resource_id} answers one (accepted, declined, completed). The rules are in
cases/referral_loop.py.

The answer's path names the referral by what it is, a request referred to a directory resource: the key of its
record, so answering costs no index, and the resource id is what a provider's own directory entry shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field

from civic311 import clock
from civic311.cases.referral_loop import Change
from civic311.channels.v1.staff import PROVIDER_GROUP, STAFF_GROUP, SUPERVISOR_GROUP, StaffCaller, staff_caller
from civic311.errors import Forbidden, InvalidInput
from civic311.models.referrals import DeclineReason, Note, ProviderStatus, ReferralRecord, ReferralStatus

if TYPE_CHECKING:
    from civic311.channels.v1.staff_wiring import StaffWiring

TAG = "Providers: referrals"
DEFAULT_PAGE = 50
MAX_PAGE = 100
# Request ids are ten digits; resource and organization ids are HSDS ids (UUIDs in practice).
REQUEST_ID = r"^[0-9]{1,20}$"
DIRECTORY_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"


class ReferralChange(BaseModel):
    """A provider's answer to one referral."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    status: ProviderStatus = Field(description="Forward only: referred → accepted or declined; accepted → completed.")
    reason: DeclineReason | None = Field(default=None, description="Why the referral was declined (declines only).")
    note: Note | None = Field(
        default=None, description="The provider's own words, for staff and the provider; never shown to the resident."
    )


class ReferralView(BaseModel):
    """A referral as its provider and staff read it: no resident's words, place or contact details."""

    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    resource_id: str
    service_name: str
    organization_id: str
    organization_name: str
    location_name: str | None
    need: str = Field(description="The service code of the need referred")
    status: ReferralStatus
    referred_at: str
    updated_at: str
    decline_reason: DeclineReason | None
    note: str | None


class ReferralPage(BaseModel):
    model_config = ConfigDict(defer_build=True)

    referrals: list[ReferralView]
    next_page_token: str | None = Field(description="Send back as page_token for the next page; null at the end.")


def view(record: ReferralRecord) -> ReferralView:
    return ReferralView(
        service_request_id=record.service_request_id,
        resource_id=record.resource_id,
        service_name=record.service_name,
        organization_id=record.organization_id,
        organization_name=record.organization_name,
        location_name=record.location_name,
        need=record.need,
        status=record.status,
        referred_at=clock.to_local_iso(record.referred_at),
        updated_at=clock.to_local_iso(record.updated_at),
        decline_reason=record.decline_reason,
        note=record.note,
    )


def _organization(caller: StaffCaller, asked: str | None) -> str:
    """Whose referrals to list: the one asked (staff: any; a provider: its own), else a provider's only one."""
    if caller.in_any((STAFF_GROUP, SUPERVISOR_GROUP)):
        if asked is None:
            raise InvalidInput("organization_id (or service_request_id) is required: whose referrals to list")
        return asked
    own = caller.organizations
    if not own:
        raise Forbidden("this provider account belongs to no organization (an org-<organization id> group)")
    if asked is None:
        if len(own) > 1:
            raise InvalidInput(f"organization_id is required: this account speaks for {', '.join(sorted(own))}")
        return next(iter(own))
    if asked not in own:
        raise Forbidden("providers may read only their own organization's referrals")
    return asked


def build_router(context: StaffWiring) -> Router:
    """The providers' referral routes, bound to their dependencies."""
    router = Router()  # type: ignore[no-untyped-call]

    @router.get(
        "/v1/referrals",
        tags=[TAG],
        summary="Referrals made to an organization, newest first",
        description=(
            "A `provider` reads its own organization's (its `org-<organization id>` group); `staff` and "
            "`supervisor` read any organization's, or one request's with `service_request_id`."
        ),
    )
    def list_referrals(
        organization_id: Annotated[str | None, Query(pattern=DIRECTORY_ID, description="HSDS organization id")] = None,
        service_request_id: Annotated[
            str | None, Query(pattern=REQUEST_ID, description="Staff: one request's referrals")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        page_token: Annotated[str | None, Query(max_length=400)] = None,
    ) -> ReferralPage:
        caller = staff_caller(APIGatewayProxyEvent(router.current_event.raw_event))
        caller.require_any((STAFF_GROUP, SUPERVISOR_GROUP, PROVIDER_GROUP), "reading referrals")
        if service_request_id is not None:
            caller.require_any((STAFF_GROUP, SUPERVISOR_GROUP), "reading a request's referrals")
            if organization_id is not None or page_token is not None:
                raise InvalidInput("service_request_id is sent alone: a request's referrals come in one page")
            found = context.referral_records.for_request(service_request_id)
            return ReferralPage(referrals=[view(record) for record in found], next_page_token=None)
        organization = _organization(caller, organization_id)
        found, token = context.referral_records.for_organization(organization, limit, page_token)
        return ReferralPage(referrals=[view(record) for record in found], next_page_token=token)

    @router.post(
        "/v1/requests/<service_request_id>/referrals/<resource_id>",
        tags=[TAG],
        summary="Answer a referral: accepted, declined or completed",
        description=(
            "For the `provider` group with `org-<organization id>` of the resource's organization; another "
            "organization's provider gets 403 whether or not the request was referred there. Statuses move "
            "forward only; a repeat answers what is stored."
        ),
    )
    def answer_referral(
        service_request_id: Annotated[str, Path(pattern=REQUEST_ID)],
        resource_id: Annotated[str, Path(pattern=DIRECTORY_ID)],
        change: Annotated[ReferralChange, Body()],
    ) -> ReferralView:
        caller = staff_caller(APIGatewayProxyEvent(router.current_event.raw_event))
        caller.require_any((PROVIDER_GROUP,), "answering a referral")
        outcome = context.referral_loop.mark(
            service_request_id,
            resource_id,
            caller.organizations,
            Change(status=change.status, reason=change.reason, note=change.note),
            caller.subject,
            clock.now(),
        )
        return view(outcome.record)

    return router
