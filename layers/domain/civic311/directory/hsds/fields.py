"""HSDS field formats as pydantic types (ids, emails, URLs, dates, times, weekdays), and the models' base."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator


class RuleError(ValueError):
    """A broken cross-field rule, naming the field inside the object that should change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(
    r"^(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?"
    r"(?P<tz>Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$"
)
WEEKLY_DAY = re.compile(r"^(MO|TU|WE|TH|FR|SA|SU)$")
# MONTHLY days may carry an ordinal (2MO = second Monday, -1FR = last Friday), as in RFC 5545.
MONTHLY_DAY = re.compile(r"^(?P<n>[+-]?[1-5])?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")


def _uuid(value: str) -> str:
    if not _UUID.match(value):
        raise ValueError(f"must be a UUID string such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301, got {value!r}")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"must be an email address, got {value!r}")
    return value


def _uri(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
    return value


def _date(value: str) -> str:
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}") from None
    return value


def _datetime(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a date-time such as 2026-11-28T18:00:00.000-07:00, got {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"must include a UTC offset or Z, got {value!r}")
    return value


def _time(value: str) -> str:
    if not _TIME.match(value):
        raise ValueError(
            f"must be a time HH:MM or HH:MM:SS between 00:00 and 23:59, optionally followed by Z or an offset"
            f" such as -07:00; got {value!r}"
        )
    return value


def _language_code(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2}", value):
        raise ValueError(f"must be a two-letter ISO 639-1 code in lower case such as 'es', got {value!r}")
    return value


def _number(low: float | None = None, high: float | None = None) -> PlainValidator:
    # One validator instead of an int | float union, so a bad value yields one error and ints stay ints.
    def check(value: object) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, got {value!r}")
        if low is not None and value < low:
            raise ValueError(f"must be at least {low:g}, got {value!r}")
        if high is not None and value > high:
            raise ValueError(f"must be at most {high:g}, got {value!r}")
        return value

    return PlainValidator(check, json_schema_input_type=float)


Number = Annotated[int | float, _number()]
Count = Annotated[int | float, _number(low=0)]
Latitude = Annotated[int | float, _number(low=-90, high=90)]
Longitude = Annotated[int | float, _number(low=-180, high=180)]
Id = Annotated[str, AfterValidator(_uuid)]
Email = Annotated[str, AfterValidator(_email)]
Uri = Annotated[str, AfterValidator(_uri)]
DateText = Annotated[str, AfterValidator(_date)]
DateTimeText = Annotated[str, AfterValidator(_datetime)]
TimeText = Annotated[str, AfterValidator(_time)]
LanguageCode = Annotated[str, AfterValidator(_language_code)]
NonEmpty = Annotated[str, Field(min_length=1)]


def time_of_day(value: str) -> tuple[int, int | None]:
    """Split a validated HSDS time into (seconds after midnight, UTC offset in minutes or None)."""
    match = _TIME.match(value)
    if match is None:
        raise ValueError(f"not a time: {value!r}")
    seconds = int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"] or 0)
    tz = match["tz"]
    if tz is None:
        return seconds, None
    if tz == "Z":
        return seconds, 0
    sign = -1 if tz[0] == "-" else 1
    return seconds, sign * (int(tz[1:3]) * 60 + int(tz[4:6]))


def parse_byday(byday: str) -> list[tuple[int | None, str]]:
    """Split a validated byday into (ordinal or None, day) pairs."""
    pairs: list[tuple[int | None, str]] = []
    for part in byday.split(","):
        match = MONTHLY_DAY.match(part.strip())
        if match is None:
            raise ValueError(f"not a day: {part!r}")
        pairs.append((int(match["n"]) if match["n"] else None, match["day"]))
    return pairs


class HsdsModel(BaseModel):
    """Base for HSDS objects: strict JSON types as in the HSDS schemas, extra fields kept."""

    model_config = ConfigDict(extra="allow", strict=True)
