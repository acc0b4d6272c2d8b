"""The daily open-data export: the public's view of each city-service request, as CSV and as GeoJSON.

Only city-service reports the public may read in Open311 are exported (cases/visibility.py): a request whose
visibility is private (a social need, a police matter, an emergency or crisis, a 911 diversion) is left out
entirely, not even its code and area, so the file cannot be joined with anything to find a resident. Of the rest,
staff notes, service notices, media and contact details are never written; a phone call's transcript is not.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from civic311.cases.visibility import Visibility, visibility_in
from civic311.catalog import Catalog
from civic311.clock import CITY_TZ, to_local_iso
from civic311.models.cases import ServiceRequest

COLUMNS = (
    "service_request_id",
    "service_code",
    "service_name",
    "status",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "channel",
    "description",
    "address",
    "area",
    "lat",
    "long",
)
# A spreadsheet runs a cell starting with one of these as a formula (and a tab or CR can hide one).
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Files:
    """One export's two files."""

    csv: str
    geojson: str
    rows: int


def city_day(day: date) -> tuple[datetime, datetime]:
    """The instants a city calendar day starts and ends (the end is the next day's start)."""
    start = datetime.combine(day, time.min, tzinfo=CITY_TZ)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=CITY_TZ)


def public_rows(
    catalog: Catalog, requests: Iterable[ServiceRequest], area_of: Callable[[float, float], str]
) -> list[dict[str, Any]]:
    """One row per request the public may read, in the order given; `area_of(lat, long)` names its area."""
    rows: list[dict[str, Any]] = []
    for request in requests:
        seen_as = visibility_in(catalog, request)
        if seen_as == Visibility.PRIVATE:
            continue
        service = catalog.get(request.service_code)
        place = request.place
        has_point = place.lat is not None and place.long is not None
        rows.append(
            {
                "service_request_id": request.service_request_id,
                "service_code": request.service_code,
                "service_name": service.name("en"),
                "status": request.status.value,
                "requested_datetime": to_local_iso(request.requested_at),
                "updated_datetime": to_local_iso(request.updated_at),
                "expected_datetime": to_local_iso(request.expected_at) if request.expected_at else None,
                "channel": request.channel.value,
                # A phone report's words are a transcript of the call: the issue is public, the caller's words not.
                "description": request.description if seen_as == Visibility.PUBLIC else None,
                "address": place.address,
                "area": area_of(place.lat, place.long) if place.lat is not None and place.long is not None else None,
                "lat": place.lat if has_point else None,
                "long": place.long if has_point else None,
            }
        )
    return rows


def safe_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: text that could start a formula is led by an apostrophe.

    Numbers are written as numbers (a negative longitude is data, not a formula).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_LEADS):
        return "'" + value
    return "" if value is None else value


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """The rows as CSV (RFC 4180 quoting, CRLF line ends), header first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(row[column]) for column in COLUMNS])
    return out.getvalue()


def to_geojson(rows: Iterable[dict[str, Any]]) -> str:
    """The rows as a GeoJSON FeatureCollection (RFC 7946): a point per request, null where it has none."""
    features = []
    for row in rows:
        has_point = row["lat"] is not None and row["long"] is not None
        features.append(
            {
                "type": "Feature",
                "id": row["service_request_id"],
                "geometry": {"type": "Point", "coordinates": [row["long"], row["lat"]]} if has_point else None,
                "properties": {column: row[column] for column in COLUMNS if column not in ("lat", "long")},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def export_files(catalog: Catalog, requests: Iterable[ServiceRequest], area_of: Callable[[float, float], str]) -> Files:
    """The public rows of these requests as CSV and GeoJSON."""
    rows = public_rows(catalog, requests, area_of)
    return Files(csv=to_csv(rows), geojson=to_geojson(rows), rows=len(rows))
