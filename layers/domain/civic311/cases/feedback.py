"""Were you satisfied? The resident answers once per resolution, from their own link; staff and the metrics see it."""

from __future__ import annotations

from datetime import datetime

from civic311 import metrics
from civic311.errors import Conflict, Forbidden, NotFound
from civic311.models import tracking
from civic311.models.cases import Satisfaction
from civic311.store.requests import RequestStore


def answer_satisfaction(
    store: RequestStore, request_id: str, secret: str | None, satisfied: bool, now: datetime
) -> Satisfaction:
    """Keep the resident's answer; the same answer again is a no-op, a different one a Conflict."""
    request = store.get(request_id)
    if request is None:
        raise NotFound(f"service request {request_id} does not exist")
    if not tracking.opens(secret, request.token):
        raise Forbidden(f"X-Request-Token does not open service request {request_id}")
    answer = Satisfaction(satisfied=satisfied, at=now)
    held = store.record_satisfaction(request_id, answer)
    if held is None:
        raise Conflict(f"service request {request_id} is not resolved yet; ask again once it is")
    if held is answer:
        metrics.count("SatisfactionAnswers", satisfied=str(satisfied).lower(), service_code=request.service_code)
        return answer
    if held.satisfied != satisfied:
        raise Conflict(f"service request {request_id} already has your answer for this resolution")
    return held
