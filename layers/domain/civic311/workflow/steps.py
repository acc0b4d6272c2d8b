"""The call workflow's task steps. Step Functions invokes one function; `step` names the work.

Every step is idempotent, because Step Functions retries them: they re-read the request, and their
writes either set a value or add an update under its own id.

The steps live with what they are about: routing_steps (record, screen), place_steps (locate, outside),
alert_steps (911 and its acknowledgement), referral_steps, notification_steps, closing_steps and review. This
module names each step for the state machine, runs it, and keeps a failure's words out of the execution
history. With step_context.py it is the function's wiring: the step groups that load the directory, geography
or the review rules are imported here with their first step, so a cold start loads only what its step needs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from civic311.errors import Civic311Error, DependencyUnavailable, InvalidInput, NotFound
from civic311.models.cases import ServiceRequest
from civic311.store import failures
from civic311.workflow.alert_steps import AlertSteps
from civic311.workflow.closing_steps import ClosingSteps
from civic311.workflow.notification_steps import NotificationSteps
from civic311.workflow.routing_steps import RoutingSteps
from civic311.workflow.step_context import StepContext
from civic311.workflow.step_input import StepInput

if TYPE_CHECKING:
    from civic311.workflow.forwarding import ForwardingSteps
    from civic311.workflow.place_steps import PlaceSteps
    from civic311.workflow.referral_steps import ReferralSteps
    from civic311.workflow.review import ReviewSteps

logger = Logger(child=True)

Step = Callable[[StepInput, ServiceRequest], dict[str, Any]]


class WorkflowSteps(StepContext):
    """The work behind each Task state of statemachine/call_workflow.asl.json."""

    @cached_property
    def routing(self) -> RoutingSteps:
        return RoutingSteps(self)

    @cached_property
    def alerts(self) -> AlertSteps:
        return AlertSteps(self)

    @cached_property
    def places(self) -> PlaceSteps:
        from civic311.workflow.place_steps import PlaceSteps

        return PlaceSteps(self)

    @cached_property
    def referrals(self) -> ReferralSteps:
        from civic311.workflow.referral_steps import ReferralSteps

        return ReferralSteps(self)

    @cached_property
    def notifications(self) -> NotificationSteps:
        return NotificationSteps(self)

    @cached_property
    def closing(self) -> ClosingSteps:
        return ClosingSteps(self)

    @cached_property
    def forwarding(self) -> ForwardingSteps:
        from civic311.workflow.forwarding import ForwardingSteps

        return ForwardingSteps(self)

    @cached_property
    def review_steps(self) -> ReviewSteps:
        from civic311.workflow.review import ReviewSteps

        return ReviewSteps(self)

    def handler(self, name: str) -> Step | None:
        """The work behind a step name the state machine passes (its group is built, and imported, on first use)."""
        choose = STEPS.get(name)
        return choose(self) if choose else None

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """Run the named step and return its output for the state machine."""
        step = StepInput.model_validate(event)
        handler = self.handler(step.step)
        if handler is None:
            raise InvalidInput(f"unknown workflow step '{step.step}'")
        logger.append_keys(service_request_id=step.service_request_id, step=step.step)
        try:
            request = self.requests.get(step.service_request_id)
            if request is None:
                raise NotFound(f"service request {step.service_request_id} does not exist")
            return handler(step, request)
        except failures.AwsError as error:
            if failures.busy(error):
                # The state machine retries DependencyUnavailable with backoff; a throttled table is not a failure.
                raise DependencyUnavailable(f"step {step.step}: an AWS service is busy; retrying") from None
            raise _step_failed(step.step, error) from None
        except Civic311Error:
            raise  # their messages are written to be shown, never with personal data
        except Exception as error:
            raise _step_failed(step.step, error) from None


# Each step name the state machine passes, and the work it runs.
STEPS: dict[str, Callable[[WorkflowSteps], Step]] = {
    "record": lambda steps: steps.routing.record,
    "ensure_alert": lambda steps: steps.alerts.ensure_alert,
    "await_ack": lambda steps: steps.alerts.await_ack,
    "realert": lambda steps: steps.alerts.realert,
    "handed_to_911": lambda steps: steps.alerts.handed_to_911,
    "locate": lambda steps: steps.places.locate,
    "triage": lambda steps: steps.routing.triage,
    "outside": lambda steps: steps.places.outside,
    "crisis": lambda steps: steps.referrals.crisis,
    "refer": lambda steps: steps.referrals.refer,
    "gap": lambda steps: steps.referrals.gap,
    "assigned": lambda steps: steps.referrals.assigned,
    "forward": lambda steps: steps.forwarding.forward,
    "forward_failed": lambda steps: steps.forwarding.forward_failed,
    "notify": lambda steps: steps.notifications.notify,
    "await_resolution": lambda steps: steps.closing.await_resolution,
    "sla_reminder": lambda steps: steps.closing.sla_reminder,
    "close": lambda steps: steps.closing.close,
    "record_failure": lambda steps: steps.closing.record_failure,
    "alert_loop_trouble": lambda steps: steps.alerts.alert_loop_trouble,
    "await_review": lambda steps: steps.review_steps.await_review,
    "reviewed": lambda steps: steps.review_steps.reviewed,
    "review_expired": lambda steps: steps.review_steps.review_expired,
}


class StepFailed(Exception):
    """A step failed. Its message names the step and the error's type only: an error's own text can carry
    what a caller said, and Step Functions keeps a failure's cause in the execution history for 90 days."""


def _step_failed(name: str, error: Exception) -> StepFailed:
    # The whole error, traceback and all, goes to the function's log, where personal data is masked.
    logger.error("workflow step failed", exc_info=error, extra={"error_type": type(error).__name__})
    return StepFailed(f"step {name} failed: {type(error).__name__}")
