"""Log lines never carry a caller's contact details, whatever shape they arrive in."""

from __future__ import annotations

import json

import pytest

from civic311.logs import REDACTED, function_logger, scrub


def test_emails_and_phone_numbers_are_masked_but_request_ids_stay() -> None:
    text = "call back +15205550123 or (520) 555-0199 or 520.555.0100, mail ana@example.org about 5203318842"
    assert scrub(text) == f"call back {REDACTED} or {REDACTED} or {REDACTED}, mail {REDACTED} about 5203318842"


def test_sensitive_fields_are_masked_wherever_they_nest() -> None:
    event = {
        "Details": {"ContactData": {"CustomerEndpoint": {"Address": "+15205550123", "Type": "TELEPHONE_NUMBER"}}},
        "contact": {"email": "x@example.org"},
        "service_request_id": "5203318842",
    }
    masked = scrub(event)
    assert masked["Details"]["ContactData"]["CustomerEndpoint"]["Address"] == REDACTED
    assert masked["contact"] == REDACTED
    assert masked["service_request_id"] == "5203318842"


def test_a_function_logger_masks_messages_and_extras(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A service of its own: a logger is set up once per service, writing to the stdout of that moment, and another
    # test module in this process may have set up the default service's already.
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "masking-messages")
    logger = function_logger()
    logger.info(
        "caller ana@example.org",
        extra={"phone": "520-555-0123", "note": "ring +15205550123", "service_request_id": "5203318842"},
    )
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["message"] == f"caller {REDACTED}"
    assert line["phone"] == REDACTED
    assert line["note"] == f"ring {REDACTED}"
    assert line["service_request_id"] == "5203318842"


def test_exception_text_and_stack_trace_are_masked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A service of its own: a logger is set up once per service, writing to the stdout of that moment.
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "masking-exceptions")
    logger = function_logger()

    def notify(caller: str, email: str) -> None:
        raise ValueError(f"could not text {caller} or mail {email}")

    try:
        try:
            notify("+15205550123", "ana.ruiz@example.org")
        except ValueError as error:
            raise RuntimeError(f"notification failed for {error}") from error
    except RuntimeError:
        logger.exception("notification failed")
    output = capsys.readouterr().out.strip().splitlines()[-1]
    line = json.loads(output)
    assert "+15205550123" not in output
    assert "ana.ruiz@example.org" not in output
    assert f"could not text {REDACTED} or mail {REDACTED}" in line["exception"]
    assert line["stack_trace"]["value"] == f"notification failed for could not text {REDACTED} or mail {REDACTED}"
    assert line["stack_trace"]["frames"]
    assert line["exception_name"] == "RuntimeError"
    assert "service" in line
