"""The local stack's DynamoDB stream event source: the template's filter patterns decide what is delivered."""

from __future__ import annotations

import json

import pytest

from local_stack.streams import StreamSource
from tests.support import load_event


def source(pattern: dict[str, object]) -> StreamSource:
    return StreamSource.from_mapping(
        "fn",
        {
            "EventSourceArn": "arn:aws:dynamodb:us-west-2:123456789012:table/t/stream/1",
            "BatchSize": 25,
            "MaximumRetryAttempts": 5,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "FilterCriteria": {"Filters": [{"Pattern": json.dumps(pattern)}]},
        },
    )


def test_the_template_filter_passes_only_new_request_items() -> None:
    new_requests = source({"eventName": ["INSERT"], "dynamodb": {"Keys": {"sk": {"S": ["REQ"]}}}})
    record = load_event("workflow_starter/stream_batch")["Records"][0]
    assert new_requests.accepts(record)
    assert not new_requests.accepts(record | {"eventName": "MODIFY"})
    contact = json.loads(json.dumps(record))
    contact["dynamodb"]["Keys"]["sk"]["S"] = "CONTACT"
    assert not new_requests.accepts(contact)
    assert (new_requests.batch_size, new_requests.maximum_retry_attempts, new_requests.reports_item_failures) == (
        25,
        5,
        True,
    )


def test_a_filter_the_local_stack_cannot_match_exactly_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="exact values"):
        source({"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "REQ"}]}}}})
