"""The public numbers of 311 for a period: requests by code and by area, time to close, the share closed within
each service's expected time, 911 diversions and escalations, and unmet needs recorded.

Only aggregates leave here. A request counts as public exactly when the open-data export holds it (the visibility
rule of cases/visibility.py), so a public count is the export's and subtracting one from the other reveals
nothing. A count under SUPPRESS_BELOW of private requests (a social or police code, the private requests of an
area, city codes made private by triage or 911, diversions, escalations, unmet needs) is withheld (None) with the
measures drawn from it; when that leaves a single withheld cell, or withheld cells summing under the threshold,
the next smallest is withheld too, so a total minus the shown cells cannot give one back. A request closes when
its status turns closed: its last update.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from civic311.cases.areas import area_label
from civic311.cases.visibility import PUBLIC_GROUPS, Visibility, visibility_in
from civic311.catalog import Catalog
from civic311.clock import from_storage
from civic311.models.cases import ServiceRequest
from civic311.store.gaps import GapStore
from civic311.store.request_periods import requested_between

SUPPRESS_BELOW = 5
# What one answer may read within the function's 10 s: counting takes about 40 µs a request (20,000 in 0.8 s), and the
# reads, by projection, a few hundred bytes a request.
MAX_REQUESTS = 50_000
# What the counts and the visibility rule need, and the fields a stored request cannot be read without.
_READ = (
    "service_request_id",
    "token",
    "service_code",
    "status",
    "requested_at",
    "updated_at",
    "expected_at",
    "place",
    "channel",
    "alert",
    "screening",
)
NO_PLACE = "no place given"
# The row of city-service requests made private by triage or 911 (an emergency filed as a pothole).
MADE_PRIVATE = "private"


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
    requests: int
    private_requests: int | None


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
    hours_to_close: list[float] = field(default_factory=list)
    due: int = 0
    on_time: int = 0

    def add(self, item: dict[str, Any], now: datetime) -> None:
        self.requests += 1
        closed_at = from_storage(item["updated_at"]) if item.get("status") == "closed" else None
        if closed_at is not None:
            hours = (closed_at - from_storage(item["requested_at"])).total_seconds() / 3600
            self.hours_to_close.append(hours)
        expected = item.get("expected_at")
        if expected is None:
            return
        expected_at = from_storage(expected)
        if closed_at is not None or expected_at < now:
            self.due += 1
            self.on_time += closed_at is not None and closed_at <= expected_at

    @property
    def closed(self) -> int:
        return len(self.hours_to_close)

    def median_hours(self) -> float | None:
        return round(statistics.median(self.hours_to_close), 1) if self.hours_to_close else None

    def share_on_time(self) -> float | None:
        return round(self.on_time / self.due, 3) if self.due else None


def withheld(counts: dict[str, int]) -> set[str]:
    """The cells of private counts to withhold: those under SUPPRESS_BELOW, and as many of the next smallest as
    keep the withheld ones from being one cell or summing under the threshold."""
    hidden = {key for key, count in counts.items() if 0 < count < SUPPRESS_BELOW}
    rest = sorted((count, key) for key, count in counts.items() if count >= SUPPRESS_BELOW)
    while hidden and (len(hidden) == 1 or sum(counts[key] for key in hidden) < SUPPRESS_BELOW) and rest:
        hidden.add(rest.pop(0)[1])
    return hidden


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
    public_in: Counter[str] = Counter()
    private_in: Counter[str] = Counter()
    diversions = escalations = 0
    for item in items:
        request = ServiceRequest.model_validate(item)
        private = visibility_in(catalog, request) == Visibility.PRIVATE
        service = catalog.find(request.service_code)
        public_code = service is not None and service.group in PUBLIC_GROUPS
        total.add(item, now)
        per_code[MADE_PRIVATE if private and public_code else request.service_code].add(item, now)
        place = request.place
        area = area_of(place.lat, place.long) if place.lat is not None and place.long is not None else NO_PLACE
        (private_in if private else public_in)[area] += 1
        diversions += request.channel == "911-divert"
        escalations += request.alert is not None and request.alert.kind != "diversion"
    private_codes = {
        code: tally.requests for code, tally in per_code.items() if _group(catalog, code) not in PUBLIC_GROUPS
    }
    hidden_codes = withheld(private_codes)
    hidden_areas = withheld(dict(private_in))
    areas = sorted(set(public_in) | set(private_in))
    return Numbers(
        start=start,
        end=end,
        requests=total.requests,
        closed=total.closed,
        median_hours_to_close=total.median_hours(),
        closed_within_sla=total.share_on_time(),
        by_code=[_code_numbers(catalog, code, per_code[code], code in hidden_codes) for code in sorted(per_code)],
        by_area=[
            AreaNumbers(area, public_in[area], None if area in hidden_areas else private_in[area]) for area in areas
        ],
        diversions=shown(diversions),
        escalations=shown(escalations),
        gaps=shown(gaps),
    )


def _group(catalog: Catalog, code: str) -> str:
    service = catalog.find(code)
    return service.group if service else "other"


def _code_numbers(catalog: Catalog, code: str, counted: _Tally, hidden: bool) -> CodeNumbers:
    group = "private" if code == MADE_PRIVATE else _group(catalog, code)
    if hidden:
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
