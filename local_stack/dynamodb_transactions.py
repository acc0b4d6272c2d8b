"""DynamoDB transactions on the embedded endpoint: all or nothing, at a cost that does not grow with the table.

moto backs up every table a TransactWriteItems touches (a deep copy of the whole table) and puts the copy
back when the transaction is cancelled. That makes each transaction slower as the table grows (a load of
1,000 intakes spends most of its time copying), and a cancelled transaction also undoes whatever other
requests wrote to the table meanwhile. Here a transaction checks every condition first, then applies its
writes, one transaction at a time; if a write fails half-way only the items it touches are put back.

moto is pinned, and tests/local_stack/test_local_moto_seams.py fails if a moto upgrade moves or
reshapes the method replaced here.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend

from local_stack.moto_seams import check_method, replace_method

SEAM_SIGNATURE = ("self", "transact_items")
MAX_ITEMS = 100
_OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})

# DynamoDB isolates transactions from each other; one lock per process does the same for the emulator.
_transactions = threading.Lock()


@dataclass(frozen=True)
class _Write:
    kind: str
    table: str
    key: dict[str, Any]
    request: dict[str, Any]

    @property
    def identity(self) -> tuple[str, str]:
        return self.table, repr(sorted(self.key.items()))


def check_seam() -> None:
    """Fail loudly if moto's transact_write_items is no longer the method this module replaces."""
    check_method(DynamoDBBackend, "transact_write_items", SEAM_SIGNATURE)


def install() -> Callable[[], None]:
    """Replace moto's TransactWriteItems; returns a function that puts moto's own back."""
    return replace_method(DynamoDBBackend, "transact_write_items", SEAM_SIGNATURE, _transact_write_items)


def _parse(backend: DynamoDBBackend, entry: dict[str, Any]) -> _Write:
    if len(entry) != 1:
        raise MockValidationException("each TransactItems entry holds exactly one operation")
    kind, request = next(iter(entry.items()))
    if kind not in _OPERATIONS:
        raise MockValidationException(f"unsupported transaction operation {kind}")
    table = backend.get_table(request["TableName"])
    if kind == "Put":
        key = {table.hash_key_attr: request["Item"][table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = request["Item"][table.range_key_attr]
    else:
        key = request["Key"]
    return _Write(kind, request["TableName"], key, request)


def _refusal(backend: DynamoDBBackend, write: _Write) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """Why this write's condition refuses it (DynamoDB's cancellation reason), or (None, None, None)."""
    expression = write.request.get("ConditionExpression")
    if not expression:
        return None, None, None
    current = backend.get_item(write.table, write.key)
    condition = get_filter_expression(
        expression, write.request.get("ExpressionAttributeNames"), write.request.get("ExpressionAttributeValues")
    )
    if condition.expr(current):
        return None, None, None
    wants_old = write.request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
    old = current.to_json()["Attributes"] if wants_old and current is not None else None
    return "ConditionalCheckFailed", "The conditional request failed", old


def _apply(backend: DynamoDBBackend, write: _Write) -> None:
    request = write.request
    names, values = request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    condition = request.get("ConditionExpression")
    if write.kind == "Put":
        backend.put_item(write.table, request["Item"], None, condition, names, values)
    elif write.kind == "Update":
        backend.update_item(
            write.table,
            write.key,
            update_expression=request["UpdateExpression"],
            expression_attribute_names=names or {},
            expression_attribute_values=values or {},
            condition_expression=condition,
        )
    elif write.kind == "Delete":
        backend.delete_item(write.table, write.key, names, values, condition)


def _put_back(backend: DynamoDBBackend, write: _Write, before: Any) -> None:
    if before is None:
        backend.delete_item(write.table, write.key)
    else:
        backend.put_item(write.table, before.to_json()["Attributes"])


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > MAX_ITEMS:
        raise TooManyTransactionsException()
    writes = [_parse(self, entry) for entry in transact_items]
    if len({write.identity for write in writes}) != len(writes):
        raise MultipleTransactionsException()
    with _transactions:
        reasons = [_refusal(self, write) for write in writes]
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        touched = [write for write in writes if write.kind != "ConditionCheck"]
        before = [copy.deepcopy(self.get_item(write.table, write.key)) for write in touched]
        applied: list[int] = []
        try:
            for number, write in enumerate(touched):
                _apply(self, write)
                applied.append(number)
        except ConditionalCheckFailed:
            # A plain write slipped in between the check and the write: cancel, as DynamoDB would.
            for number in reversed(applied):
                _put_back(self, touched[number], before[number])
            raise TransactionCanceledException(
                [("TransactionConflict", "Transaction is ongoing for the item", None)] * len(writes)
            ) from None
        except Exception:
            for number in reversed(applied):
                _put_back(self, touched[number], before[number])
            raise
