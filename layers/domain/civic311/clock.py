"""Time in the city's zone. Arizona keeps standard time all year, but the zone is named, not hard-coded."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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
