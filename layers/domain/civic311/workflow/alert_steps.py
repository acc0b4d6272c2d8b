"""The call workflow's 911 steps: make sure the alert went out, wait for dispatch to acknowledge it, alert again."""

from __future__ import annotations

import hashlib
from typing import Any

from aws_lambda_powertools import Logger

from civic311 import metrics
from civic311.escalation.alerts import PoisonAlert
from civic311.escalation.service import alert_for
from civic311.models.cases import ServiceRequest
from civic311.store import failures, messaging
from civic311.store.executions import resume
from civic311.workflow import messages
from civic311.workflow.step_context import StepContext, task_token
from civic311.workflow.step_input import StepInput

logger = Logger(child=True)


class AlertSteps:
    """ensure_alert, await_ack, realert, alert_loop_trouble and handed_to_911."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def ensure_alert(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Make sure SNS accepted the 911 alert (DependencyUnavailable makes Step Functions retry)."""
        outcome = self.ctx.escalation.ensure_delivered(request.service_request_id)
        note = messages.sent_to_911(request.language)
        if request.review is not None and request.review.status == "unreviewed":
            # The resident is told why: nobody reviewed the report in time, so it went to 911 by itself.
            note = messages.unreviewed(request.language, self.ctx.settings.review_window_seconds)
        self.ctx.update(request, "referred", note, update_id="sent-to-911")
        return {"alert": outcome}

    def await_ack(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Park the token dispatch's acknowledgement resumes; resume at once if it came in already."""
        token = task_token(step)
        if not self.ctx.requests.await_acknowledgement(request.service_request_id, token):
            by = request.alert.acknowledged_by if request.alert is not None else None
            resume(token, {"acknowledged_by": by or "911 dispatch", "note": None})
            return {"waiting": "none", "acknowledged": True}
        return {"waiting": "acknowledgement"}

    def realert(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """No acknowledgement in time: alert again, marked unacknowledged, and page the supervisor.

        Once per acknowledgement wait: the wait's token names the round, so when Step Functions retries this
        step after the publish went out (the record failed, or the answer was lost), it is not sent twice.
        """
        if request.alert is None or request.alert.acknowledged_by is not None:
            return {"realerted": False}
        ack_token, last_round = self.ctx.requests.realert_round(request.service_request_id)
        round_id = hashlib.sha256((ack_token or "no-wait").encode()).hexdigest()[:16]
        if round_id == last_round:
            return {"realerted": False, "round": round_id}
        again = alert_for(request, self.ctx.escalation.callback_contact(request.service_request_id))
        again.kind = "unacknowledged"
        again.sent_at = None  # a new message, not a repeat of a first alert's unconfirmed copy
        try:
            self.ctx.escalation.publisher.publish(again, dedup_round=round_id)
        except PoisonAlert as poison:
            # Refused as invalid: on-call is paged; keep waiting, as a dispatcher may still acknowledge.
            self.ctx.escalation.pager.page(
                f"911 re-alert for request {request.service_request_id} refused by SNS",
                f"SNS refused the re-alert for service request {request.service_request_id} ({poison}).",
            )
            metrics.count("EmergencyAlertsPoisoned", channel=request.channel.value)
            return {"realerted": False, "round": round_id}
        self.ctx.requests.realert_sent(request.service_request_id, round_id)
        self._page_supervisor(request)
        metrics.count("EmergencyAlertsUnacknowledged", channel=request.channel.value)
        self.ctx.update(request, "open", messages.UNACKNOWLEDGED, public=False, update_id=f"realert-{round_id}")
        return {"realerted": True, "round": round_id}

    def alert_loop_trouble(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """A re-alert or the wait for dispatch failed after its retries: count it, page on-call, keep waiting."""
        failure = (step.model_extra or {}).get("failure") or {}
        logger.error(
            "emergency acknowledgement loop step failed",
            extra={"service_request_id": request.service_request_id, "error": failure.get("Error")},
        )
        metrics.count("EmergencyAlertLoopFailures", channel=request.channel.value)
        self.ctx.escalation.pager.page(
            f"911 acknowledgement loop trouble for request {request.service_request_id}",
            (
                f"The workflow could not re-alert or wait for dispatch on service request "
                f"{request.service_request_id} ({failure.get('Error')}). It keeps trying; call 911 dispatch."
            ),
        )
        return {"recorded": True}

    def _page_supervisor(self, request: ServiceRequest) -> None:
        try:
            messaging.publish_alert(
                self.ctx.settings.supervisor_alerts_topic_arn,
                messages.UNACKNOWLEDGED,
                subject=f"911 alert {request.service_request_id} not acknowledged",
            )
        except failures.AwsError:
            # The re-alert itself is out (and reaches supervisors subscribed to it); this page is a second way.
            logger.warning("supervisor page not sent", extra={"service_request_id": request.service_request_id})

    def handed_to_911(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        acknowledgement = step.model_extra.get("acknowledgement") if step.model_extra else None
        by = (acknowledgement or {}).get("acknowledged_by", "911 dispatch")
        if request.alert is not None and request.alert.dispatch_status == "rejected":
            # 911 turned it down and a call-taker calls back (cases/dispatch_status.py): the request stays open,
            # and the resident reads a neutral note, never that 911 refused.
            self.ctx.update(request, "open", messages.callback_coming(request.language), update_id="callback-coming")
            self.ctx.requests.forget_acknowledgement(request.service_request_id)
            return {"closed": False}
        self.ctx.update(
            request, "referred", messages.handed_to_911(request.language), close=True, update_id="handed-to-911"
        )
        self.ctx.requests.forget_acknowledgement(request.service_request_id)
        logger.info(
            "emergency acknowledged", extra={"service_request_id": request.service_request_id, "acknowledged_by": by}
        )
        return {"closed": True}
