"""Open311 API clients: keys are stored only as SHA-256 digests, one active key per client, revocable.

API keys are random 256-bit tokens, so a fast hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict

from pydantic import BaseModel, ConfigDict

from civic311 import aws
from civic311.clock import now, to_storage
from civic311.store.dynamo import from_item, to_item, to_value, update_if

# A revoked key stops working within this many seconds on every warm function.
_CACHE_SECONDS = 60.0
# Unknown keys are cached too (so a flood of bad keys costs one read each a minute), which is what makes a bound
# necessary: anyone can send a million different keys. The least recently used answer goes first.
CACHE_ENTRIES = 1024
BY_CLIENT = "ByClient"
# The resident web page's client: its key ships in config.json, so anyone can use it (web/deploy.py registers it).
WEB_CLIENT_ID = "web"


class ApiClient(BaseModel):
    """A registered Open311 client application."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(defer_build=True)

    client_id: str
    name: str
    active: bool = True


def key_digest(api_key: str) -> str:
    """The stored form of an API key."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def new_api_key() -> str:
    """A fresh random API key to hand to a client once: 256 bits in hex, which API Gateway also accepts as a
    key value (letters and digits only)."""
    return secrets.token_hex(32)


class ApiClientStore:
    """Looks up API keys, with a short per-process cache so intake stays at its call budget."""

    def __init__(self, table_name: str, cache_entries: int = CACHE_ENTRIES) -> None:
        self.table_name = table_name
        self.cache_entries = cache_entries
        self._cache: OrderedDict[str, tuple[float, ApiClient | None]] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, api_key: str) -> ApiClient | None:
        """The active client owning this key, or None."""
        digest = key_digest(api_key)
        with self._lock:
            cached = self._cache.get(digest)
            if cached is not None:
                self._cache.move_to_end(digest)
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        response = aws.dynamodb().get_item(TableName=self.table_name, Key={"key_digest": to_value(digest)})
        item = response.get("Item")
        client = ApiClient.model_validate(from_item(item)) if item else None
        if client is not None and not client.active:
            client = None
        with self._lock:
            self._cache[digest] = (time.monotonic(), client)
            self._cache.move_to_end(digest)
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)
        return client

    @property
    def cached(self) -> int:
        """How many answers the cache holds (never more than `cache_entries`)."""
        with self._lock:
            return len(self._cache)

    def register(self, client_id: str, name: str, api_key: str) -> None:
        """Store a client under its key's digest (admin tooling and the local stack's demo client)."""
        aws.dynamodb().put_item(
            TableName=self.table_name,
            Item=to_item(
                {
                    "key_digest": key_digest(api_key),
                    "client_id": client_id,
                    "name": name,
                    "active": True,
                    "created_at": to_storage(now()),
                }
            ),
            ConditionExpression="attribute_not_exists(key_digest)",
        )

    def keys_of(self, client_id: str) -> list[dict[str, object]]:
        """Every key record of a client (digests only), newest first."""
        response = aws.dynamodb().query(
            TableName=self.table_name,
            IndexName=BY_CLIENT,
            KeyConditionExpression="client_id = :client",
            ExpressionAttributeValues={":client": to_value(client_id)},
        )
        records = [from_item(item) for item in response.get("Items", [])]
        return sorted(records, key=lambda record: str(record.get("created_at", "")), reverse=True)

    def revoke_client(self, client_id: str) -> int:
        """Revoke every active key of a client; returns how many were revoked."""
        active = [record for record in self.keys_of(client_id) if record.get("active")]
        for record in active:
            self.revoke_client_key(str(record["key_digest"]))
        return len(active)

    def revoke_client_key(self, digest: str) -> bool:
        """Revoke one key by its digest; it keeps its record for audit. False when no key has this digest."""
        return update_if(
            TableName=self.table_name,
            Key={"key_digest": to_value(digest)},
            UpdateExpression="SET active = :no, revoked_at = :at",
            ConditionExpression="attribute_exists(key_digest)",
            ExpressionAttributeValues={":no": to_value(False), ":at": to_value(to_storage(now()))},
        )

    def clients(self) -> list[dict[str, object]]:
        """All key records (admin listing; a Scan is fine off the request path)."""
        pages = aws.dynamodb().get_paginator("scan").paginate(TableName=self.table_name)
        return [from_item(item) for page in pages for item in page.get("Items", [])]
