"""What the Open311 routes need, built lazily from settings so cold start stays light."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from civic311.catalog import Catalog, load_catalog
from civic311.settings import Open311Settings
from civic311.store.api_clients import WEB_CLIENT_ID, ApiClientStore
from civic311.store.callers import CallerKeys
from civic311.store.contacts import ContactSeal
from civic311.store.quotas import KeyQuotas
from civic311.store.requests import RequestStore
from civic311.store.sms import CountryCodes, SmsNumbers

if TYPE_CHECKING:
    from civic311.cases.intake import Intake


class Open311Context:
    """What the routes need, built lazily from settings so cold start stays light."""

    def __init__(self, settings: Open311Settings | None) -> None:
        self._settings = settings

    @property
    def settings(self) -> Open311Settings:
        if self._settings is None:
            raise RuntimeError("Open311 routes are not configured in this function")
        return self._settings

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog()

    @cached_property
    def requests(self) -> RequestStore:
        return RequestStore(
            self.settings.service_requests_table,
            self.settings.contact_retention_days,
            contacts=ContactSeal(self.settings.contact_key_id),
        )

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
        # Only POST /requests takes in requests: intake (triage, escalation) loads with the first one, and the
        # reads (services, requests, updates) start without it.
        from civic311.cases.intake import Intake

        return Intake.for_channel(self.catalog, self.requests, self.settings)
