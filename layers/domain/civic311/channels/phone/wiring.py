"""The Connect function's wiring: the stores and use cases the operations use, and the operations themselves,
each imported and built on first use.

This is the function's one lazy boundary. Connect waits on the first invocation of a cold function while the
caller hears silence, so a call loads only what its operations ask for: the module of an operation is imported
with the first call to it, and intake (triage, the 911 escalation), the place index and the directory with the
first operation that uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from civic311.channels.phone.call import Answer, Call, Operation, PhoneContext

if TYPE_CHECKING:
    from civic311.cases.intake import Intake
    from civic311.catalog import Catalog
    from civic311.geo.geocoder import Geocoder
    from civic311.settings import ConnectSettings
    from civic311.store.directory import DirectoryStore
    from civic311.store.requests import RequestStore


class PhoneWiring:
    """What the operations use, built from the settings on first use (validating them loads pydantic)."""

    def __init__(self, settings: Callable[[], ConnectSettings]) -> None:
        self._settings = settings

    @cached_property
    def settings(self) -> ConnectSettings:
        return self._settings()

    @cached_property
    def catalog(self) -> Catalog:
        from civic311.catalog import load_catalog

        return load_catalog()

    @cached_property
    def requests(self) -> RequestStore:
        from civic311.store.requests import sealed_request_store

        settings = self.settings
        return sealed_request_store(
            settings.service_requests_table,
            settings.contact_key_id,
            settings.contact_retention_days,
            caller_key_id=settings.caller_key_id,
        )

    @cached_property
    def intake(self) -> Intake:
        from civic311.cases.intake import Intake

        return Intake.for_channel(self.catalog, self.requests, self.settings)

    @cached_property
    def geocoder(self) -> Geocoder:
        from civic311.geo.geocoder import Geocoder

        return Geocoder(self.settings.place_index_name)

    @cached_property
    def directory(self) -> DirectoryStore:
        from civic311.store.directory import DirectoryStore

        return DirectoryStore(self.settings.directory_table, self.settings.directory_cache_seconds)


# Each operation the contact flow names, imported with its module on its first call.


def start(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import status

    return status.start(call, context)


def check_status(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import status

    return status.check_status(call, context)


def screen(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import danger

    return danger.screen(call, context)


def emergency(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import danger

    return danger.emergency(call, context)


def locate(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import places

    return places.locate(call, context)


def accept_place(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import places

    return places.accept_place(call, context)


def describe(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import reports

    return reports.describe(call, context)


def household(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import household_questions

    return household_questions.household(call, context)


def create(call: Call, context: PhoneContext) -> Answer:
    from civic311.channels.phone import reports

    return reports.create(call, context)


OPERATIONS: dict[str, Operation] = {
    "start": start,
    "screen": screen,
    "locate": locate,
    "accept_place": accept_place,
    "describe": describe,
    "household": household,
    "create": create,
    "emergency": emergency,
    "check_status": check_status,
}
