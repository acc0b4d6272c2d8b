"""Dispatch's answers to a 911 alert, after APCO/TMA ASAP (ANS 2.101): accepted or rejected, then dispatched,
on scene, closed.

Statuses move forward only (accepted, dispatched, on-scene, closed; rejected ends it and comes first or not at
all). A repeat is answered as before and changes nothing, as a CAD resends what it is not sure arrived; going
back is a Conflict. The first answer, whichever it is, is dispatch's acknowledgement: it leaves the
acknowledgement loop and resumes the workflow's wait. A rejection is never silent: the duty supervisor is paged
and the request goes to the call-takers' queue (the console's Review tab) for a callback. Residents never read
that 911 refused: the workflow leaves the request open saying a call-taker will call back (workflow/alert_steps.py).
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from aws_lambda_powertools import Logger

from civic311 import metrics
from civic311.cases import staff_actions
from civic311.errors import Conflict
from civic311.models.cases import RequestUpdate, ServiceRequest
from civic311.store import dispatch_statuses, failures, messaging
from civic311.store.request_acknowledgements import AlreadyAcknowledged
from civic311.store.requests import RequestStore

logger = Logger(child=True)

DispatchStatus = Literal["accepted", "rejected", "dispatched", "on-scene", "closed"]
RejectionReason = Literal["invalid-address", "invalid-type", "too-old", "other"]
FORWARD: tuple[DispatchStatus, ...] = ("accepted", "dispatched", "on-scene", "closed")


@dataclass(frozen=True)
class DispatchReport:
    """One status message from the CAD; a rejection has a reason, a closure a disposition (checked by the channel)."""

    status: DispatchStatus = "accepted"
    reason: RejectionReason | None = None
    detail: str | None = None
    disposition: str | None = None


@dataclass(frozen=True)
class Outcome:
    status: DispatchStatus
    repeat: bool


def _current(request: ServiceRequest) -> DispatchStatus | None:
    alert = request.alert
    if alert is None:
        raise Conflict(f"service request {request.service_request_id} is not a 911 escalation")
    # Acknowledged before statuses existed (or by a console without one): that was an acceptance.
    return alert.dispatch_status or ("accepted" if alert.acknowledged_by else None)


def _check_order(request_id: str, current: DispatchStatus | None, new: DispatchStatus) -> None:
    if current is None:
        return
    if current == "rejected":
        raise Conflict(f"dispatch rejected the alert for {request_id}; it cannot become {new} (send a new alert)")
    if new == "rejected":
        raise Conflict(f"dispatch marked the alert for {request_id} {current} already; a rejection comes first")
    if FORWARD.index(new) < FORWARD.index(current):
        order = " → ".join(FORWARD)
        raise Conflict(f"the alert for {request_id} is {current}; statuses move forward only ({order}), not to {new}")


class DispatchStatuses:
    """Records dispatch's statuses; pages the supervisor and schedules a callback on a rejection."""

    def __init__(self, requests: RequestStore, supervisor_topic_arn: str | None) -> None:
        self.requests = requests
        self.supervisor_topic_arn = supervisor_topic_arn

    def report(
        self, request: ServiceRequest, report: DispatchReport, by: str, at: datetime, note: str | None = None
    ) -> Outcome:
        """Record one status (the first with the dispatcher's note for staff); Conflict if it would go back."""
        request_id = request.service_request_id
        current = _current(request)
        if current == report.status:
            # A repeat; or the retry of a first status whose resumption of the workflow did not go through.
            self._acknowledge(request, by, at, note)
            return Outcome(report.status, repeat=True)
        _check_order(request_id, current, report.status)
        fields: dict[str, str] = {"dispatch_status": report.status}
        if report.status == "rejected" and report.reason:
            fields["rejection_reason"] = report.reason
            if report.detail:
                fields["rejection_detail"] = report.detail
        if report.status == "closed" and report.disposition:
            fields["disposition"] = report.disposition
        stored = None if request.alert is None else request.alert.dispatch_status
        if not dispatch_statuses.record(self.requests.table_name, request_id, stored, fields, at):
            raise Conflict(f"dispatch's status of {request_id} changed meanwhile; read it and send yours again")
        metrics.count("DispatchStatuses", status=report.status, channel=request.channel.value)
        if report.status == "rejected":
            self._rejected(request, report)
        self._history(request, report, by, at)
        # Recorded before the workflow is resumed, so its next step (HandedTo911) reads what dispatch decided.
        if request.alert is not None and request.alert.acknowledged_by is None:
            self._acknowledge(request, by, at, note)
        return Outcome(report.status, repeat=False)

    def _acknowledge(self, request: ServiceRequest, by: str, at: datetime, note: str | None) -> None:
        # Acknowledged already and its wait resumed: nothing is left to do.
        with suppress(AlreadyAcknowledged):
            staff_actions.acknowledge(self.requests, request, by, note, at)

    def _history(self, request: ServiceRequest, report: DispatchReport, by: str, at: datetime) -> None:
        words = {
            "rejected": f"911 rejected the alert ({report.reason}){': ' + report.detail if report.detail else ''}",
            "closed": f"911 closed the incident: {report.disposition}",
        }.get(report.status, f"911 status: {report.status}")
        # For staff only: the resident's status and notes never say what 911 decided.
        self.requests.add_update(
            RequestUpdate(
                update_id=f"dispatch-{uuid.uuid4().hex[:8]}",
                service_request_id=request.service_request_id,
                status="referred",
                description=words,
                updated_at=at,
                author=by,
                public=False,
            )
        )

    def _rejected(self, request: ServiceRequest, report: DispatchReport) -> None:
        request_id = request.service_request_id
        dispatch_statuses.schedule_callback(self.requests.table_name, request_id)
        metrics.count("DispatchRejections", reason=report.reason or "other")
        if not self.supervisor_topic_arn:
            logger.error("no supervisor topic to page for a 911 rejection", extra={"service_request_id": request_id})
            return
        text = (
            f"911 dispatch rejected the alert for service request {request_id} ({report.reason}"
            f"{': ' + report.detail if report.detail else ''}). It is in the call-takers' queue (staff console, "
            "Review) for a callback to the resident; see that it is made and decide whether 911 must hear again."
        )
        try:
            messaging.publish(
                self.supervisor_topic_arn,
                text,
                subject=f"911 rejected the alert for request {request_id}",
                attributes={"kind": "dispatch-rejected"},
            )
        except failures.AwsError:
            # The callback is scheduled and the rejection recorded (DispatchRejections); only the page is missing.
            logger.exception("supervisor not paged for a 911 rejection", extra={"service_request_id": request_id})
