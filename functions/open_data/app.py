"""Scheduled open-data export: the last few complete city days' public requests as CSV and GeoJSON in S3.

A manual run may name one day to export again: {"day": "yyyy-mm-dd"}.
"""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311 import budget, clock
from civic311.cases.open_data_export import asked_day, export_days, window
from civic311.catalog import load_catalog
from civic311.logs import function_logger
from civic311.settings import OpenDataSettings
from civic311.store.open_data_files import OpenDataFiles

logger = function_logger()
settings = OpenDataSettings.from_environment()
files = OpenDataFiles(settings.open_data_bucket, settings.open_data_prefix)


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    budget.bind(lambda_context)
    now = clock.now()
    scheduled = window(now)
    days = [asked_day(event["day"], now)] if "day" in event else scheduled
    done = export_days(settings.service_requests_table, files, load_catalog(), days, latest=scheduled[-1])
    logger.info("open data exported", extra={"days": [asdict(day) for day in done]})
    return {"days": [asdict(day) for day in done]}
