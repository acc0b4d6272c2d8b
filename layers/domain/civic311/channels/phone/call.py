"""One Connect invocation as the phone operations read it, and the flat answer each gives back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from civic311.channels.phone.speech import Language

Answer = dict[str, str]
MAX_SAID = 1000


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
