"""A resident's request with its tracking secret, and what they post from their own link (reopen, satisfaction)."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

from civic311 import clock
from civic311.models import tracking
from civic311.models.cases import Channel, Place, RequestUpdate, ServiceRequest
from tests.support import InProcessStack, load_event, request_store

_counter = iter(range(1_000_000))


def resident_request(
    stack: InProcessStack, closed_ago: timedelta | None = timedelta(hours=1), made_ago: timedelta = timedelta(days=30)
) -> tuple[ServiceRequest, str]:
    """A pothole and the resident's tracking secret, resolved by staff `closed_ago` (still open when None)."""
    secret = tracking.new_secret()
    made_at = clock.now() - made_ago
    request = ServiceRequest(
        service_request_id=f"67{next(_counter):08d}",
        token=tracking.digest(secret),
        service_code="pothole",
        place=Place(lat=32.2216, long=-110.9262),
        channel=Channel.OPEN311,
        requested_at=made_at,
        updated_at=made_at,
    )
    store = request_store(stack)
    store.create(request)
    if closed_ago is not None:
        update = RequestUpdate(
            update_id="closed",
            service_request_id=request.service_request_id,
            status="closed",
            description="Filled on Tuesday.",
            updated_at=clock.now() - closed_ago,
            author="staff-2",
        )
        store.add_update(update, close=True)
    return request, secret


def post_from_own_link(
    stack: InProcessStack, request_id: str, action: str, payload: Any, secret: str | None
) -> dict[str, Any]:
    """POST /v1/requests/{id}/<action> through the public API's handler, with the secret when given."""
    event = copy.deepcopy(load_event("public_api/post_referrals"))
    event.update(
        {
            "path": f"/v1/requests/{request_id}/{action}",
            "resource": f"/v1/requests/{{service_request_id}}/{action}",
            "pathParameters": {"service_request_id": request_id},
            "body": payload if isinstance(payload, str) else json.dumps(payload),
        }
    )
    if secret is not None:
        event["headers"]["X-Request-Token"] = secret
        event["multiValueHeaders"]["X-Request-Token"] = [secret]
    return stack.call("PublicApiFunction", event)
