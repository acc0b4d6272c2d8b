"""DynamoDB queries and scans on the embedded endpoint: the table's items put in order with native keys.

moto answers every Query and Scan by sorting all of the table's items, comparing its attribute-value
objects pair by pair in Python. Sorting on plain values instead (the same order: strings as strings,
numbers as numbers) makes that several times cheaper, which is what keeps a table of a few thousand
requests answering within the SDK's timeouts under load.

moto is pinned, and tests/local_stack/test_local_moto_seams.py fails if an upgrade moves the method replaced here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.dynamodb.models.table import Table

from local_stack.moto_seams import check_method, replace_method

SEAM_SIGNATURE = ("self",)


def check_seam() -> None:
    """Fail loudly if moto's Table.all_items is no longer the method this module replaces."""
    check_method(Table, "all_items", SEAM_SIGNATURE)


def _order(item: Any) -> tuple[Any, ...]:
    if item.range_key is None:
        return (item.hash_key.cast_value,)
    return item.hash_key.cast_value, item.range_key.cast_value


def _all_items(self: Table) -> list[Any]:
    items: list[Any] = []
    for hash_set in list(self.items.values()):
        if self.range_key_attr:
            items.extend(list(hash_set.values()))
        else:
            items.append(hash_set)
    return sorted(items, key=_order)


def install() -> Callable[[], None]:
    """Replace moto's item ordering; returns a function that puts moto's own back."""
    return replace_method(Table, "all_items", SEAM_SIGNATURE, _all_items)
