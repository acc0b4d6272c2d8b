"""Shelters and their beds: GET /v1/shelters lists them, PUT /v1/shelters/{id}/capacity reports beds free now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field

from civic311 import clock
from civic311.channels.v1.staff import (
    PROVIDER_GROUP,
    STAFF_GROUP,
    SUPERVISOR_GROUP,
    StaffCaller,
    staff_caller,
)
from civic311.errors import DependencyUnavailable, Forbidden, InvalidInput, NotFound
from civic311.models.vocabulary import SHELTER_CODE

if TYPE_CHECKING:
    from civic311.channels.v1.staff_wiring import StaffWiring

TAG = "Staff: shelters"


class CapacityUpdate(BaseModel):
    """Beds free now, and optionally the shelter's total."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    beds_available: int = Field(ge=0, le=10_000)
    beds_total: int | None = Field(default=None, ge=1, le=10_000)


class CapacityAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    beds_available: int
    beds_total: int | None
    updated_at: str


class ShelterView(BaseModel):
    """A shelter of the active directory with its beds as last reported (None when never reported)."""

    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    organization_id: str
    organization_name: str
    location_name: str | None
    address: str | None
    phone: str | None
    beds_available: int | None
    beds_total: int | None
    updated_at: str | None
    source: Literal["package", "provider"] | None = Field(
        description="package: the count loaded with the directory; provider: reported since."
    )


def build_router(context: StaffWiring) -> Router:
    """The capacity route, bound to its dependencies."""
    router = Router()  # type: ignore[no-untyped-call]

    def may_update(caller: StaffCaller, organization_id: str) -> bool:
        return caller.in_any((STAFF_GROUP,)) or organization_id in caller.organizations

    @router.get(
        "/v1/shelters",
        tags=[TAG],
        summary="Shelters with their beds now",
        description=(
            "Every active shelter of the directory in force, by name, with its last reported beds. The `staff` and "
            "`supervisor` groups see all; a `provider` sees its own organization's shelters."
        ),
    )
    def list_shelters() -> list[ShelterView]:
        caller = staff_caller(APIGatewayProxyEvent(router.current_event.raw_event))
        caller.require_any((STAFF_GROUP, SUPERVISOR_GROUP, PROVIDER_GROUP), "reading shelters")
        active = context.directory.active()
        if active is None:
            raise DependencyUnavailable("the resource directory is not loaded yet; please retry shortly")
        shelters = context.directory.shelters(active.version)
        if not caller.in_any((STAFF_GROUP, SUPERVISOR_GROUP)):
            shelters = [shelter for shelter in shelters if may_update(caller, shelter.organization_id)]
        beds = context.directory.capacities([shelter.id for shelter in shelters])
        views = []
        for shelter in shelters:
            capacity = beds.get(shelter.id)
            views.append(
                ShelterView(
                    id=shelter.id,
                    name=shelter.name,
                    organization_id=shelter.organization_id,
                    organization_name=shelter.organization_name,
                    location_name=shelter.location_name,
                    address=shelter.address,
                    phone=shelter.phone,
                    beds_available=capacity.beds_available if capacity else None,
                    beds_total=capacity.beds_total if capacity else None,
                    updated_at=clock.to_local_iso(capacity.updated_at) if capacity else None,
                    source=capacity.source if capacity else None,
                )
            )
        return sorted(views, key=lambda view: (view.name.casefold(), view.location_name or "", view.id))

    @router.put(
        "/v1/shelters/<shelter_id>/capacity",
        tags=[TAG],
        summary="Report beds available at a shelter",
        description=(
            "For the `staff` group, or the `provider` group together with `org-<organization id>` of the "
            "shelter's organization. Full shelters are not referred while others have room."
        ),
    )
    def put_capacity(shelter_id: str, update: Annotated[CapacityUpdate, Body()]) -> CapacityAnswer:
        caller = staff_caller(APIGatewayProxyEvent(router.current_event.raw_event))
        caller.require_any((STAFF_GROUP, PROVIDER_GROUP), "updating shelter capacity")
        if update.beds_total is not None and update.beds_available > update.beds_total:
            raise InvalidInput(f"beds_available {update.beds_available} is more than beds_total {update.beds_total}")
        active = context.directory.active()
        if active is None:
            raise DependencyUnavailable("the resource directory is not loaded yet; please retry shortly")
        shelter = context.directory.resource(active.version, shelter_id)
        if shelter is None or shelter.service_code != SHELTER_CODE:
            raise NotFound(f"no shelter with id '{shelter_id}' in the directory")
        if not may_update(caller, shelter.organization_id):
            raise Forbidden("providers may update only their own organization's shelters")
        # Over the stored total, the store refuses it as invalid input (400).
        saved = context.directory.set_capacity(
            shelter_id, update.beds_available, update.beds_total, caller.subject, clock.now()
        )
        return CapacityAnswer(
            id=shelter_id,
            beds_available=saved.beds_available,
            beds_total=saved.beds_total,
            updated_at=clock.to_local_iso(saved.updated_at),
        )

    return router
