"""Per-key request quotas for Open311 clients, counted in DynamoDB so every warm function shares one count.

API Gateway's usage plans cannot see an Open311 key: the GeoReport spec sends `api_key` as a form field of the
POST body, which neither the x-api-key header nor a Lambda authorizer (it never sees the body) can read. So
intake counts each key's writes itself, in fixed one-minute windows, with one conditional UpdateItem: under
the limit it adds one, at the limit the condition fails and the caller gets 429 with Retry-After.

Counters live in the API clients table under key_digest = QUOTA#<client>#<minute> (never a key's digest, which
is hex) and expire by TTL. The Open311 function may write only items whose key starts with QUOTA# (template.yaml).

A new request pays for itself in the same call: its counter update joins the request's own write (a QuotaClaim
that store/request_creation.py adds to the transaction), so one round trip both counts and stores it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from civic311 import aws, clock
from civic311.errors import DependencyUnavailable, TooManyRequests
from civic311.store.dynamo import to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import UpdateTypeDef

PREFIX = "QUOTA#"
WINDOW_SECONDS = 60
# Counters outlive their minute briefly; TTL removes them within a day or two anyway.
_KEEP_SECONDS = 3600


@dataclass(frozen=True)
class QuotaClaim:
    """One unit of a client's quota for this minute: the conditional counter update that takes it."""

    counter: str  # the counter item's key: the client and the minute
    update: UpdateTypeDef
    per_minute: int
    retry_after: int

    def refused(self) -> TooManyRequests:
        return TooManyRequests(
            f"this api_key may create {self.per_minute} requests a minute; try again shortly",
            retry_after=self.retry_after,
        )


class KeyQuotas:
    """Takes one unit of a client's per-minute quota, or raises TooManyRequests."""

    def __init__(self, table_name: str, clock_now: Callable[[], datetime] = clock.now) -> None:
        self.table_name = table_name
        self.clock_now = clock_now

    def claim(self, client_id: str, per_minute: int) -> QuotaClaim:
        """The update that counts one write for this client in this minute, refused once it has made `per_minute`."""
        now = self.clock_now().timestamp()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        counter = f"{PREFIX}{client_id}#{window}"
        update: UpdateTypeDef = {
            "TableName": self.table_name,
            "Key": {"key_digest": to_value(counter)},
            "UpdateExpression": "ADD used :one SET expires_at = if_not_exists(expires_at, :expires)",
            "ConditionExpression": "attribute_not_exists(used) OR used < :limit",
            "ExpressionAttributeValues": {
                ":one": to_value(1),
                ":limit": to_value(per_minute),
                ":expires": to_value(window + _KEEP_SECONDS),
            },
        }
        return QuotaClaim(counter, update, per_minute, retry_after=int(window + WINDOW_SECONDS - now) + 1)

    def take(self, client_id: str, per_minute: int) -> None:
        """Count one write for this client; TooManyRequests once it has made `per_minute` in this minute."""
        self.take_claim(self.claim(client_id, per_minute))

    @staticmethod
    def take_claim(claim: QuotaClaim) -> None:
        """Take a claim with a call of its own (when no write of the caller's can carry it)."""
        try:
            aws.dynamodb().update_item(**claim.update)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise claim.refused() from None
            # A counter DynamoDB refuses (throttled, busy) must not turn intake away: emergencies come through here too.
            return
        except BotoCoreError as error:
            # No answer at all: the request's own write goes to the same DynamoDB and would wait as long again,
            # past the function's timeout. A 503 now tells the client to retry while it still can.
            raise DependencyUnavailable("the request store is not answering; retry in a moment") from error
