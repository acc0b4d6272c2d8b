"""What every Open311 route reads from a call the same way: the jurisdiction it names, the language it asks
for, and the tracking secret that opens a resident's own request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from civic311.catalog import Language
from civic311.channels.open311.forms import TRACKING_HEADER
from civic311.errors import Forbidden, NotFound
from civic311.models import tracking
from civic311.models.cases import ServiceRequest as StoredRequest

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

    from civic311.channels.open311.context import Open311Context

PREFIX = "/open311/v2"
TAG = "Open311 GeoReport v2"
Jurisdiction = Annotated[str | None, Query(description="Optional; empty means this city.")]


def asked_language(headers: dict[str, str]) -> Language | None:
    """The language the client asked for with Accept-Language, if English or Spanish."""
    accept = headers.get("accept-language", "").strip().lower()
    if accept.startswith("es"):
        return "es"
    return "en" if accept.startswith("en") else None


class Call:
    """The call a route is answering, read through its router, checked against the Open311 context."""

    def __init__(self, router: Router, context: Open311Context) -> None:
        self._router = router
        self._context = context

    def check_jurisdiction(self, jurisdiction_id: str | None) -> None:
        """NotFound unless the call names no jurisdiction or this city's."""
        if jurisdiction_id and jurisdiction_id != self._context.catalog.jurisdiction_id:
            raise NotFound(f"jurisdiction_id '{jurisdiction_id}' is not served here")

    def language(self) -> Language:
        """The language to answer in: the one asked for, or English."""
        return asked_language(self._router.current_event.headers) or "en"

    def resident_secret(self) -> str | None:
        """The tracking secret the call carries, if any."""
        secret = self._router.current_event.headers.get(TRACKING_HEADER.lower())
        return secret if secret is None else secret.strip()

    def own_request(self, request: StoredRequest) -> StoredRequest:
        """The request, if the caller holds its tracking secret; Forbidden otherwise."""
        if not tracking.opens(self.resident_secret(), request.token):
            raise Forbidden(f"{TRACKING_HEADER} does not open service request {request.service_request_id}")
        return request
