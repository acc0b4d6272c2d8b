"""Running the open-data export on a running stack and reading back its files (integration and privacy suites)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from civic311.clock import CITY_TZ
from tests.integration.conftest import RunningStack


@dataclass
class Exported:
    csv_text: str
    geojson_text: str

    @property
    def rows(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.csv_text)))

    @property
    def features(self) -> list[dict[str, Any]]:
        collection: dict[str, Any] = json.loads(self.geojson_text)
        assert collection["type"] == "FeatureCollection"
        return list(collection["features"])


def export_today(stack: RunningStack) -> Exported:
    """Invoke the export for today so far (city time), as an operator would, and read both files from S3."""
    functions = stack.client("lambda").list_functions()["Functions"]
    [name] = [f["FunctionName"] for f in functions if f["FunctionName"].endswith("-OpenDataExportFunction")]
    day = datetime.now(UTC).astimezone(CITY_TZ).date().isoformat()
    answer = stack.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"day": day}))
    payload = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, payload
    s3 = stack.client("s3")
    bucket, prefix = stack.output("OpenDataBucketName"), stack.output("OpenDataPrefix")

    def read(extension: str) -> str:
        key = f"{prefix}daily/{day}/requests.{extension}"
        return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))

    return Exported(read("csv"), read("geojson"))
