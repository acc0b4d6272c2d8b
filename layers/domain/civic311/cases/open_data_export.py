"""Running the export: each run rewrites the last few complete city days, so one failed run loses no day.

A request is exported under the city day it was made, as it stood at the latest run that covered that day:
the newest file (`latest`) is yesterday's; a day's file stops changing once it leaves the window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from civic311.cases.areas import area_label
from civic311.cases.open_data import city_day, export_files
from civic311.catalog import Catalog
from civic311.clock import CITY_TZ
from civic311.errors import InvalidInput
from civic311.store.open_data_files import OpenDataFiles
from civic311.store.request_items import to_request
from civic311.store.request_periods import requested_between

WINDOW_DAYS = 3
# A busy city day is a few thousand requests; this bounds one day's read, far above any real day.
MAX_REQUESTS_PER_DAY = 50_000
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class DayExported:
    day: str
    rows: int
    keys: list[str]


def window(now: datetime) -> list[date]:
    """The complete city days a run at `now` exports, oldest first (yesterday last)."""
    today = now.astimezone(CITY_TZ).date()
    return [today - timedelta(days=back) for back in range(WINDOW_DAYS, 0, -1)]


def asked_day(value: object, now: datetime) -> date:
    """A day named in a manual run's event ({"day": "yyyy-mm-dd"}): a past city day, or today so far."""
    if not isinstance(value, str) or not _DAY.match(value):
        raise InvalidInput("day must be a date as yyyy-mm-dd")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"day '{value}' is not a calendar date") from None
    if day > now.astimezone(CITY_TZ).date():
        raise InvalidInput("day must be today or earlier, in city time")
    return day


def export_days(
    table_name: str, files: OpenDataFiles, catalog: Catalog, days: list[date], *, latest: date | None
) -> list[DayExported]:
    """Export each day's requests; the `latest` day's files are also copied to latest/."""
    done: list[DayExported] = []
    for day in days:
        start, end = city_day(day)
        requests = (to_request(item) for item in requested_between(table_name, start, end, MAX_REQUESTS_PER_DAY))
        built = export_files(catalog, requests, area_label)
        keys = files.publish(day, built.csv, built.geojson, latest=day == latest)
        done.append(DayExported(day=day.isoformat(), rows=built.rows, keys=keys))
    return done
