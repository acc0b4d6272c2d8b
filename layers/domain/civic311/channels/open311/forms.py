"""Reading Open311 input: the format a route names, form or JSON bodies, and validation messages."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ValidationError

from civic311.channels.http import NESTED_TOO_DEEPLY
from civic311.channels.open311.models import Format
from civic311.errors import InvalidInput

# The resident's tracking secret travels in a header: URLs end up in logs and browser history.
TRACKING_HEADER = "X-Request-Token"
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def check_format(fmt: str) -> Format:
    """The format a route's `.<fmt>` suffix names; anything but json or xml is a 400."""
    if fmt not in ("json", "xml"):
        raise InvalidInput(f"unsupported format '.{fmt}': use .json or .xml")
    return "xml" if fmt == "xml" else "json"


def parse_form(body: str, content_type: str) -> dict[str, Any]:
    """Form-encoded (the spec) or JSON body into RequestForm fields; attribute[...] keys are gathered."""
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body or "{}")
        except json.JSONDecodeError as error:
            raise InvalidInput(f"body is not valid JSON: {error.msg} at position {error.pos}") from None
        except RecursionError:
            raise InvalidInput(NESTED_TOO_DEEPLY) from None
        if not isinstance(data, dict):
            raise InvalidInput("JSON body must be an object")
        return data
    fields: dict[str, Any] = {}
    attributes: dict[str, str | list[str]] = {}
    for key, value in parse_qsl(body or "", keep_blank_values=True):
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            code, many = match.group(1), match.group(2)
            if many:
                existing = attributes.get(code, [])
                attributes[code] = [*(existing if isinstance(existing, list) else [existing]), value]
            else:
                attributes[code] = value
        elif value != "":
            # The spec: an optional parameter sent empty means the same as not sent.
            fields[key] = value
    if attributes:
        fields["attribute"] = attributes
    return fields


def validation_messages(error: ValidationError) -> list[str]:
    """Pydantic's complaints as `field: problem` lines (its messages, never the input)."""
    messages = []
    for detail in error.errors():
        location = ".".join(str(part) for part in detail["loc"])
        text = detail["msg"].removeprefix("Value error, ")
        messages.append(f"{location}: {text}" if location else text)
    return messages
