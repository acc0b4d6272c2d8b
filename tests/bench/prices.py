"""What `make bench` pays for a call: AWS list prices, and the price of everything the bench counts.

List prices in us-east-1, on demand, without the free tiers, each from the service's own pricing page. Every
request the bench counts must have a price here or a reason it is free; one that has neither fails the bench,
so a new dependency cannot join a call for nothing on paper.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

# aws.amazon.com/api-gateway/pricing: REST APIs, $3.50 per million requests (first 333 million a month)
API_GATEWAY_REST_REQUEST = 3.50 / 1e6
# aws.amazon.com/lambda/pricing: $0.20 per million requests
LAMBDA_REQUEST = 0.20 / 1e6
# aws.amazon.com/lambda/pricing: duration, x86, $0.0000166667 per GB-second (first 6 billion GB-seconds a month)
LAMBDA_GB_SECOND = 0.0000166667
# aws.amazon.com/dynamodb/pricing/on-demand: $0.625 per million write request units
DYNAMODB_WRITE_UNIT = 0.625 / 1e6
# aws.amazon.com/dynamodb/pricing/on-demand: $0.125 per million read request units
DYNAMODB_READ_UNIT = 0.125 / 1e6
# aws.amazon.com/sns/pricing: standard topics, $0.50 per million API requests (each 64 KB chunk is one request)
SNS_REQUEST = 0.50 / 1e6
# aws.amazon.com/step-functions/pricing: Standard workflows, $0.025 per 1,000 state transitions
STEP_FUNCTIONS_TRANSITION = 0.025 / 1000
# aws.amazon.com/location/pricing: Places, a search, geocode or reverse geocode, $0.50 per 1,000 requests
LOCATION_PLACES_REQUEST = 0.50 / 1000
# aws.amazon.com/kms/pricing: $0.03 per 10,000 requests (symmetric and HMAC keys)
KMS_REQUEST = 0.03 / 10_000
# aws.amazon.com/cloudwatch/pricing: Logs, collect (data ingestion), Standard log class, $0.50 per GB
LOGS_INGESTED_GB = 0.50
# aws.amazon.com/xray/pricing: $5.00 per million traces recorded
XRAY_TRACE = 5.00 / 1e6

# CloudWatch Logs counts each event as its UTF-8 message plus 26 bytes (the PutLogEvents batch-size rule).
LOG_EVENT_OVERHEAD_BYTES = 26

# Requests each service prices per request, by the counted operation's service prefix.
PER_REQUEST = {"geo": LOCATION_PLACES_REQUEST, "kms": KMS_REQUEST, "sns": SNS_REQUEST}
# Requests that cost nothing of their own, and why.
FREE = {
    # The state machine's task invocations: each is one of the call's Lambda invocations, priced from those.
    "lambda.Invoke": "billed as the invoked function's request and duration, counted apart",
    "states.StartExecution": "Standard workflows bill state transitions, counted apart",
    "states.SendTaskSuccess": "Standard workflows bill state transitions, counted apart",
    "states.SendTaskFailure": "Standard workflows bill state transitions, counted apart",
    "states.SendTaskHeartbeat": "Standard workflows bill state transitions, counted apart",
}


@dataclass
class Usage:
    """Everything one call made AWS do: counted requests, DynamoDB units, invocations, transitions and logs."""

    operations: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0
    api_requests: int = 0
    invocations: list[tuple[float, int]] = field(default_factory=list)  # (seconds, memory MB) each
    transitions: int = 0
    log_events: int = 0
    log_bytes: int = 0
    traces: int = 0


@dataclass
class Bill:
    lines: list[tuple[str, float]]
    unpriced: list[str]

    @property
    def total(self) -> float:
        return sum(dollars for _, dollars in self.lines)


def bill(usage: Usage) -> Bill:
    """The call's price, line by line, and any counted request this table cannot price."""
    # Lambda bills each invocation's duration rounded up to the millisecond.
    gb_seconds = sum(math.ceil(seconds * 1000) / 1000 * memory_mb / 1024 for seconds, memory_mb in usage.invocations)
    log_gb = (usage.log_bytes + usage.log_events * LOG_EVENT_OVERHEAD_BYTES) / 1e9
    lines = [
        (f"API Gateway REST requests ({usage.api_requests})", usage.api_requests * API_GATEWAY_REST_REQUEST),
        (f"Lambda requests ({len(usage.invocations)})", len(usage.invocations) * LAMBDA_REQUEST),
        (f"Lambda duration ({gb_seconds:.3f} GB-s)", gb_seconds * LAMBDA_GB_SECOND),
        (f"DynamoDB writes ({usage.write_units:.0f} WRU)", usage.write_units * DYNAMODB_WRITE_UNIT),
        (f"DynamoDB reads ({usage.read_units:.1f} RRU)", usage.read_units * DYNAMODB_READ_UNIT),
        (f"Step Functions transitions ({usage.transitions})", usage.transitions * STEP_FUNCTIONS_TRANSITION),
        (
            f"CloudWatch Logs ingestion ({usage.log_events} events, {usage.log_bytes:,} bytes)",
            log_gb * LOGS_INGESTED_GB,
        ),
        (f"X-Ray traces ({usage.traces})", usage.traces * XRAY_TRACE),
    ]
    unpriced: list[str] = []
    for name, count in sorted(usage.operations.items()):
        service = name.partition(".")[0]
        if service == "dynamodb" or name in FREE or count == 0:
            continue  # DynamoDB is priced by the units above
        if service in PER_REQUEST:
            lines.append((f"{name} ({count})", count * PER_REQUEST[service]))
        else:
            unpriced.append(name)
    return Bill(lines, unpriced)
