"""The call workflow's task steps. Step Functions invokes one function; `step` names the work.

Every step is idempotent, because Step Functions retries them: they re-read the request, and their
writes either set a value or add an update under its own id.

The steps live with what they are about: routing_steps (record, screen, locate), alert_steps (911 and its
acknowledgement), referral_steps, notification_steps, closing_steps and review. This module names each
step for the state machine, runs it, and keeps a failure's words out of the execution history.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from civic311.cases.models import ServiceRequest
from civic311.errors import Civic311Error, DependencyUnavailable, InvalidInput, NotFound
from civic311.store import failures
from civic311.workflow.alert_steps import AlertSteps
from civic311.workflow.closing_steps import ClosingSteps
from civic311.workflow.notification_steps import NotificationSteps
from civic311.workflow.referral_steps import ReferralSteps
from civic311.workflow.routing_steps import RoutingSteps
from civic311.workflow.step_context import StepContext
from civic311.workflow.step_input import StepInput

if TYPE_CHECKING:
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
    def referrals(self) -> ReferralSteps:
        return ReferralSteps(self)

    @cached_property
    def notifications(self) -> NotificationSteps:
        return NotificationSteps(self)

    @cached_property
    def closing(self) -> ClosingSteps:
        return ClosingSteps(self)

    @cached_property
    def review_steps(self) -> ReviewSteps:
        from civic311.workflow.review import ReviewSteps

        return ReviewSteps(self)

    @property
    def handlers(self) -> dict[str, Step]:
        """Each step name the state machine passes, and the work it runs."""
        return {
            "record": self.routing.record,
            "ensure_alert": self.alerts.ensure_alert,
            "await_ack": self.alerts.await_ack,
            "realert": self.alerts.realert,
            "handed_to_911": self.alerts.handed_to_911,
            "locate": self.routing.locate,
            "triage": self.routing.triage,
            "outside": self.routing.outside,
            "crisis": self.referrals.crisis,
            "refer": self.referrals.refer,
            "gap": self.referrals.gap,
            "assigned": self.referrals.assigned,
            "notify": self.notifications.notify,
            "await_resolution": self.closing.await_resolution,
            "sla_reminder": self.closing.sla_reminder,
            "close": self.closing.close,
            "record_failure": self.closing.record_failure,
            "alert_loop_trouble": self.alerts.alert_loop_trouble,
            "await_review": self.review_steps.await_review,
            "reviewed": self.review_steps.reviewed,
            "review_expired": self.review_steps.review_expired,
        }

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """Run the named step and return its output for the state machine."""
        step = StepInput.model_validate(event)
        handler = self.handlers.get(step.step)
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


class StepFailed(Exception):
    """A step failed. Its message names the step and the error's type only: an error's own text can carry
    what a caller said, and Step Functions keeps a failure's cause in the execution history for 90 days."""


def _step_failed(name: str, error: Exception) -> StepFailed:
    # The whole error, traceback and all, goes to the function's log, where personal data is masked.
    logger.error("workflow step failed", exc_info=error, extra={"error_type": type(error).__name__})
    return StepFailed(f"step {name} failed: {type(error).__name__}")
