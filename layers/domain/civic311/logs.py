"""Structured logs that never carry a caller's contact details.

Every function builds its logger here. A filter on the logger's handler sees every record, including
those of domain modules' child loggers, and masks personal data both by field name and by shape
(emails, and phone numbers written with a + or separators; a bare 10-digit run is a request id).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aws_lambda_powertools import Logger

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


def function_logger() -> Logger:
    """The function's powertools logger, with personal data masked from every line it writes."""
    logger = Logger()
    handler = logger.registered_handler
    if not any(isinstance(existing, RedactPersonalData) for existing in handler.filters):
        handler.addFilter(RedactPersonalData())
    return logger
