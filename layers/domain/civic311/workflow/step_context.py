"""What every step of the call workflow shares: its settings, clock and stores, each built on first use.

With workflow/steps.py, this is the workflow function's wiring and its one lazy boundary. A cold start may land
on any step, and most steps only read and update the request: the directory, the geocoder, the unmet-needs log
and the triage engine are imported here on their first use in the process, so a cold `record` or `notify` does
not load them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from civic311 import clock
from civic311.catalog import load_catalog
from civic311.errors import InvalidInput
from civic311.escalation.service import Escalation
from civic311.models.cases import RequestUpdate, ServiceRequest, UpdateStatus
from civic311.settings import WorkflowSettings
from civic311.store import messaging
from civic311.store.callers import CallerKeys
from civic311.store.requests import RequestStore, sealed_request_store
from civic311.store.sms import CountryCodes, SmsNumbers
from civic311.workflow.step_input import StepInput

if TYPE_CHECKING:
    from civic311.cases.gaps import GapLog
    from civic311.geo.geocoder import Geocoder
    from civic311.store.directory import DirectoryStore
    from civic311.store.referral_records import ReferralRecords
    from civic311.triage import TriageResult

HIGH_PRIORITY_HOURS = 24


class StepContext:
    """The settings, clock and stores the steps share, and the two writes most of them make."""

    def __init__(self, settings: WorkflowSettings, clock_now: Callable[[], datetime] = clock.now) -> None:
        self.settings = settings
        self.clock_now = clock_now

    @cached_property
    def requests(self) -> RequestStore:
        settings = self.settings
        return sealed_request_store(
            settings.service_requests_table, settings.contact_key_id, settings.contact_retention_days
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
    def geocoder(self) -> Geocoder:
        from civic311.geo.geocoder import Geocoder

        return Geocoder(self.settings.place_index_name)

    @cached_property
    def directory(self) -> DirectoryStore:
        from civic311.store.directory import DirectoryStore

        return DirectoryStore(self.settings.directory_table)

    @cached_property
    def referral_records(self) -> ReferralRecords:
        from civic311.store.referral_records import ReferralRecords

        return ReferralRecords(self.settings.service_requests_table)

    @cached_property
    def gaps(self) -> GapLog:
        from civic311.cases.gaps import GapLog
        from civic311.store.gaps import GapStore

        return GapLog(GapStore(self.settings.service_requests_table), self.settings.gaps_queue_url)

    def screen(self, description: str, language: str | None) -> TriageResult:
        """Triage a description as intake does (for a request stored without its screening)."""
        from civic311.triage import triage

        return triage(description, language)

    def update(
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
        """Add an update to the request's history (under update_id, so a retried step writes it once)."""
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

    def publish_case_event(self, request: ServiceRequest, event: str, **extra: str) -> None:
        """Tell the departments' case-event subscribers what happened to a request: ids and codes only."""
        service = load_catalog().get(request.service_code)
        attributes = {
            "event": event,
            "service_code": request.service_code,
            "department": service.department,
            "priority": priority(request),
            **extra,
        }
        messaging.publish(
            self.settings.case_events_topic_arn,
            json.dumps({"service_request_id": request.service_request_id, **attributes}),
            attributes=attributes,
        )


def priority(request: ServiceRequest) -> str:
    """emergency, high (an SLA of a day or less) or normal: how departments sort the case events."""
    if request.alert is not None:
        return "emergency"
    service = load_catalog().get(request.service_code)
    return "high" if service.sla_hours <= HIGH_PRIORITY_HOURS else "normal"


def task_token(step: StepInput) -> str:
    """The token a waiting step parks; InvalidInput when the state machine did not pass one."""
    if not step.task_token:
        raise InvalidInput(f"step {step.step} needs the task token")
    return step.task_token
