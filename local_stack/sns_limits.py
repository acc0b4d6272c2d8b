"""The documented SNS limits moto 5.2.5 does not check: Subject characters, message attributes, E.164 numbers and
the message size counted with its attributes. Run inside moto's SNS handlers by aws_limits.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from moto.sns.exceptions import InvalidParameterValue
from moto.sns.responses import SNSResponse

SNS_PUBLISH = "https://docs.aws.amazon.com/sns/latest/api/API_Publish.html"
SNS_ATTRIBUTES = "https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html"
SNS_SMS = "https://docs.aws.amazon.com/sns/latest/dg/sms_publish-to-phone.html"

SNS_MAX_MESSAGE_BYTES = 262_144  # message and every attribute's name, type and value (SNS_PUBLISH)
# The page says "less than 100 characters", but SNS takes exactly 100 and AWS Config sends such subjects
# (getmoto/moto#1503); moto refuses 101 and more, so the length is not checked here again.
SNS_MAX_ATTRIBUTES = 10  # more are dropped for raw-delivery SQS subscribers such as dispatch (SNS_ATTRIBUTES)
SNS_MAX_ATTRIBUTE_NAME = 256  # characters (SNS_ATTRIBUTES)
SNS_MAX_ATTRIBUTE_TYPE = 256  # bytes (SNS_ATTRIBUTES)

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")  # (SNS_SMS)
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def subject_problem(subject: str) -> str | None:
    """Why SNS refuses this Subject: ASCII, starting with a letter, number or punctuation mark, no line breaks or
    control characters (SNS_PUBLISH)."""
    if not subject:
        return "Subject must not be empty"
    if any(not " " <= character <= "~" for character in subject):
        return "Subject must be printable ASCII, with no line breaks or control characters"
    if subject[0] == " ":
        return "Subject must begin with a letter, number or punctuation mark"
    return None


def _attribute_problem(name: str, attribute: dict[str, Any]) -> str | None:
    lowered = name.lower()
    if not 1 <= len(name) <= SNS_MAX_ATTRIBUTE_NAME or not _ATTRIBUTE_NAME.match(name):
        return f"message attribute name {name[:40]!r} must be 1 to 256 of A-Z a-z 0-9 _ - ."
    if name.startswith(".") or name.endswith(".") or ".." in name or lowered.startswith(("aws.", "amazon.")):
        return f"message attribute name {name[:40]!r} is reserved or has a misplaced period"
    data_type = str(attribute.get("DataType") or "")
    if len(data_type.encode("utf-8")) > SNS_MAX_ATTRIBUTE_TYPE:
        return f"message attribute {name!r} has a type longer than 256 bytes"
    value = attribute.get("StringValue")
    if data_type.split(".")[0] == "Number" and value is not None:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None  # moto refuses a value that is not a number
        digits = len("".join(map(str, number.as_tuple().digits)).strip("0"))
        if number and (digits > 38 or not Decimal("1e-128") <= abs(number) <= Decimal("1e126")):
            return f"message attribute {name!r}: numbers have up to 38 digits, between 10^-128 and 10^126"
    if data_type == "String.Array" and value is not None:
        try:
            parsed = json.loads(str(value))
        except ValueError:
            parsed = None
        if not isinstance(parsed, list):
            return f"message attribute {name!r}: a String.Array value must be a JSON array"
    return None


def _attribute_bytes(name: str, attribute: dict[str, Any]) -> int:
    value = attribute.get("StringValue")
    value_bytes = len(str(value).encode("utf-8")) if value is not None else len(attribute.get("BinaryValue") or b"")
    return len(name.encode("utf-8")) + len(str(attribute.get("DataType") or "").encode("utf-8")) + value_bytes


def sns_publish_problem(params: dict[str, Any]) -> str | None:
    """Why SNS refuses this Publish request, by the rules moto lacks (SNS_PUBLISH, SNS_ATTRIBUTES, SNS_SMS)."""
    subject = params.get("Subject")
    if subject is not None and (problem := subject_problem(str(subject))):
        return f"Invalid parameter: Subject ({problem})"
    phone = params.get("PhoneNumber")
    if phone is not None and not _E164.match(str(phone)):
        return "Invalid parameter: PhoneNumber (must be E.164: + and up to 15 digits)"
    attributes: dict[str, Any] = params.get("MessageAttributes") or {}
    if len(attributes) > SNS_MAX_ATTRIBUTES:
        return f"Invalid parameter: MessageAttributes (at most {SNS_MAX_ATTRIBUTES}, got {len(attributes)})"
    for name, attribute in attributes.items():
        if problem := _attribute_problem(str(name), attribute):
            return f"Invalid parameter: MessageAttributes ({problem})"
    size = len(str(params.get("Message") or "").encode("utf-8"))
    size += sum(_attribute_bytes(str(name), attribute) for name, attribute in attributes.items())
    if size > SNS_MAX_MESSAGE_BYTES:
        return f"Invalid parameter: Message too long ({size} bytes with attributes, at most {SNS_MAX_MESSAGE_BYTES})"
    return None


def sns_subscribe_problem(params: dict[str, Any]) -> str | None:
    """SMS subscriptions need an E.164 number; moto accepts one without its + (SNS_SMS)."""
    if str(params.get("Protocol", "")).lower() == "sms" and not _E164.match(str(params.get("Endpoint", ""))):
        return "Invalid parameter: Endpoint (an SMS endpoint must be E.164: + and up to 15 digits)"
    return None


def _sns(check: Callable[[dict[str, Any]], str | None]) -> Callable[[dict[str, Any]], None]:
    def enforce(params: dict[str, Any]) -> None:
        if problem := check(params):
            raise InvalidParameterValue(problem)  # InvalidParameter, HTTP 400

    return enforce


# The moto handlers these rules run in front of, installed by aws_limits.py.
RULES: tuple[tuple[type, str, Callable[[dict[str, Any]], None]], ...] = (
    (SNSResponse, "publish", _sns(sns_publish_problem)),
    (SNSResponse, "subscribe", _sns(sns_subscribe_problem)),
)
