"""The public numbers of 311 for a period: requests by code and by area, time to close, the share closed within
each service's expected time, 911 diversions and escalations, and unmet needs recorded.

Only aggregates leave here. A count under SUPPRESS_BELOW of anything private (a social or police code, an
area, diversions, escalations, unmet needs) is withheld (None), with the measures drawn from it, so that no
count of one or two points at a resident. A request closes when its status turns closed: its last update.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from civic311.cases.areas import area_label
from civic311.cases.visibility import PUBLIC_GROUPS
from civic311.catalog import Catalog
from civic311.clock import from_storage
from civic311.store.gaps import GapStore
from civic311.store.request_periods import requested_between

SUPPRESS_BELOW = 5
MAX_SPAN = timedelta(days=92)
# What one answer may read: a busy quarter of Tucson's 311, read by projection (a few hundred bytes an item).
MAX_REQUESTS = 100_000
_READ = ("service_code", "status", "requested_at", "updated_at", "expected_at", "place", "channel", "alert")
NO_PLACE = "no place given"


@dataclass(frozen=True)
class CodeNumbers:
    service_code: str
    group: str
    requests: int | None
    closed: int | None
    median_hours_to_close: float | None
    closed_within_sla: float | None


@dataclass(frozen=True)
class AreaNumbers:
    area: str
    requests: int | None


@dataclass(frozen=True)
class Numbers:
    start: datetime
    end: datetime
    requests: int
    closed: int
    median_hours_to_close: float | None
    closed_within_sla: float | None
    by_code: list[CodeNumbers]
    by_area: list[AreaNumbers]
    diversions: int | None
    escalations: int | None
    gaps: int | None
    suppressed_below: int = SUPPRESS_BELOW


def shown(count: int) -> int | None:
    """A count of something private as published: withheld from 1 to SUPPRESS_BELOW - 1."""
    return None if 0 < count < SUPPRESS_BELOW else count


@dataclass
class _Tally:
    requests: int = 0
    hours_to_close: list[float] | None = None
    due: int = 0
    on_time: int = 0

    def add(self, item: dict[str, Any], now: datetime) -> None:
        self.requests += 1
        closed_at = from_storage(item["updated_at"]) if item.get("status") == "closed" else None
        if closed_at is not None:
            hours = (closed_at - from_storage(item["requested_at"])).total_seconds() / 3600
            self.hours_to_close = [*(self.hours_to_close or []), hours]
        expected = item.get("expected_at")
        if expected is None:
            return
        expected_at = from_storage(expected)
        if closed_at is not None or expected_at < now:
            self.due += 1
            self.on_time += closed_at is not None and closed_at <= expected_at

    @property
    def closed(self) -> int:
        return len(self.hours_to_close or [])

    def median_hours(self) -> float | None:
        return round(statistics.median(self.hours_to_close), 1) if self.hours_to_close else None

    def share_on_time(self) -> float | None:
        return round(self.on_time / self.due, 3) if self.due else None


def tally(
    catalog: Catalog,
    items: Iterable[dict[str, Any]],
    gaps: int,
    start: datetime,
    end: datetime,
    now: datetime,
    area_of: Callable[[float, float], str] = area_label,
) -> Numbers:
    """The numbers of stored request items (deserialised) made in [start, end)."""
    total, per_code = _Tally(), defaultdict[str, _Tally](_Tally)
    per_area: Counter[str] = Counter()
    diversions = escalations = 0
    for item in items:
        total.add(item, now)
        per_code[item["service_code"]].add(item, now)
        place = item.get("place") or {}
        has_point = place.get("lat") is not None and place.get("long") is not None
        per_area[area_of(float(place["lat"]), float(place["long"])) if has_point else NO_PLACE] += 1
        alert = item.get("alert") or {}
        diversions += item.get("channel") == "911-divert"
        escalations += bool(alert) and alert.get("kind") != "diversion"
    return Numbers(
        start=start,
        end=end,
        requests=total.requests,
        closed=total.closed,
        median_hours_to_close=total.median_hours(),
        closed_within_sla=total.share_on_time(),
        by_code=[_code_numbers(catalog, code, per_code[code]) for code in sorted(per_code)],
        by_area=[AreaNumbers(area=area, requests=shown(count)) for area, count in sorted(per_area.items())],
        diversions=shown(diversions),
        escalations=shown(escalations),
        gaps=shown(gaps),
    )


def _code_numbers(catalog: Catalog, code: str, counted: _Tally) -> CodeNumbers:
    service = catalog.find(code)
    group = service.group if service else "other"
    if group not in PUBLIC_GROUPS and 0 < counted.requests < SUPPRESS_BELOW:
        return CodeNumbers(code, group, None, None, None, None)
    return CodeNumbers(
        service_code=code,
        group=group,
        requests=counted.requests,
        closed=counted.closed,
        median_hours_to_close=counted.median_hours(),
        closed_within_sla=counted.share_on_time(),
    )


def numbers_between(table_name: str, catalog: Catalog, start: datetime, end: datetime, now: datetime) -> Numbers:
    """The numbers of requests made, and unmet needs recorded, in [start, end): Queries by month, bounded."""
    items = requested_between(table_name, start, end, MAX_REQUESTS, _READ)
    # The gap store's end is inclusive; a gap stamped exactly at `end` belongs to the next period.
    gaps = sum(1 for gap in GapStore(table_name).between(start, end) if gap.recorded_at < end)
    return tally(catalog, items, gaps, start, end, now)
