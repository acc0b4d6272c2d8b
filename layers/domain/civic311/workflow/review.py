"""The call workflow's review steps: wait for a call-taker, then route by the answer, or escalate by itself.

A doubtful report waits (AwaitReview, a task token) for a call-taker's answer for the review window. If
none comes, ReviewExpired sends it to 911 with the reason on its signals and in its history, and outside
311's staffed hours (no call-taker on duty to have seen it) also pages the duty supervisor.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools import Logger

from civic311 import clock, metrics
from civic311.cases.review import unreviewed_reason
from civic311.errors import Conflict, InvalidInput, NotFound
from civic311.models.cases import RequestUpdate, ReviewState, ServiceRequest, UpdateStatus
from civic311.store import executions, messaging
from civic311.store.reviews import ReviewStore
from civic311.workflow import messages
from civic311.workflow.step_input import StepInput

if TYPE_CHECKING:
    from civic311.escalation.service import Escalation
    from civic311.settings import WorkflowSettings
    from civic311.store.requests import RequestStore
    from civic311.workflow.routing_steps import RoutingSteps

logger = Logger(child=True)

_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_SPAN = re.compile(r"^(MON|TUE|WED|THU|FRI|SAT|SUN)(?:-(MON|TUE|WED|THU|FRI|SAT|SUN))? (\d\d):(\d\d)-(\d\d):(\d\d)$")


def staffed(hours: str, moment: datetime) -> bool:
    """Whether call-takers are on duty at `moment` (city time), by spans like 'MON-FRI 07:00-19:00; SAT 08:00-17:00'."""
    local = moment.astimezone(clock.CITY_TZ)
    for span in filter(None, (part.strip() for part in hours.split(";"))):
        found = _SPAN.match(span)
        if found is None:
            raise ValueError(f"staffed hours span '{span}' is not like 'MON-FRI 07:00-19:00'")
        first, last = _DAYS.index(found[1]), _DAYS.index(found[2] or found[1])
        opens, closes = time(int(found[3]), int(found[4])), time(int(found[5]), int(found[6]))
        if first <= local.weekday() <= last and opens <= local.time() < closes:
            return True
    return False


class WorkflowHost(Protocol):
    """What the review steps use of the workflow (workflow/steps.py): its stores, built on first use, and routing."""

    @property
    def settings(self) -> WorkflowSettings: ...

    @property
    def requests(self) -> RequestStore: ...

    @property
    def escalation(self) -> Escalation: ...

    def clock_now(self) -> datetime: ...

    @property
    def routing(self) -> RoutingSteps: ...


class ReviewSteps:
    """await_review, reviewed and review_expired: the work behind the review states of the call workflow."""

    def __init__(self, steps: WorkflowHost) -> None:
        self.steps = steps
        self.reviews = ReviewStore(steps.settings.service_requests_table)

    def await_review(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Park the token for the call-taker's answer; if one came already, resume at once with it."""
        token = step.task_token
        if not token:
            raise InvalidInput("step await_review needs the task token")
        if not self.reviews.wait(request.service_request_id, token):
            answered = request.review.status if request.review else "cleared"
            outcome = "escalate" if answered == "escalated" else "clear"
            executions.send(token, {"outcome": outcome})
        return {"waiting": "review"}

    def reviewed(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Route again now that the review is answered: to 911 if escalated, else the request's own route."""
        review = request.review
        if review is not None and review.status == "escalated" and request.alert is None:
            # The call-taker's answer was recorded but the escalation after it failed: finish it here.
            request, _ = self.steps.escalation.escalate(
                request.service_request_id, "call-taker review", review.by or "311"
            )
        if review is not None and review.status == "cleared":
            note = messages.review_cleared(review.note)
            self._note(request, "open", note, author=review.by or "311", public=False, update_id="reviewed")
        return self.steps.routing.triage(step, request)

    def review_expired(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Nobody answered in the window: send it to 911 by itself, say why, and page the supervisor after hours."""
        window = self.steps.settings.review_window_seconds
        reason = unreviewed_reason(window)
        now = self.steps.clock_now()
        try:
            self.reviews.answer(request.service_request_id, ReviewState(status="unreviewed", by="311", at=now))
        except Conflict:
            # A call-taker answered just as the window closed: their answer stands.
            return self._answered(step, request.service_request_id)
        if reason not in (request.screening.signals if request.screening else []):
            self.reviews.add_signal(request.service_request_id, reason, now)
        try:
            escalated, _ = self.steps.escalation.escalate(request.service_request_id, reason, "311")
        except Conflict:
            escalated = request  # Escalated another way meanwhile: it is with 911 already.
        # Staff's history; EnsureAlert, next, tells the resident the same in the request's status notes.
        self._note(escalated, "referred", f"Sent to 911: {reason}.", public=False, update_id="unreviewed")
        metrics.count("ReviewsExpired", channel=request.channel.value)
        paged = not staffed(self.steps.settings.staffed_hours, now)
        if paged:
            messaging.publish(
                self.steps.settings.supervisor_alerts_topic_arn,
                messages.unreviewed_page(request, reason),
                subject=f"311 report {request.service_request_id} went to 911 unreviewed"[:100],
            )
        logger.warning("report unreviewed in its window; sent to 911", extra={"supervisor_paged": paged})
        return {"route": "emergency", "group": "emergency", "supervisor_paged": paged}

    def _note(self, request: ServiceRequest, status: UpdateStatus, text: str, **fields: Any) -> None:
        update = RequestUpdate(
            service_request_id=request.service_request_id,
            status=status,
            description=text,
            updated_at=self.steps.clock_now(),
            **({"author": "311", "public": True} | fields),
        )
        self.steps.requests.add_update(update)

    def _answered(self, step: StepInput, request_id: str) -> dict[str, Any]:
        current = self.steps.requests.get(request_id)
        if current is None:
            raise NotFound(f"service request {request_id} does not exist")
        return self.reviewed(step, current)
