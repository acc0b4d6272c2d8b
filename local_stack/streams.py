"""Runs the template's DynamoDB stream event sources: polls each table's stream and invokes its function.

As Lambda's event source mapping does: records in order, in batches of at most BatchSize, only those the
source's filter patterns match; a failed batch is retried (from the first failed record when the function reports
batch item failures) up to MaximumRetryAttempts, then dropped with a log line (the on-failure destination is not
emulated). Polling runs in one background thread per source.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from local_stack.lambda_runtime import LambdaRuntime
from local_stack.template import REGION

logger = logging.getLogger(__name__)

# Lambda polls a shard about four times a second.
POLL_SECONDS = 0.25
RETRY_SECONDS = 1.0


def _check_pattern(pattern: Mapping[str, Any], where: str) -> None:
    for key, condition in pattern.items():
        if isinstance(condition, Mapping):
            _check_pattern(condition, f"{where}.{key}")
        elif not isinstance(condition, list) or any(isinstance(value, (dict, list)) for value in condition):
            raise ValueError(f"{where}.{key}: the local stack matches only lists of exact values in filter patterns")


@dataclass(frozen=True)
class StreamSource:
    """A function the template invokes with a DynamoDB table's stream records."""

    function_name: str
    stream_arn: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    patterns: tuple[dict[str, Any], ...] = ()
    maximum_retry_attempts: int = -1  # -1: until the record expires, as Lambda's default
    reports_item_failures: bool = False

    @classmethod
    def from_mapping(cls, function_name: str, properties: Mapping[str, Any]) -> StreamSource:
        """From an AWS::Lambda::EventSourceMapping's resolved properties."""
        patterns = tuple(
            json.loads(item["Pattern"]) for item in properties.get("FilterCriteria", {}).get("Filters", [])
        )
        for pattern in patterns:
            _check_pattern(pattern, f"{function_name} filter")
        return cls(
            function_name=function_name,
            stream_arn=str(properties["EventSourceArn"]),
            batch_size=int(properties.get("BatchSize", 100)),
            starting_position=str(properties.get("StartingPosition", "TRIM_HORIZON")),
            patterns=patterns,
            maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
            reports_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
        )

    def accepts(self, record: Mapping[str, Any]) -> bool:
        """True when no filter is set or any filter pattern matches the record."""
        return not self.patterns or any(_matches(pattern, record) for pattern in self.patterns)


def _matches(pattern: Mapping[str, Any], data: Any) -> bool:
    if not isinstance(data, Mapping):
        return False
    for key, condition in pattern.items():
        if key not in data:
            return False
        if isinstance(condition, Mapping):
            if not _matches(condition, data[key]):
                return False
        elif data[key] not in condition:
            return False
    return True


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: the same fields plus the source and region, times in epoch."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


@dataclass
class StreamPoller:
    """Polls every stream source and delivers its records to the function through the in-process runtime."""

    sources: list[StreamSource]
    runtime: LambdaRuntime
    client: Callable[[str], Any]
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for source in self.sources:
            iterators = self._iterators(source)  # before start returns: nothing written after it is missed
            thread = threading.Thread(
                target=self._run, args=(source, iterators), name=f"stream-{source.function_name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _iterators(self, source: StreamSource) -> list[str]:
        streams = self.client("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=source.stream_arn)["StreamDescription"]["Shards"]
        return [
            streams.get_shard_iterator(
                StreamArn=source.stream_arn, ShardId=shard["ShardId"], ShardIteratorType=source.starting_position
            )["ShardIterator"]
            for shard in shards
        ]

    def _run(self, source: StreamSource, iterators: list[str]) -> None:
        streams = self.client("dynamodbstreams")
        while not self._stop.is_set():
            busy = False
            for number, iterator in enumerate(iterators):
                try:
                    answer = streams.get_records(ShardIterator=iterator, Limit=source.batch_size)
                except Exception:
                    logger.exception("reading the stream for %s failed; retrying", source.function_name)
                    continue
                iterators[number] = answer["NextShardIterator"]
                records = answer["Records"]
                busy = busy or bool(records)
                batch = [lambda_record(r, source.stream_arn) for r in records]
                self._deliver(source, [r for r in batch if source.accepts(r)])
            if not busy:
                self._stop.wait(POLL_SECONDS)

    def _deliver(self, source: StreamSource, batch: list[dict[str, Any]]) -> None:
        attempts = 0
        while batch and not self._stop.is_set():
            result = self.runtime.invoke(source.function_name, {"Records": batch})
            if not result.failed:
                failed = self._failed_from(source, result.payload)
                if not failed:
                    return
                # Lambda retries from the first failed record: it and everything after it, in order.
                first = min(batch.index(r) for r in batch if r["dynamodb"].get("SequenceNumber") in failed)
                batch = batch[first:]
            attempts += 1
            if 0 <= source.maximum_retry_attempts < attempts:
                logger.error(
                    "%s failed %d records after %d retries; dropped", source.function_name, len(batch), attempts - 1
                )
                return
            self._stop.wait(RETRY_SECONDS)

    @staticmethod
    def _failed_from(source: StreamSource, payload: bytes) -> set[str]:
        if not source.reports_item_failures:
            return set()
        answer = json.loads(payload or b"null")
        failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
        return {str(item["itemIdentifier"]) for item in failures}
