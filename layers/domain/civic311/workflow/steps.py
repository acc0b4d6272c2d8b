"""The call workflow's task steps. Step Functions invokes one function; `step` names the work.

Every step is idempotent, because Step Functions retries them: they re-read the request, and their
writes either set a value or add an update under its own id.

A cold start may land on any step, and most steps only read and update the request. The directory and
referrals, geocoding and jurisdictions, and triage are each imported by the steps that use them, on
their first use in the process, so a cold `record` or `notify` does not load them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from civic311 import clock, metrics
from civic311.cases.models import RequestUpdate, ServiceRequest, Status, UpdateStatus
from civic311.catalog import Language, load_catalog
from civic311.errors import Civic311Error, DependencyUnavailable, InvalidInput, NotFound
from civic311.escalation.alerts import PoisonAlert
from civic311.escalation.service import CRISIS_NOTICE, Escalation, alert_for
from civic311.settings import WorkflowSettings
from civic311.store import executions, failures, messaging
from civic311.store.callers import CallerKeys
from civic311.store.contacts import ContactSeal
from civic311.store.executions import resume
from civic311.store.requests import RequestStore
from civic311.store.sms import CountryCodes, SmsNumbers
from civic311.workflow import messages
from civic311.workflow.step_input import StepInput

if TYPE_CHECKING:
    from civic311.directory.gaps import GapLog
    from civic311.directory.referrals import ReferralAnswer
    from civic311.geo.geocoder import Geocoder, Located
    from civic311.store.directory import DirectoryStore
    from civic311.workflow.review import ReviewSteps

logger = Logger(child=True)

# A request within this distance of an open one with the same code is the same problem.
DUPLICATE_METERS = 50.0
# H3 resolution 9 cells are ~174 m across, so a 50 m circle lies in a cell and its ring of neighbours.
DUPLICATE_RESOLUTION = 9
HIGH_PRIORITY_HOURS = 24


class WorkflowSteps:
    """The work behind each Task state of statemachine/call_workflow.asl.json."""

    def __init__(self, settings: WorkflowSettings, clock_now: Callable[[], datetime] = clock.now) -> None:
        self.settings = settings
        self.clock_now = clock_now

    @cached_property
    def requests(self) -> RequestStore:
        return RequestStore(
            self.settings.service_requests_table,
            self.settings.contact_retention_days,
            contacts=ContactSeal(self.settings.contact_key_id),
        )

    @cached_property
    def sms(self) -> SmsNumbers:
        return SmsNumbers(self.settings.service_requests_table, CallerKeys(self.settings.caller_key_id))

    @cached_property
    def country_codes(self) -> CountryCodes:
        return CountryCodes(self.settings.sms_country_codes)

    @cached_property
    def escalation(self) -> Escalation:
        return Escalation.for_topics(
            self.requests, self.settings.emergency_alert_topic_arn, self.settings.operations_topic_arn
        )

    @cached_property
    def review_steps(self) -> ReviewSteps:
        from civic311.workflow.review import ReviewSteps

        return ReviewSteps(self)

    @cached_property
    def geocoder(self) -> Geocoder:
        from civic311.geo.geocoder import Geocoder

        return Geocoder(self.settings.place_index_name)

    @cached_property
    def directory(self) -> DirectoryStore:
        from civic311.store.directory import DirectoryStore

        return DirectoryStore(self.settings.directory_table)

    @cached_property
    def gaps(self) -> GapLog:
        from civic311.directory.gaps import GapLog
        from civic311.store.gaps import GapStore

        return GapLog(GapStore(self.settings.service_requests_table), self.settings.gaps_queue_url)

    @property
    def handlers(self) -> dict[str, Callable[[StepInput, ServiceRequest], dict[str, Any]]]:
        return {
            "record": self.record,
            "ensure_alert": self.ensure_alert,
            "await_ack": self.await_ack,
            "realert": self.realert,
            "handed_to_911": self.handed_to_911,
            "locate": self.locate,
            "triage": self.triage,
            "outside": self.outside,
            "crisis": self.crisis,
            "refer": self.refer,
            "gap": self.gap,
            "assigned": self.assigned,
            "notify": self.notify,
            "await_resolution": self.await_resolution,
            "sla_reminder": self.sla_reminder,
            "close": self.close,
            "record_failure": self.record_failure,
            "alert_loop_trouble": self.alert_loop_trouble,
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

    # ------------------------------------------------------------------ helpers

    def _update(
        self,
        request: ServiceRequest,
        status: UpdateStatus,
        description: str,
        *,
        close: bool = False,
        author: str = "311",
        public: bool = True,
        update_id: str | None = None,
    ) -> None:
        self.requests.add_update(
            RequestUpdate(
                update_id=update_id or uuid.uuid4().hex[:12],
                service_request_id=request.service_request_id,
                status=status,
                description=description,
                updated_at=self.clock_now(),
                author=author,
                public=public,
            ),
            close=close,
        )

    def _publish_case_event(self, request: ServiceRequest, event: str, **extra: str) -> None:
        service = load_catalog().get(request.service_code)
        attributes = {
            "event": event,
            "service_code": request.service_code,
            "department": service.department,
            "priority": _priority(request),
            **extra,
        }
        messaging.publish(
            self.settings.case_events_topic_arn,
            json.dumps({"service_request_id": request.service_request_id, **attributes}),
            attributes=attributes,
        )

    def _refer(self, request: ServiceRequest, service_code: str) -> ReferralAnswer | None:
        if request.place.lat is None or request.place.long is None:
            return None
        from civic311.directory.household import from_answers
        from civic311.directory.referrals import ReferralQuery, refer

        asked = None
        if service_code == request.service_code:
            try:
                asked = from_answers(request.attributes, require_ages=False)
            except ValueError:
                # Intake refused contradictory answers; one stored before that rule is referred as if not asked.
                asked = None
        query = ReferralQuery(
            service_code=service_code,
            lat=request.place.lat,
            long=request.place.long,
            at=request.requested_at,
            language=request.language,
            age=asked.age if asked else None,
            household=asked.household if asked else None,
        )
        return refer(
            query,
            self.directory,
            gaps=self.gaps,
            service_request_id=request.service_request_id,
            description=request.description,
        )

    # ------------------------------------------------------------------ steps

    def record(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Take the request off the pending-workflow list and hand the state machine what later states read."""
        self.requests.workflow_started(request.service_request_id, step.execution_arn or "")
        service = load_catalog().get(request.service_code)
        return {
            "service_request_id": request.service_request_id,
            "service_code": request.service_code,
            "department": service.department,
            "priority": _priority(request),
            "language": request.language,
            "sla_seconds": service.sla_hours * 3600,
            "ack_timeout_seconds": self.settings.ack_timeout_seconds,
            "review_window_seconds": self.settings.review_window_seconds,
        }

    def triage(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """The route: 911 if intake found an emergency (or screening now does), else crisis or the service group."""
        screening = request.screening
        if request.alert is None and screening is None and request.description:
            # Requests created without screening (e.g. by staff tooling) are screened here, and alerted if need be.
            from civic311.triage import triage as screen

            found = screen(request.description, request.language)
            if found.emergency:
                request, _ = self.escalation.escalate(request.service_request_id, "screened by the workflow", "311")
            crisis = found.crisis
        else:
            crisis = bool(screening and screening.crisis)
        group = load_catalog().get(request.service_code).group
        if request.alert is not None:
            route = "emergency"
        elif request.review is not None and request.review.status == "awaiting":
            route = "review"
        elif crisis:
            route = "crisis"
        else:
            route = group
        return {"route": route, "group": group}

    def ensure_alert(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Make sure SNS accepted the 911 alert (DependencyUnavailable makes Step Functions retry)."""
        outcome = self.escalation.ensure_delivered(request.service_request_id)
        note = messages.sent_to_911(request.language)
        if request.review is not None and request.review.status == "unreviewed":
            # The resident is told why: nobody reviewed the report in time, so it went to 911 by itself.
            note = messages.unreviewed(request.language, self.settings.review_window_seconds)
        self._update(request, "referred", note, update_id="sent-to-911")
        return {"alert": outcome}

    def await_ack(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Park the token dispatch's acknowledgement resumes; resume at once if it came in already."""
        token = _token(step)
        if not self.requests.await_acknowledgement(request.service_request_id, token):
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
        ack_token, last_round = self.requests.realert_round(request.service_request_id)
        round_id = hashlib.sha256((ack_token or "no-wait").encode()).hexdigest()[:16]
        if round_id == last_round:
            return {"realerted": False, "round": round_id}
        again = alert_for(request, self.escalation.callback_contact(request.service_request_id))
        again.kind = "unacknowledged"
        again.sent_at = None  # a new message, not a repeat of a first alert's unconfirmed copy
        try:
            self.escalation.publisher.publish(again, dedup_round=round_id)
        except PoisonAlert as poison:
            # Refused as invalid: on-call is paged; keep waiting, as a dispatcher may still acknowledge.
            self.escalation.pager.page(
                f"911 re-alert for request {request.service_request_id} refused by SNS",
                f"SNS refused the re-alert for service request {request.service_request_id} ({poison}).",
            )
            metrics.count("EmergencyAlertsPoisoned", channel=request.channel.value)
            return {"realerted": False, "round": round_id}
        self.requests.realert_sent(request.service_request_id, round_id)
        self._page_supervisor(request)
        metrics.count("EmergencyAlertsUnacknowledged", channel=request.channel.value)
        self._update(request, "open", messages.UNACKNOWLEDGED, public=False, update_id=f"realert-{round_id}")
        return {"realerted": True, "round": round_id}

    def alert_loop_trouble(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """A re-alert or the wait for dispatch failed after its retries: count it, page on-call, keep waiting."""
        failure = (step.model_extra or {}).get("failure") or {}
        logger.error(
            "emergency acknowledgement loop step failed",
            extra={"service_request_id": request.service_request_id, "error": failure.get("Error")},
        )
        metrics.count("EmergencyAlertLoopFailures", channel=request.channel.value)
        self.escalation.pager.page(
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
                self.settings.supervisor_alerts_topic_arn,
                messages.UNACKNOWLEDGED,
                subject=f"911 alert {request.service_request_id} not acknowledged",
            )
        except failures.AwsError:
            # The re-alert itself is out (and reaches supervisors subscribed to it); this page is a second way.
            logger.warning("supervisor page not sent", extra={"service_request_id": request.service_request_id})

    def handed_to_911(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        acknowledgement = step.model_extra.get("acknowledgement") if step.model_extra else None
        by = (acknowledgement or {}).get("acknowledged_by", "911 dispatch")
        self._update(
            request, "referred", messages.handed_to_911(request.language), close=True, update_id="handed-to-911"
        )
        self.requests.forget_acknowledgement(request.service_request_id)
        logger.info(
            "emergency acknowledged", extra={"service_request_id": request.service_request_id, "acknowledged_by": by}
        )
        return {"closed": True}

    def locate(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Place the request on the map (geocoding what the caller said) and decide whose it is."""
        from civic311.geo.cells import cell_of

        place = request.place
        located: Located | None
        if place.lat is not None and place.long is not None:
            located = self.geocoder.locate_point(place.lat, place.long)
        elif place.address:
            located = self.geocoder.locate_text(place.address, request.language)
            if located is None:
                self._update(
                    request, "open", messages.not_located(request.language, place.address), update_id="not-located"
                )
                metrics.count("LocationsNotFound", channel=request.channel.value)
                # Unknown place: keep it with the city so staff can confirm it with the caller.
                return {"located": False, "is_ours": True, "parent_id": None}
        else:
            return {"located": False, "is_ours": True, "parent_id": None}
        jurisdiction = located.jurisdiction
        open_cell = (
            f"{request.service_code}#{cell_of(located.lat, located.long, DUPLICATE_RESOLUTION)}"
            if jurisdiction.is_ours and request.alert is None
            else None
        )
        self.requests.set_location(request, located.lat, located.long, jurisdiction.id, open_cell)
        # Ids and flags only: the point and the address are the caller's and live in the table, not in the state.
        answer: dict[str, Any] = {
            "located": True,
            "is_ours": jurisdiction.is_ours,
            "jurisdiction_id": jurisdiction.id,
            # Always present (null when none): the Route state reads it.
            "parent_id": self._link_duplicate(request, located.lat, located.long) if open_cell is not None else None,
        }
        return answer

    def outside(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Not the city's: say who serves the place and how to reach them, and close."""
        if request.place.lat is None or request.place.long is None:
            return {"closed": False}
        from civic311.directory.referrals import outside_notice
        from civic311.geo.jurisdiction import locate_jurisdiction

        place = locate_jurisdiction(request.place.lat, request.place.long)
        self._update(
            request, "referred", outside_notice(place, request.language), close=True, update_id="outside-jurisdiction"
        )
        metrics.count("OutsideJurisdiction", jurisdiction=place.id)
        return {"closed": True}

    def _link_duplicate(self, request: ServiceRequest, lat: float, long: float) -> str | None:
        """An open request with the same code within 50 m: link this one to it and tell the resident."""
        if request.parent_id:
            return request.parent_id
        from civic311.geo.cells import cells_around
        from civic311.geo.distance import distance_km

        cells = [f"{request.service_code}#{cell}" for cell in cells_around(lat, long, DUPLICATE_RESOLUTION)]
        candidates = [
            other
            for other in self.requests.open_in_cells(cells, requested_before=request.requested_at)
            if other.service_request_id != request.service_request_id
            and other.parent_id is None
            and other.place.lat is not None
            and other.place.long is not None
            and distance_km(lat, long, other.place.lat, other.place.long) * 1000 <= DUPLICATE_METERS
        ]
        if not candidates:
            return None
        parent = min(candidates, key=lambda other: other.requested_at)
        self.requests.link_duplicate(request.service_request_id, parent.service_request_id)
        self._update(
            request,
            "duplicate",
            messages.duplicate_of(request.language, parent.service_request_id),
            update_id="duplicate",
        )
        metrics.count("Duplicates", service_code=request.service_code)
        return parent.service_request_id

    def crisis(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Point to the 988 line (and the nearest crisis service); ask for a callback when the caller wants one."""
        answer = self._refer(request, "mental-health")
        note = CRISIS_NOTICE[request.language]
        if answer is not None and answer.referrals:
            from civic311.directory.referrals import referral_note

            note = f"{note} {referral_note(answer, request.language)}"
        contact = self.requests.get_contact(request.service_request_id)
        callback = bool(contact and contact.phone and contact.notify)
        if callback:
            self._publish_case_event(request, "callback-requested")
            note = f"{note} {messages.callback(request.language)}"
        self._update(request, "referred", note[:4000], update_id="crisis-support")
        return {"callback": callback}

    def refer(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Attach the best open, eligible, nearest resources; a gap is recorded when nothing fits."""
        answer = self._refer(request, request.service_code)
        if answer is None:
            self._update(request, "open", messages.referral_needs_location(request.language), update_id="referral")
            return {"gap": False, "referrals": 0}
        from civic311.directory.referrals import referral_note

        self._update(request, "referred", referral_note(answer, request.language), update_id="referral")
        return {"gap": answer.gap, "referrals": len(answer.referrals)}

    def gap(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """No workflow for this need: record the unmet need (refer() does, for 'other') and say so."""
        answer = self._refer(request, request.service_code)
        return {"gap": True, "referrals": len(answer.referrals) if answer else 0}

    def assigned(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Tell the resident who has the request: the department, or for police the desk's form or queue."""
        service = load_catalog().get(request.service_code)
        desk = self._refer(request, request.service_code) if service.group == "police" else None
        first = desk.referrals[0] if desk and desk.referrals else None
        note = messages.assigned(
            request.language,
            group=service.group,
            department=load_catalog().department_name(service, request.language),
            sla_hours=service.sla_hours,
            desk_phone=first.phone if first else None,
            desk_url=first.url if first else None,
        )
        if not request.place.has_point and request.place.address:
            # Keep the caller's attention on the one thing staff still need from them.
            note = f"{note} {messages.not_located(request.language, request.place.address)}"
        self._update(request, "in_progress", note, update_id="assigned")
        return {"department": service.department}

    def notify(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Text or email the caller the latest note, only if they agreed and left a way to reach them."""
        contact = self.requests.get_contact(request.service_request_id)
        channel = "none"
        if contact is not None and contact.notify and request.status_notes:
            text = messages.notification(request.language, request.service_request_id, request.status_notes)
            if contact.phone:
                channel = self._text(request.service_request_id, contact.phone, text, request.language)
            elif contact.email:
                messaging.publish(
                    self.settings.resident_notifications_topic_arn,
                    json.dumps({"to": contact.email, "language": request.language, "text": text}),
                    subject=messages.subject(request.language, request.service_request_id),
                    attributes={"channel": "email"},
                )
                channel = "email"
            metrics.count("CallerNotifications", channel=channel)
        return {"status": request.status.value, "sent": channel}

    def _text(self, request_id: str, phone: str, text: str, language: Language) -> str:
        """Text a resident only to a confirmed, allowed, not opted-out number; else at most a daily code."""
        if not self.country_codes.allow(phone):
            return "sms-refused"
        if not self.sms.texted_for(request_id, phone):
            # The request's owner stopped its texts (with its tracking secret): that stops the number's.
            self.sms.opt_out(phone)
            return "sms-opted-out"
        state = self.sms.state(phone)
        if state.opted_out:
            return "sms-opted-out"
        if messaging.opted_out(phone):
            # They replied STOP: SNS keeps that list; our record keeps it even if the list is edited.
            self.sms.opt_out(phone)
            return "sms-opted-out"
        if state.confirmed:
            messaging.text(phone, text)
            return "sms"
        code = self.sms.new_code(phone)
        if code is None:
            return "sms-unconfirmed"
        messaging.text(phone, messages.confirmation_code(language, code))
        return "sms-code"

    def await_resolution(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Park the token a staff resolution resumes; an unacknowledged emergency goes to dispatch's loop instead."""
        token = _token(step)
        if not self.requests.await_resolution(request.service_request_id, token):
            # Escalated to 911 since the workflow routed it (or its loop failed): wait for dispatch, not staff.
            resume(token, {"escalated": True})
            return {"waiting": "none", "escalated": True}
        return {"waiting": "resolution"}

    def sla_reminder(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """The service's SLA passed without a resolution: remind the supervisor, keep waiting."""
        self._publish_case_event(request, "sla-reminder")
        messaging.publish(
            self.settings.supervisor_alerts_topic_arn,
            messages.sla_reminder(request),
            subject=f"311 request {request.service_request_id} is past its SLA"[:100],
        )
        metrics.count("SlaBreaches", service_code=request.service_code)
        self._update(request, "open", "SLA passed; supervisor reminded.", public=False)
        return {"reminded": True}

    def close(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Close with the final note; its duplicates close with it."""
        resolution = (step.model_extra or {}).get("resolution") or {}
        # The note waits in the table: a task's output stays in the execution history, so it carries no words.
        held_note, held_by = self.requests.held_resolution(request.service_request_id)
        note = str(held_note or resolution.get("note") or messages.resolved(request.language))
        if request.status != Status.CLOSED:
            self._update(
                request,
                "closed",
                note,
                close=True,
                author=str(held_by or resolution.get("resolved_by", "311")),
                update_id="closed",
            )
        for child_id in self.requests.children(request.service_request_id):
            self._resolve_duplicate(child_id, request.service_request_id, note)
        return {"closed": True}

    def _resolve_duplicate(self, child_id: str, parent_id: str, note: str) -> None:
        child = self.requests.get(child_id)
        if child is None or child.status == Status.CLOSED:
            return
        text = messages.resolved_with_parent(child.language, parent_id, note)
        token, _ = self.requests.tokens(child_id)
        if token:
            # The child's own workflow closes it (and notifies its caller), with the note held for it.
            self.requests.hold_resolution(child_id, text, "311")
            executions.send(token, {"resolved_by": "311"})
        else:
            self._update(child, "closed", text, close=True, update_id="closed")

    def record_failure(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """A step failed after its retries: leave the request open with a note, count it, let staff resolve it."""
        failure = (step.model_extra or {}).get("failure") or {}
        logger.error(
            "workflow step failed",
            extra={
                "service_request_id": request.service_request_id,
                "error": failure.get("Error"),
                "cause": str(failure.get("Cause"))[:500],
            },
        )
        metrics.count("WorkflowStepsFailed", channel=request.channel.value)
        self._update(request, "open", messages.failure(request.language), update_id=f"failure-{uuid.uuid4().hex[:6]}")
        return {"recorded": True}


class StepFailed(Exception):
    """A step failed. Its message names the step and the error's type only: an error's own text can carry
    what a caller said, and Step Functions keeps a failure's cause in the execution history for 90 days."""


def _step_failed(name: str, error: Exception) -> StepFailed:
    # The whole error, traceback and all, goes to the function's log, where personal data is masked.
    logger.error("workflow step failed", exc_info=error, extra={"error_type": type(error).__name__})
    return StepFailed(f"step {name} failed: {type(error).__name__}")


def _priority(request: ServiceRequest) -> str:
    if request.alert is not None:
        return "emergency"
    service = load_catalog().get(request.service_code)
    return "high" if service.sla_hours <= HIGH_PRIORITY_HOURS else "normal"


def _token(step: StepInput) -> str:
    if not step.task_token:
        raise InvalidInput(f"step {step.step} needs the task token")
    return step.task_token
