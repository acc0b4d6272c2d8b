"""The Open311 function's wiring: what its routes need, each part built from the settings on first use.

This is the function's one lazy boundary: intake (with triage and the 911 escalation) is imported here, on the
first POST, so the reads (services, requests, updates) start without it.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from civic311.catalog import Catalog, load_catalog
from civic311.settings import Open311Settings
from civic311.store.api_clients import WEB_CLIENT_ID, ApiClientStore
from civic311.store.callers import CallerKeys
from civic311.store.quotas import KeyQuotas
from civic311.store.referral_records import ReferralRecords
from civic311.store.requests import RequestStore, sealed_request_store
from civic311.store.sms import CountryCodes, SmsNumbers

if TYPE_CHECKING:
    from civic311.cases.intake import Intake


class Open311Context:
    """What the routes need, built lazily from the function's settings."""

    def __init__(self, settings: Open311Settings) -> None:
        self.settings = settings

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog()

    @cached_property
    def requests(self) -> RequestStore:
        settings = self.settings
        return sealed_request_store(
            settings.service_requests_table, settings.contact_key_id, settings.contact_retention_days
        )

    @cached_property
    def referral_records(self) -> ReferralRecords:
        return ReferralRecords(self.settings.service_requests_table)

    @cached_property
    def api_clients(self) -> ApiClientStore:
        return ApiClientStore(self.settings.api_clients_table)

    @cached_property
    def quotas(self) -> KeyQuotas:
        return KeyQuotas(self.settings.api_clients_table)

    @cached_property
    def sms(self) -> SmsNumbers:
        return SmsNumbers(self.settings.service_requests_table, CallerKeys(self.settings.caller_key_id))

    @cached_property
    def country_codes(self) -> CountryCodes:
        return CountryCodes(self.settings.sms_country_codes)

    def writes_per_minute(self, client_id: str) -> int:
        settings = self.settings
        return (
            settings.public_web_writes_per_minute if client_id == WEB_CLIENT_ID else settings.api_key_writes_per_minute
        )

    @cached_property
    def intake(self) -> Intake:
        # Only POST /requests takes in requests: intake (triage, escalation) loads with the first one.
        from civic311.cases.intake import Intake

        return Intake.for_channel(self.catalog, self.requests, self.settings)
