"""API Gateway's method throttling, from the Api's MethodSettings: one token bucket per method.

API Gateway applies a stage's throttle rows per method: "/*" with "*" is every method's default, and a row
naming a resource path (with "/" encoded as "~1") and a method gives that method its own rate and burst. So a
flood of one route empties only that route's bucket. A refused request gets the THROTTLED gateway response:
429, with the headers the template's GatewayResponses add to it (Retry-After).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any


def gateway_response(responses: dict[str, Any], kind: str, default_status: int) -> tuple[int, list[tuple[str, str]]]:
    """The status and static headers one response type gets from a REST API's gateway responses (its OpenAPI
    Body's x-amazon-apigateway-gateway-responses)."""
    response = responses.get(kind, {})
    prefix = "gatewayresponse.header."
    # Gateway-response header values are mapping expressions; a static value is quoted: "'1'".
    static = [
        (name.removeprefix(prefix), str(value).strip("'"))
        for name, value in response.get("responseParameters", {}).items()
        if name.startswith(prefix)
    ]
    return int(response.get("statusCode", default_status)), static


@dataclass(frozen=True)
class MethodThrottle:
    """One MethodSettings row: a resource path ("/*" for all) and method ("*" for all), rate and burst."""

    resource_path: str
    http_method: str
    rate: float
    burst: int


def _resource_path(encoded: str) -> str:
    # "/~1v1~1triage": the first "/" separates, and each "~1" is a "/" of the path.
    return encoded if encoded == "/*" else encoded[1:].replace("~1", "/")


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class Throttles:
    """Admits or refuses each request by its route's bucket."""

    rows: list[MethodThrottle]
    # Headers of the THROTTLED gateway response, as the template declares them.
    throttled_headers: list[tuple[str, str]] = field(default_factory=list)
    throttled_status: int = 429
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_stage(cls, properties: dict[str, Any], gateway_responses: dict[str, Any]) -> Throttles:
        """The throttles of an AWS::ApiGateway::Stage's resolved properties."""
        rows = []
        for setting in properties.get("MethodSettings", []):
            if "ThrottlingRateLimit" not in setting and "ThrottlingBurstLimit" not in setting:
                continue
            rows.append(
                MethodThrottle(
                    resource_path=_resource_path(str(setting.get("ResourcePath", "/*"))),
                    http_method=str(setting.get("HttpMethod", "*")).upper(),
                    rate=float(setting.get("ThrottlingRateLimit", 10000)),
                    burst=int(setting.get("ThrottlingBurstLimit", 5000)),
                )
            )
        status, headers = gateway_response(gateway_responses, "THROTTLED", 429)
        return cls(rows=rows, throttled_headers=headers, throttled_status=status)

    def _row(self, resource_path: str, method: str) -> MethodThrottle | None:
        best: tuple[int, MethodThrottle] | None = None
        for row in self.rows:
            if row.resource_path not in ("/*", resource_path) or row.http_method not in ("*", method):
                continue
            rank = (row.resource_path != "/*") * 2 + (row.http_method != "*")
            if best is None or rank > best[0]:
                best = (rank, row)
        return best[1] if best else None

    def admit(self, resource_path: str, method: str, now: float | None = None) -> bool:
        """Take a token from this method's bucket; False when it is empty (the caller gets 429)."""
        row = self._row(resource_path, method)
        if row is None:
            return True
        moment = time.monotonic() if now is None else now
        key = (resource_path, method)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=float(row.burst), at=moment)
            bucket.tokens = min(float(row.burst), bucket.tokens + (moment - bucket.at) * row.rate)
            bucket.at = moment
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True
