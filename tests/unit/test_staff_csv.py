"""The staff console's CSV download and overdue flag (web/assets/csv.js), run in Node as the browser runs them."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import pytest

from tests.support import REPO

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js runs the console's modules")


def run(script: str) -> object:
    module = (REPO / "web" / "assets" / "csv.js").as_uri()
    program = f'import * as csv from "{module}";\nconsole.log(JSON.stringify(await (async () => {{ {script} }})()));'
    done = subprocess.run(
        [str(NODE), "--input-type=module", "-e", program], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def test_the_download_parses_back_as_the_rows_with_formulas_neutralised() -> None:
    rows = [
        {"id": "1", "place": '=HYPERLINK("http://x","y")', "long": -110.97},
        {"id": "2", "place": "@SUM(A1)", "long": None},
        {"id": "3", "place": 'line one\nline "two", three', "long": 1},
        {"id": "4", "place": "+1\t-2", "long": 2},
    ]
    text = run(
        f"return csv.csvText([[r => r.id, 'id'], [r => r.place, 'place'], [r => r.long, 'long']], {json.dumps(rows)});"
    )

    assert isinstance(text, str)
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["place"] for row in parsed] == [
        '\'=HYPERLINK("http://x","y")',
        "'@SUM(A1)",
        'line one\nline "two", three',
        "'+1\t-2",
    ]
    assert [row["long"] for row in parsed] == ["-110.97", "", "1", "2"]


@pytest.mark.parametrize(
    ("request_fields", "overdue"),
    [
        ({"status": "open", "expected_at": "2026-12-01T09:00:00-07:00"}, True),
        ({"status": "open", "expected_at": "2026-12-09T09:00:00-07:00"}, False),
        ({"status": "closed", "expected_at": "2026-12-01T09:00:00-07:00"}, False),
        ({"status": "open", "expected_at": None}, False),
    ],
)
def test_an_open_request_past_its_expected_time_is_overdue(request_fields: dict[str, object], overdue: bool) -> None:
    now = "2026-12-05T12:00:00Z"
    assert run(f"return csv.isOverdue({json.dumps(request_fields)}, new Date({json.dumps(now)}));") is overdue
