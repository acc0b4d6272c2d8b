"""Time in the city's zone. Arizona keeps standard time all year, but the zone is named, not hard-coded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from civic311.errors import InvalidInput

CITY_TZ = ZoneInfo("America/Phoenix")


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def to_storage(moment: datetime) -> str:
    """UTC ISO-8601 with milliseconds: sorts lexically, so it can live in sort keys."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_storage(value: str) -> datetime:
    """Parse a stored timestamp back into an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def to_local_iso(moment: datetime) -> str:
    """W3C datetime with the city's offset, as Open311 asks (e.g. 2026-11-28T09:04:37-07:00)."""
    return moment.astimezone(CITY_TZ).isoformat(timespec="seconds")


def to_local_iso_ms(moment: datetime) -> str:
    """As to_local_iso, to the millisecond (for stamps that tell close events apart)."""
    return moment.astimezone(CITY_TZ).isoformat(timespec="milliseconds")


def parse_client_datetime(value: str) -> datetime:
    """Parse an ISO-8601 datetime from a client; a missing offset means city time."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CITY_TZ)
    return parsed


def asked_period(
    start: str | None, end: str | None, names: tuple[str, str], default_span: timedelta, max_span: timedelta
) -> tuple[datetime, datetime]:
    """The period a client asked for by its two query parameters (`names`): the end defaults to now, the start to
    `default_span` before the end; InvalidInput names the parameter that is wrong."""
    start_name, end_name = names

    def parsed(name: str, value: str) -> datetime:
        try:
            return parse_client_datetime(value)
        except ValueError:
            raise InvalidInput(
                f"{name} '{value}' is not an ISO-8601 datetime, e.g. 2026-11-01T00:00:00-07:00"
            ) from None

    until = parsed(end_name, end) if end else now()
    since = parsed(start_name, start) if start else until - default_span
    if since > until:
        raise InvalidInput(f"{start_name} must be before {end_name}")
    if until - since > max_span:
        raise InvalidInput(f"{start_name} and {end_name} may span at most {max_span.days} days")
    return since, until
