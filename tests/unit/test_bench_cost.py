"""`make bench` prices every request it counts, logs included, and never prices one it does not know at nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest

from tests.bench.metering import LogMeter, access_log_line, lambda_log_lines
from tests.bench.prices import Usage, bill


def test_one_reverse_geocode_alone_costs_the_whole_target_of_a_call() -> None:
    charged = bill(Usage(operations=Counter({"geo.SearchPlaceIndexForPosition": 1})))
    assert charged.total == pytest.approx(0.0005)
    assert charged.unpriced == []


def test_kms_requests_are_priced_at_three_cents_per_ten_thousand() -> None:
    charged = bill(Usage(operations=Counter({"kms.Encrypt": 4_000, "kms.Decrypt": 6_000})))
    assert charged.total == pytest.approx(0.03)


def test_a_log_event_is_priced_with_the_26_bytes_cloudwatch_adds_to_it() -> None:
    # A million events of 974 bytes are one GB ingested once each event's overhead is added: $0.50.
    charged = bill(Usage(log_events=1_000_000, log_bytes=974_000_000))
    assert charged.total == pytest.approx(0.50)


def test_a_request_the_table_cannot_price_is_named_rather_than_priced_at_nothing() -> None:
    charged = bill(Usage(operations=Counter({"sms.Publish": 1, "states.StartExecution": 1, "dynamodb.PutItem": 1})))
    assert charged.unpriced == ["sms.Publish"]
    assert charged.total == 0


def test_the_log_meter_counts_each_json_line_once_however_it_is_written() -> None:
    out = io.StringIO()
    meter = LogMeter(out)
    meter.write('{"level":"INFO",')
    meter.write('"message":"ok"}\n{"_aws":{}}\nnot a log event\n')
    assert meter.take() == (2, len('{"level":"INFO","message":"ok"}') + len('{"_aws":{}}'))
    assert meter.take() == (0, 0)
    assert out.getvalue().count("\n") == 3


def test_lambda_and_the_api_add_log_events_of_their_own_to_every_call() -> None:
    start, end, report = lambda_log_lines(0.0123, 1024)
    assert start.startswith("START RequestId: ")
    assert end.startswith("END RequestId: ")
    assert "Billed Duration: 13 ms" in report
    assert "Memory Size: 1024 MB" in report
    access = access_log_line()
    assert '"method":"POST"' in access
    assert "$context" not in access
