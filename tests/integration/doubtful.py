"""Doubtful reports stored straight into a running stack: triage's `review` decision, without relying on wording."""

from __future__ import annotations

import itertools
import uuid

from civic311 import clock
from civic311.models.cases import Channel, Place, Screening, ServiceRequest
from civic311.store.requests import RequestStore
from local_stack.stack import LOCAL_CREDENTIALS, LOCAL_SDK_SETTINGS
from tests.integration.conftest import RunningStack
from tests.support import scoped_environment

# Each report ~110 m north of the last, so none is linked as a duplicate of another (that is within 50 m).
_places = itertools.count()


def store_doubtful(stack: RunningStack, description: str, service_code: str = "noise") -> str:
    """A new report whose screening asks a call-taker to look; the table's stream starts its workflow."""
    now = clock.now()
    request = ServiceRequest(
        service_request_id=f"9{uuid.uuid4().int % 10**9:09d}",
        token=uuid.uuid4().hex,
        service_code=service_code,
        description=description,
        place=Place(lat=32.2363 + 0.001 * next(_places), long=-110.9441),
        channel=Channel.WEB,
        requested_at=now,
        updated_at=now,
        service_notice="If anyone is in danger, call 911 now.",
        screening=Screening(
            emergency=False,
            crisis=False,
            suggested_code=service_code,
            language="en",
            signals=["doubtful: shouting"],
            decision="review",
        ),
    )
    environment = {
        **LOCAL_CREDENTIALS,
        **LOCAL_SDK_SETTINGS,
        "AWS_ENDPOINT_URL": stack.endpoint,
        "AWS_DEFAULT_REGION": str(stack.info["region"]),
    }
    with scoped_environment(environment):
        RequestStore(stack.output("ServiceRequestsTableName")).create(request)
    return request.service_request_id
