"""Recording an unmet need: once per need, with a coarse area (an H3 cell of ~36 km² and a label derived from
it), never the exact location, and a short notice queued for the supervisors' summary.

Apart from cases/gaps.py (the report and the summaries), which the staff API and the notifier use: only
recording places a point, so only it loads geography.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from aws_lambda_powertools import Logger

from civic311 import clock, metrics
from civic311.geo.cells import AREA_RESOLUTION, cell_center, cell_of, sector_label
from civic311.geo.jurisdiction import locate_jurisdiction, our_area
from civic311.models.gaps import MAX_DESCRIPTION, Area, GapNotice, GapRecord, GapSource
from civic311.models.vocabulary import GapReason
from civic311.store.gaps import GapLog

logger = Logger(child=True)


@cache
def _our_centre() -> tuple[float, float]:
    centre = our_area().centroid
    return float(centre.y), float(centre.x)


def gap_area(lat: float, long: float) -> Area:
    """The coarse cell of a point, named by jurisdiction and, in our area, by side of the city."""
    cell = cell_of(lat, long, AREA_RESOLUTION)
    centre_lat, centre_long = cell_center(cell)
    jurisdiction = locate_jurisdiction(centre_lat, centre_long)
    if jurisdiction.is_ours:
        label = f"{jurisdiction.name}, {sector_label(centre_lat, centre_long, *_our_centre())}"
    else:
        label = jurisdiction.name
    return Area(cell=cell, jurisdiction=jurisdiction.name, label=label)


def record_gap(
    log: GapLog,
    service_code: str,
    lat: float,
    long: float,
    *,
    reason: GapReason,
    source: GapSource,
    at: datetime | None = None,
    description: str | None = None,
    service_request_id: str | None = None,
) -> GapRecord:
    """Record an unmet need once (the id follows the service request when there is one) and queue its notice."""
    gap = GapRecord(
        id=f"req-{service_request_id}" if service_request_id else secrets.token_hex(8),
        service_code=service_code,
        area=gap_area(lat, long),
        recorded_at=at or clock.now(),
        reason=reason,
        source=source,
        description=(description or None) and description[:MAX_DESCRIPTION],
        service_request_id=service_request_id,
    )
    recorded = log.store.put(gap)
    if recorded:
        metrics.count("Gaps", service_code=service_code, reason=reason)
    if recorded and log.queue_url:
        notice = GapNotice.model_validate(gap.model_dump(include=set(GapNotice.model_fields)))
        try:
            log.queue(notice)
        except Exception:
            # The record is what counts (the report reads it); a lost notice only delays the alert.
            logger.exception("gap recorded but its notice was not queued", extra={"gap_id": gap.id})
    return gap
