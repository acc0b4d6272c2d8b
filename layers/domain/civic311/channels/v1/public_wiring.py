"""The public API's wiring: what its routes need, each part built from the function's settings on first use.

This is the function's one lazy boundary: the resource directory loads with the first referral, and the
triage engine with the first question (referrals do not need it).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from civic311.settings import PublicApiSettings
from civic311.store.gaps import GapLog, GapStore

if TYPE_CHECKING:
    from datetime import datetime

    from civic311.cases.stats import Numbers
    from civic311.catalog import Catalog
    from civic311.models.cases import Satisfaction
    from civic311.models.supporters import NearbyRequest, Supported, Supporter
    from civic311.store.directory import DirectoryStore
    from civic311.store.requests import RequestStore
    from civic311.triage.model import TriageResult


class PublicWiring:
    """The public API's stores (referrals, unmet needs, nearby requests and their supporters) and the triage screen."""

    def __init__(self, settings: PublicApiSettings) -> None:
        self.settings = settings

    @cached_property
    def directory(self) -> DirectoryStore:
        from civic311.store.directory import DirectoryStore

        return DirectoryStore(self.settings.directory_table, self.settings.directory_cache_seconds)

    @cached_property
    def requests(self) -> RequestStore:
        # With the first nearby or "me too": a supporter's email is sealed with the contact key.
        from civic311.store.requests import sealed_request_store

        settings = self.settings
        return sealed_request_store(
            settings.service_requests_table, settings.contact_key_id, settings.contact_retention_days
        )

    @cached_property
    def catalog(self) -> Catalog:
        from civic311.catalog import load_catalog

        return load_catalog()

    @cached_property
    def gaps(self) -> GapLog:
        return GapLog(GapStore(self.settings.service_requests_table), self.settings.gaps_queue_url)

    def triage(self, description: str, language: str | None) -> TriageResult:
        """Screen a description; the triage engine loads with the first question (referrals do not need it)."""
        from civic311.triage import triage

        return triage(description, language)

    def numbers(self, start: datetime, end: datetime) -> Numbers:
        """The public numbers of a period; the catalog and geography load with the first question."""
        from civic311 import clock
        from civic311.cases.stats import numbers_between
        from civic311.catalog import load_catalog

        return numbers_between(self.settings.service_requests_table, load_catalog(), start, end, clock.now())

    def open_nearby(self, service_code: str, lat: float, long: float, now: datetime) -> list[NearbyRequest]:
        """Open, public requests of a kind near a point; the use case (the request store, h3) loads with the first."""
        from civic311.cases.supporters import open_nearby

        return open_nearby(self.requests, self.catalog, service_code, lat, long, now)

    def support(self, request_id: str, supporter: Supporter, now: datetime) -> Supported:
        """A resident's "me too", counted once."""
        from civic311.cases.supporters import support

        return support(self.requests, self.catalog, request_id, supporter, now)

    def answer_satisfaction(self, request_id: str, secret: str | None, satisfied: bool, now: datetime) -> Satisfaction:
        """The resident's "were you satisfied?", once per resolution."""
        from civic311.cases.feedback import answer_satisfaction

        return answer_satisfaction(self.requests, request_id, secret, satisfied, now)

    def reopen(self, request_id: str, secret: str | None, reason: str, now: datetime) -> int:
        """The resident reopens a resolved request; its workflow resumes under a new execution, waiting for staff."""
        from civic311.cases.feedback import reopen
        from civic311.errors import DependencyUnavailable
        from civic311.store import executions, failures

        reopened = reopen(self.requests, request_id, secret, reason, now)
        try:
            # Asked again, the same name starts nothing: a resident's retry also repairs a start that failed.
            executions.start_reopened(self.settings.call_workflow_arn, request_id, reopened)
        except failures.AwsError as error:
            raise DependencyUnavailable(
                "the request is reopened but not yet back with staff; please try again"
            ) from error
        return reopened
