"""The staff API's wiring: what its routes need, each part built from the function's settings on first use.

This is the function's one lazy boundary. A cold start imports the stores most staff routes read; the heavy
parts (intake with triage, the 911 escalation, the resource directory) are imported here, by the first route
that uses them, and nowhere else.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from civic311.settings import StaffApiSettings
from civic311.store.gaps import GapStore
from civic311.store.referral_records import ReferralRecords
from civic311.store.requests import RequestStore, sealed_request_store
from civic311.store.reviews import ReviewStore

if TYPE_CHECKING:
    from civic311.cases.dispatch_status import DispatchStatuses
    from civic311.cases.intake import Intake
    from civic311.cases.referral_loop import ReferralLoop
    from civic311.escalation.service import Escalation
    from civic311.store.directory import DirectoryStore
    from civic311.store.dispatch_keys import DispatchKeys


class StaffWiring:
    """The staff API's stores and use cases (requests, reviews, escalations, diversions, shelters, referrals, gaps)."""

    def __init__(self, settings: StaffApiSettings) -> None:
        self.settings = settings

    @cached_property
    def requests(self) -> RequestStore:
        settings = self.settings
        return sealed_request_store(
            settings.service_requests_table, settings.contact_key_id, settings.contact_retention_days
        )

    @cached_property
    def reviews(self) -> ReviewStore:
        return ReviewStore(self.settings.service_requests_table)

    @cached_property
    def gaps(self) -> GapStore:
        return GapStore(self.settings.service_requests_table)

    @cached_property
    def referral_records(self) -> ReferralRecords:
        return ReferralRecords(self.settings.service_requests_table)

    @cached_property
    def referral_loop(self) -> ReferralLoop:
        # With a provider's first answer: it reads the directory for the resource's organization.
        from civic311.cases.referral_loop import ReferralLoop

        return ReferralLoop(self.referral_records, self.directory)

    @cached_property
    def directory(self) -> DirectoryStore:
        # With the first shelter route: most staff calls are about requests.
        from civic311.store.directory import DirectoryStore

        return DirectoryStore(self.settings.directory_table, self.settings.directory_cache_seconds)

    @cached_property
    def escalation(self) -> Escalation:
        # With the first escalation (a call-taker's, a review's), not with every listing; poison alerts page on-call.
        from civic311.escalation.service import Escalation

        settings = self.settings
        return Escalation.for_topics(self.requests, settings.emergency_alert_topic_arn, settings.operations_topic_arn)

    @cached_property
    def intake(self) -> Intake:
        # Only diversions take in requests: intake (with triage) loads on the first one.
        from civic311.cases.intake import Intake
        from civic311.catalog import load_catalog

        return Intake(catalog=load_catalog(), store=self.requests, escalation=self.escalation)

    @cached_property
    def dispatch_keys(self) -> DispatchKeys | None:
        # With the first acknowledgement from a CAD; None where no dispatch plan is configured (no CAD may ack).
        from civic311.store.dispatch_keys import DispatchKeys

        name = self.settings.dispatch_usage_plan_name
        return DispatchKeys(name) if name else None

    @cached_property
    def dispatch_statuses(self) -> DispatchStatuses:
        # With the first acknowledgement from dispatch: a rejection pages the duty supervisor.
        from civic311.cases.dispatch_status import DispatchStatuses

        return DispatchStatuses(self.requests, self.settings.supervisor_alerts_topic_arn)
