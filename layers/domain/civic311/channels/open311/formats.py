"""Renders Open311 answers as JSON or XML (the spec's element names; lists wrap singular children)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from typing import Any
from xml.etree import ElementTree

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

from civic311.channels.open311.models import Format

CONTENT_TYPES: dict[Format, str] = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}

# In XML a list field becomes a container of singular elements: <attributes><attribute>…
_SINGULAR = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}


# XML 1.0 cannot carry most control characters (nor lone surrogates); text holding one is sent without it,
# so every client can still parse the document. JSON answers carry the text unchanged.
# Compiled with the first XML answer: the class spans most of Unicode and took ~5 ms of every cold start.
@cache
def _not_xml() -> re.Pattern[str]:
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _not_xml().sub("", str(value))


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if value is None:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        child_name = _SINGULAR.get(name, "item")
        for inner in value:
            _append(element, child_name, inner)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str | None, payload: BaseModel | Sequence[BaseModel]) -> str:
    """XML document with declaration; a list payload becomes <root><item>…</item>…</root>."""
    document = ElementTree.Element(root)
    if isinstance(payload, BaseModel):
        for key, value in payload.model_dump(mode="json").items():
            _append(document, key, value)
    else:
        for model in payload:
            _append(document, item or "item", model.model_dump(mode="json"))
    body = ElementTree.tostring(document, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}'


def to_json(payload: BaseModel | Sequence[BaseModel]) -> str:
    if isinstance(payload, BaseModel):
        return payload.model_dump_json()
    return json.dumps([model.model_dump(mode="json") for model in payload], ensure_ascii=False)


def respond(
    fmt: Format,
    payload: BaseModel | Sequence[BaseModel],
    *,
    root: str,
    item: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    """An HTTP answer in the asked format."""
    body = to_xml(root, item, payload) if fmt == "xml" else to_json(payload)
    return Response(status_code=status_code, content_type=CONTENT_TYPES[fmt], body=body)
