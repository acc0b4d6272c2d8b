"""Open311 XML follows the spec's element names; JSON drops the root and keeps lists as arrays."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from civic311.channels.open311 import models as wire
from civic311.channels.open311.formats import to_json, to_xml


def definition() -> wire.ServiceDefinition:
    return wire.ServiceDefinition(
        service_code="x",
        attributes=[
            wire.Attribute(
                variable=True,
                code="size",
                datatype="singlevaluelist",
                required=False,
                order=1,
                description="How big & deep?",
                values=[wire.AttributeValue(key="s", name="Small <1ft>")],
            )
        ],
    )


def test_nested_lists_become_containers_of_singular_elements() -> None:
    root = ElementTree.fromstring(to_xml("service_definition", None, definition()))
    assert root.findtext("attributes/attribute/values/value/key") == "s"
    assert root.findtext("attributes/attribute/required") == "false"
    assert root.findtext("attributes/attribute/datatype_description") == ""


def test_text_is_escaped_and_the_declaration_names_utf8() -> None:
    document = to_xml("service_definition", None, definition())
    assert document.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "How big &amp; deep?" in document
    assert "Small &lt;1ft&gt;" in document


def test_json_list_is_a_bare_array_and_a_definition_an_object() -> None:
    error = wire.Error(code=400, description="bad")
    assert json.loads(to_json([error])) == [{"code": 400, "description": "bad"}]
    assert json.loads(to_json(definition()))["service_code"] == "x"


def test_empty_list_is_an_empty_root() -> None:
    root = ElementTree.fromstring(to_xml("service_requests", "request", []))
    assert root.tag == "service_requests"
    assert list(root) == []
