"""Structured logs that never carry a caller's contact details.

Every function builds its logger here. A filter on the logger's handler sees every record, including
those of domain modules' child loggers, and masks personal data both by field name and by shape
(emails, and phone numbers written with a + or separators; a bare 10-digit run is a request id).
The filter runs before formatting, so the handler's formatter masks the finished line again: the exception
text and stack trace it formats from a record's exc_info are only made there.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

REDACTED = "[redacted]"
SENSITIVE_FIELDS = frozenset(
    {
        "phone",
        "email",
        "callback_number",
        "first_name",
        "last_name",
        "contact",
        "device_id",
        "account_id",
        "address",  # an Address field of a Connect event is the caller's number
    }
)
_EMAIL = re.compile(r"[^\s@\"'<>(),;:]+@[^\s@\"'<>(),;:]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+\d{8,15}\b|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def scrub(value: Any) -> Any:
    """The value with personal data masked, walking dicts and lists."""
    if isinstance(value, str):
        return _PHONE.sub(REDACTED, _EMAIL.sub(REDACTED, value))
    if isinstance(value, dict):
        return {key: REDACTED if str(key).lower() in SENSITIVE_FIELDS else scrub(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(inner) for inner in value]
    if isinstance(value, BaseException):
        # An exception's text is whatever its raiser put in it: a caller's number, a validation error's input.
        return scrub(str(value))
    return value


class RedactPersonalData(logging.Filter):
    """Masks contact details in a record's message, arguments and extra fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if record.args:
            record.args = tuple(scrub(arg) for arg in record.args) if isinstance(record.args, tuple) else record.args
        for name, value in list(vars(record).items()):
            if name in _STANDARD:
                continue
            setattr(record, name, REDACTED if name.lower() in SENSITIVE_FIELDS else scrub(value))
        return True


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Masks the finished line: what the formatter adds from an exception (`exception`, `stack_trace`) too."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        return super().serialize(scrub(log))


def function_logger() -> Logger:
    """The function's powertools logger, with personal data masked from every line it writes."""
    logger = Logger(logger_formatter=RedactingFormatter())
    handler = logger.registered_handler
    if not any(isinstance(existing, RedactPersonalData) for existing in handler.filters):
        handler.addFilter(RedactPersonalData())
    return logger
