"""API Gateway's API keys and usage plans, as the local gateway enforces them on methods that require a key.

The plans are the template's (provisioned on the endpoint's API Gateway), and keys join them there through the
admin tool or the web publisher, as in AWS; the gateway reads them back from the endpoint. On a method with
ApiKeyRequired, API Gateway answers a missing, unknown or disabled X-API-Key, or one in no usage plan of the
stage, with 403 {"message":"Forbidden"} (INVALID_API_KEY); a key over its plan's rate with 429 "Too Many
Requests" (THROTTLED); and a key that has spent its quota for the period with 429 "Limit Exceeded"
(QUOTA_EXCEEDED). Each answer carries the headers the template's GatewayResponses give it (Retry-After).
A refused request is not counted against the quota, and no function runs for it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local_stack.throttles import gateway_response

# How long a snapshot of the keys and plans is trusted; an unknown key re-reads it sooner (a key just issued).
_SNAPSHOT_SECONDS = 1.0
_UNKNOWN_KEY_REREAD_SECONDS = 0.1


@dataclass(frozen=True)
class Refusal:
    """API Gateway's answer to a request it refuses for its key."""

    status: int
    message: str
    error_type: str
    headers: list[tuple[str, str]]


@dataclass(frozen=True)
class Plan:
    """One usage plan's limits: a token bucket per key (rate, burst) and a count per period (quota)."""

    plan_id: str
    rate: float | None
    burst: int | None
    quota: int | None
    period: str | None

    @classmethod
    def from_api(cls, plan: dict[str, Any]) -> Plan:
        throttle, quota = plan.get("throttle") or {}, plan.get("quota") or {}
        return cls(
            plan_id=str(plan["id"]),
            rate=float(throttle["rateLimit"]) if "rateLimit" in throttle else None,
            burst=int(throttle["burstLimit"]) if "burstLimit" in throttle else None,
            quota=int(quota["limit"]) if "limit" in quota else None,
            period=str(quota.get("period", "DAY")) if "limit" in quota else None,
        )


def period_of(period: str, moment: datetime) -> str:
    """The quota period a moment falls in (UTC): a day, an ISO week or a month."""
    if period == "WEEK":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week}"
    if period == "MONTH":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y-%m-%d")


@dataclass
class _Snapshot:
    at: float = float("-inf")
    # key value -> (key id, enabled)
    keys: dict[str, tuple[str, bool]] = field(default_factory=dict)
    plan_of_key: dict[str, Plan] = field(default_factory=dict)


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class UsagePlans:
    """Admits or refuses each request to a key-requiring method by its X-API-Key."""

    client: Any  # the endpoint's API Gateway
    api_id: str
    stage: str
    refusals: dict[str, Refusal]
    _snapshot: _Snapshot = field(default_factory=_Snapshot)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _used: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_api(cls, client: Any, api_id: str, stage: str, gateway_responses: dict[str, Any]) -> UsagePlans:
        """The usage plans of this stage, answering with the REST API's gateway responses."""
        refusals = {}
        for kind, status, message, error_type in (
            ("INVALID_API_KEY", 403, "Forbidden", "ForbiddenException"),
            ("THROTTLED", 429, "Too Many Requests", "TooManyRequestsException"),
            ("QUOTA_EXCEEDED", 429, "Limit Exceeded", "LimitExceededException"),
        ):
            code, headers = gateway_response(gateway_responses, kind, status)
            refusals[kind] = Refusal(code, message, error_type, headers)
        return cls(client=client, api_id=api_id, stage=stage, refusals=refusals)

    def admit(
        self, api_key: str | None, now: float | None = None, today: datetime | None = None
    ) -> tuple[str, Refusal | None]:
        """The key's id and None when admitted (one unit of its quota taken); else a refusal."""
        moment = time.monotonic() if now is None else now
        found = self._key(api_key, moment) if api_key else None
        if found is None:
            return "", self.refusals["INVALID_API_KEY"]
        key_id, plan = found
        period = period_of(plan.period or "DAY", today or datetime.now(UTC))
        with self._lock:
            if plan.quota is not None and self._used.get((key_id, period), 0) >= plan.quota:
                return key_id, self.refusals["QUOTA_EXCEEDED"]
            if plan.rate is not None:
                burst = float(plan.burst if plan.burst is not None else plan.rate)
                bucket = self._buckets.setdefault(key_id, _Bucket(tokens=burst, at=moment))
                bucket.tokens = min(burst, bucket.tokens + (moment - bucket.at) * plan.rate)
                bucket.at = moment
                if bucket.tokens < 1:
                    return key_id, self.refusals["THROTTLED"]
                bucket.tokens -= 1
            self._used[(key_id, period)] = self._used.get((key_id, period), 0) + 1
        return key_id, None

    def _key(self, api_key: str, moment: float) -> tuple[str, Plan] | None:
        snapshot = self._snapshot
        age = moment - snapshot.at
        if age > _SNAPSHOT_SECONDS or (api_key not in snapshot.keys and age > _UNKNOWN_KEY_REREAD_SECONDS):
            snapshot = self._snapshot = self._read(moment)
        key = snapshot.keys.get(api_key)
        if key is None or not key[1] or key[0] not in snapshot.plan_of_key:
            return None
        return key[0], snapshot.plan_of_key[key[0]]

    def _read(self, moment: float) -> _Snapshot:
        snapshot = _Snapshot(at=moment)
        for page in self.client.get_paginator("get_api_keys").paginate(includeValues=True):
            for key in page.get("items", []):
                snapshot.keys[str(key["value"])] = (str(key["id"]), bool(key.get("enabled")))
        for page in self.client.get_paginator("get_usage_plans").paginate():
            for plan in page.get("items", []):
                stages = plan.get("apiStages") or []
                if not any(s.get("apiId") == self.api_id and s.get("stage") == self.stage for s in stages):
                    continue
                keys = self.client.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan["id"])
                for keys_page in keys:
                    for key in keys_page.get("items", []):
                        snapshot.plan_of_key[str(key["id"])] = Plan.from_api(plan)
        return snapshot
