"""One Connect invocation as the phone operations read it, the flat answer each gives back, and what they use."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from civic311.cases.intake import Intake
    from civic311.catalog import Catalog
    from civic311.channels.phone.speech import Language
    from civic311.geo.geocoder import Geocoder
    from civic311.settings import ConnectSettings
    from civic311.store.directory import DirectoryStore
    from civic311.store.requests import RequestStore

Answer = dict[str, str]
MAX_SAID = 1000
MAX_ADDRESS = 300


@dataclass(frozen=True)
class Call:
    """What one Connect invocation says about the call."""

    contact_id: str
    instance_arn: str
    caller: str | None  # E.164; None when the number is withheld or not a phone number
    language: Language
    parameters: Mapping[str, str]

    def param(self, name: str, limit: int = MAX_SAID) -> str:
        value = self.parameters.get(name)
        return value.strip()[:limit] if isinstance(value, str) else ""

    @property
    def source(self) -> str:
        return "connect:" + self.instance_arn.rpartition("/")[2]

    def point(self) -> tuple[float, float] | None:
        """The (lat, long) the flow passed, if both are there and on the globe."""
        try:
            lat, long = float(self.param("lat", 20)), float(self.param("long", 20))
        except ValueError:
            return None
        return (lat, long) if -90 <= lat <= 90 and -180 <= long <= 180 else None


class PhoneContext(Protocol):
    """What the operations use: the function's stores and use cases (channels/phone/wiring.py builds them)."""

    @property
    def settings(self) -> ConnectSettings: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def requests(self) -> RequestStore: ...
    @property
    def intake(self) -> Intake: ...
    @property
    def geocoder(self) -> Geocoder: ...
    @property
    def directory(self) -> DirectoryStore: ...


Operation = Callable[[Call, PhoneContext], Answer]


def e164(number: str | None) -> str | None:
    """A phone number in E.164, or None if it is not one (withheld callers arrive as 'anonymous')."""
    if not number:
        return None
    digits = re.sub(r"\D", "", number)
    if len(digits) == 10:
        digits = "1" + digits
    return "+" + digits if 11 <= len(digits) <= 15 else None
