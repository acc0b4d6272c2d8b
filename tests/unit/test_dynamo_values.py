"""Plain values to DynamoDB attribute values: numbers DynamoDB cannot hold are never sent as such."""

from __future__ import annotations

from civic311.store.dynamo import from_item, to_item


def test_floats_keep_the_digits_the_caller_sent() -> None:
    assert to_item({"lat": 32.2217, "n": 0.1}) == {"lat": {"N": "32.2217"}, "n": {"N": "0.1"}}


def test_a_float_below_dynamodbs_smallest_magnitude_is_stored_as_zero() -> None:
    item = to_item({"long": -5.1968180165735174e-217, "tiny": 1e-131, "small": 1e-130})
    assert item["long"] == {"N": "0"}
    assert item["tiny"] == {"N": "0"}
    assert from_item(item)["small"] == 1e-130
