"""POST /dispatch/v1/requests/{id}/acknowledge: a 911 answering point's CAD acknowledging an alert with its key.

Served on DispatchApi only, where API Gateway admits the keys of the dispatch usage plan alone (one key per
answering point). The function checks the key again, so that nothing but a dispatch key ever moves a 911 alert:
no key, or a key of any other plan, is 403 before the body's rules are read. The same statuses as the console's
acknowledgement (dispatch_acknowledgements.py); the request's history names the answering point, which staff see
and residents never do (they see only the request's neutral status).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from civic311.channels.v1.dispatch_acknowledgements import DispatchAcknowledgement, DispatchAnswer
from civic311.channels.v1.requests import acknowledge_as_dispatch
from civic311.errors import Forbidden, NotFound
from civic311.store.dispatch_keys import KEY_NAME_PREFIX

if TYPE_CHECKING:
    from civic311.channels.v1.staff_wiring import StaffWiring

TAG = "Dispatch (CAD)"
PATH = "/dispatch/v1/requests/<service_request_id>/acknowledge"


def answering_point(event: APIGatewayProxyEvent, context: StaffWiring) -> str:
    """The answering point of the key API Gateway admitted; Forbidden for no key or one outside the dispatch plan."""
    key_id = event.request_context.identity.api_key_id
    keys = context.dispatch_keys
    point = keys.answering_point(key_id) if key_id and keys is not None else None
    if point is None:
        raise Forbidden("acknowledging a 911 alert here needs an answering point's dispatch key")
    return point


def build_router(context: StaffWiring) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @router.post(PATH, tags=[TAG], summary="An answering point's CAD acknowledges a 911 alert (X-API-Key)")
    def cad_acknowledge(
        service_request_id: Annotated[str, Path()], body: Annotated[DispatchAcknowledgement | None, Body()] = None
    ) -> DispatchAnswer:
        point = answering_point(APIGatewayProxyEvent(router.current_event.raw_event), context)
        request = context.requests.get(service_request_id)
        if request is None:
            raise NotFound(f"service request {service_request_id} does not exist")
        return acknowledge_as_dispatch(context, request, body or DispatchAcknowledgement(), KEY_NAME_PREFIX + point)

    return router
