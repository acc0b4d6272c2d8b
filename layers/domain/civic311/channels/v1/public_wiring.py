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
    from civic311.store.directory import DirectoryStore
    from civic311.triage.model import TriageResult


class PublicWiring:
    """The public API's stores (referrals, unmet needs) and the triage screen."""

    def __init__(self, settings: PublicApiSettings) -> None:
        self.settings = settings

    @cached_property
    def directory(self) -> DirectoryStore:
        from civic311.store.directory import DirectoryStore

        return DirectoryStore(self.settings.directory_table, self.settings.directory_cache_seconds)

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
