"""Where the open-data files go: the open-data bucket, a dated copy per day and a `latest` copy of the newest.

Keys under the prefix (template.yaml: OpenDataPrefix):
  daily/<yyyy-mm-dd>/requests.csv, daily/<yyyy-mm-dd>/requests.geojson   the requests made that city day
  latest/requests.csv, latest/requests.geojson                            the newest day's copy
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from civic311 import aws

CSV_TYPE = "text/csv; charset=utf-8"
GEOJSON_TYPE = "application/geo+json"


@dataclass(frozen=True)
class OpenDataFiles:
    """The bucket and prefix the export writes to."""

    bucket: str
    prefix: str

    def daily_key(self, day: date, extension: str) -> str:
        return f"{self.prefix}daily/{day.isoformat()}/requests.{extension}"

    def latest_key(self, extension: str) -> str:
        return f"{self.prefix}latest/requests.{extension}"

    def publish(self, day: date, csv: str, geojson: str, *, latest: bool) -> list[str]:
        """Write a day's files (replacing an earlier export of that day); the keys written."""
        written: list[str] = []
        for extension, body, content_type in (("csv", csv, CSV_TYPE), ("geojson", geojson, GEOJSON_TYPE)):
            keys = [self.daily_key(day, extension)] + ([self.latest_key(extension)] if latest else [])
            for key in keys:
                aws.s3().put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body.encode("utf-8"),
                    ContentType=content_type,
                    # The files change once a day; a cache must not serve yesterday's `latest` for long.
                    CacheControl="max-age=3600",
                )
                written.append(key)
        return written
