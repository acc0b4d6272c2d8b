"""The call workflow's referral steps: point the resident to resources from the directory, or to who has the request."""

from __future__ import annotations

from typing import Any

from civic311.cases.referral_loop import records_for
from civic311.cases.referrals import refer
from civic311.catalog import load_catalog
from civic311.directory.household import from_answers
from civic311.directory.referral_models import ReferralAnswer, ReferralQuery
from civic311.directory.referral_notes import referral_note
from civic311.escalation.service import CRISIS_NOTICE
from civic311.models.cases import ServiceRequest
from civic311.workflow import messages
from civic311.workflow.step_context import StepContext
from civic311.workflow.step_input import StepInput


class ReferralSteps:
    """crisis, refer, gap and assigned: the note that tells the resident where to turn."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def _refer(self, request: ServiceRequest, service_code: str) -> ReferralAnswer | None:
        if request.place.lat is None or request.place.long is None:
            return None
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
            self.ctx.directory,
            gaps=self.ctx.gaps,
            service_request_id=request.service_request_id,
            description=request.description,
        )

    def crisis(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Point to the 988 line (and the nearest crisis service); ask for a callback when the caller wants one."""
        answer = self._refer(request, "mental-health")
        note = CRISIS_NOTICE[request.language]
        if answer is not None and answer.referrals:
            note = f"{note} {referral_note(answer, request.language)}"
        contact = self.ctx.requests.get_contact(request.service_request_id)
        callback = bool(contact and contact.phone and contact.notify)
        if callback:
            self.ctx.publish_case_event(request, "callback-requested")
            note = f"{note} {messages.callback(request.language)}"
        self.ctx.update(request, "referred", note[:4000], update_id="crisis-support")
        return {"callback": callback}

    def refer(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Attach the best open, eligible, nearest resources; a gap is recorded when nothing fits."""
        answer = self._refer(request, request.service_code)
        if answer is None:
            self.ctx.update(request, "open", messages.referral_needs_location(request.language), update_id="referral")
            return {"gap": False, "referrals": 0}
        self.ctx.update(request, "referred", referral_note(answer, request.language), update_id="referral")
        # One record per place, for its provider to answer and the resident to follow (cases/referral_loop.py).
        self.ctx.referral_records.record(records_for(request, answer, self.ctx.clock_now()))
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
        self.ctx.update(request, "in_progress", note, update_id="assigned")
        return {"department": service.department}
