"""The functions' EMF lines become metric data as CloudWatch Logs extracts it; anything else yields none."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from local_stack.emf import EmfMetrics, metric_data
from local_stack.function_logs import FunctionOutput, listen, running
from tests.support import scoped_environment

ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-west-2"}

POWERTOOLS_LINE = json.dumps(
    {
        "_aws": {
            "Timestamp": 1796672106990,
            "CloudWatchMetrics": [
                {
                    "Namespace": "civic311",
                    "Dimensions": [["channel", "service"]],
                    "Metrics": [{"Name": "EmergencyAlertPublishFailed", "Unit": "Count"}],
                }
            ],
        },
        "channel": "open311",
        "service": "open311",
        "EmergencyAlertPublishFailed": [1.0],
    }
)


def with_aws(**changes: Any) -> str:
    document = json.loads(POWERTOOLS_LINE)
    document["_aws"]["CloudWatchMetrics"][0].update(changes)
    return json.dumps(document)


def test_a_powertools_metric_line_becomes_one_datum_with_its_dimensions_and_time() -> None:
    [(namespace, [datum])] = metric_data(POWERTOOLS_LINE)
    assert namespace == "civic311"
    assert datum["MetricName"] == "EmergencyAlertPublishFailed"
    assert datum["Dimensions"] == [{"Name": "channel", "Value": "open311"}, {"Name": "service", "Value": "open311"}]
    assert datum["Values"] == [1.0]
    assert datum["Unit"] == "Count"
    assert datum["Timestamp"] == datetime.fromtimestamp(1796672106.990, UTC)


def test_each_dimension_set_is_a_metric_of_its_own() -> None:
    [(_, data)] = metric_data(with_aws(Dimensions=[["channel"], ["channel", "service"]]))
    assert [len(datum["Dimensions"]) for datum in data] == [1, 2]


def test_lines_that_break_the_specification_yield_no_metrics() -> None:
    document = json.loads(POWERTOOLS_LINE)
    document["EmergencyAlertPublishFailed"] = "one"
    broken = [
        "emergency alert pending after retries",
        '{"message": "request created", "_aws": "not an object"}',
        with_aws(Dimensions=[["channel", "unit_of_work"]]),  # a dimension with no value in the line
        with_aws(Namespace=""),
        with_aws(Metrics=[{"Name": f"M{n}"} for n in range(101)]),
        json.dumps(document),
        POWERTOOLS_LINE.replace("1796672106990", '"yesterday"'),
    ]
    assert [metric_data(line) for line in broken] == [[] for _ in broken]


def test_listeners_hear_each_line_a_function_writes_and_nothing_else(tmp_path: Path) -> None:
    heard: list[tuple[str, str]] = []
    stop = listen(lambda function, line: heard.append((function, line)))
    terminal = io.StringIO()
    output = FunctionOutput(terminal, None)
    try:
        output.write("the stack's own message\n")

        def intake() -> None:
            with running("open311"):
                output.write(POWERTOOLS_LINE)
                output.write("\nsecond line\n")

        thread = threading.Thread(target=intake)
        thread.start()
        thread.join()
    finally:
        stop()
    assert heard == [("open311", POWERTOOLS_LINE), ("open311", "second line")]
    # Without a folder the function's lines still reach the terminal, as LOGS=stdout shows them.
    assert terminal.getvalue() == f"the stack's own message\n{POWERTOOLS_LINE}\nsecond line\n"


def test_the_metrics_of_an_emf_line_are_in_cloudwatch_once_flushed() -> None:
    with scoped_environment(ENVIRONMENT, remove=["AWS_ENDPOINT_URL"]), mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-west-2")
        emf = EmfMetrics(cloudwatch)
        emf("open311", "request created")
        emf("open311", POWERTOOLS_LINE)
        emf.flush()
        [metric] = cloudwatch.list_metrics(Namespace="civic311")["Metrics"]
    assert metric["MetricName"] == "EmergencyAlertPublishFailed"
    assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {"channel": "open311", "service": "open311"}
