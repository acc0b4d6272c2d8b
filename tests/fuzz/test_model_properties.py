"""Properties of the models and parsers every intake goes through, on arbitrary input (hypothesis).

Whatever a client sends, parsing either succeeds or says what is wrong (InvalidInput or a pydantic
ValidationError, both answered as 400): never another exception, which would be a 500.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from civic311.catalog import load_catalog
from civic311.channels.open311 import models as wire
from civic311.channels.open311.formats import to_json, to_xml
from civic311.channels.open311.forms import parse_form
from civic311.errors import InvalidInput
from civic311.models.cases import Contact, Place
from civic311.triage import triage

CATALOG = load_catalog()
CODES = [service.service_code for service in CATALOG.services]
FORM = "application/x-www-form-urlencoded"
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(max_size=300)
field_names = st.sampled_from(
    ["api_key", "service_code", "lat", "long", "address_string", "description", "phone", "email", "notify"]
)
attribute_keys = st.builds(lambda code, many: f"attribute[{code}]{'[]' if many else ''}", text, st.booleans())


@EXAMPLES
@given(st.lists(st.tuples(st.one_of(field_names, attribute_keys, text), text), max_size=12))
def test_a_form_body_parses_into_fields_or_is_refused_clearly(pairs: list[tuple[str, str]]) -> None:
    fields = parse_form(urlencode(pairs), FORM)
    for key, value in pairs:
        if value and not key.startswith("attribute["):
            assert key in fields
    with contextlib.suppress(ValidationError):
        wire.RequestForm.model_validate(fields)


@EXAMPLES
@given(st.text(max_size=500))
def test_any_body_text_is_parsed_or_refused_as_invalid_input(body: str) -> None:
    for content_type in (FORM, "application/json"):
        try:
            parsed: dict[str, Any] | str = parse_form(body, content_type)
        except InvalidInput as error:
            parsed = error.message
        # The fields, or a message saying what is wrong with the body.
        assert isinstance(parsed, dict) or "JSON" in parsed


@EXAMPLES
@given(st.recursive(st.none() | st.booleans() | st.floats() | text, lambda inner: st.lists(inner, max_size=4)))
def test_a_json_body_that_is_not_an_object_is_refused(value: Any) -> None:
    with pytest.raises(InvalidInput, match="must be an object"):
        parse_form(json.dumps(value), "application/json")


answers = st.dictionaries(text, st.one_of(text, st.lists(text, max_size=4)), max_size=5)


@EXAMPLES
@given(st.sampled_from(CODES), answers, st.booleans())
def test_attribute_answers_are_checked_or_refused_with_every_problem_named(
    code: str, given_answers: dict[str, str | list[str]], require: bool
) -> None:
    service = CATALOG.get(code)
    problems: list[str] = []
    checked: dict[str, str | list[str]] = {}
    try:
        checked = service.check_answers(given_answers, require=require)
    except InvalidInput as error:
        problems = error.details
    assert set(checked) <= {attribute.code for attribute in service.attributes}
    assert all("attribute[" in problem for problem in problems)
    assert problems or set(checked) <= set(given_answers)


@EXAMPLES
@given(
    st.one_of(st.none(), st.floats(allow_nan=True)),
    st.one_of(st.none(), st.floats(allow_nan=True)),
    st.one_of(st.none(), text),
    st.one_of(st.none(), text),
)
def test_a_place_is_somewhere_real_or_refused(
    lat: float | None, long: float | None, address: str | None, address_id: str | None
) -> None:
    try:
        place = Place(lat=lat, long=long, address=address, address_id=address_id)
    except ValidationError:
        return
    assert place.has_point or place.address or place.address_id
    if place.lat is not None:
        assert -90 <= place.lat <= 90
    if place.long is not None:
        assert -180 <= place.long <= 180


@EXAMPLES
@given(st.one_of(text, st.from_regex(r"\+?1?[ (]*520[) -]*\d{3}[ -]?\d{4}", fullmatch=True)), text)
def test_contact_details_are_normalised_or_refused(phone: str, email: str) -> None:
    try:
        contact = Contact(phone=phone)
    except ValidationError:
        pass
    else:
        assert contact.phone is None or contact.phone.startswith("+")
    with contextlib.suppress(ValidationError):
        Contact(email=email)


xml_text = st.text(max_size=200)


@EXAMPLES
@given(xml_text, xml_text, st.floats(min_value=-90, max_value=90), st.sampled_from(CODES))
def test_an_open311_answer_renders_as_xml_that_parses_back_to_the_same_fields(
    description: str, address: str, lat: float, code: str
) -> None:
    request = wire.ServiceRequest(
        service_request_id="1234567890",
        status="open",
        service_name=code,
        service_code=code,
        description=description,
        address=address,
        lat=lat,
        requested_datetime="2026-11-28T09:04:37-07:00",
        updated_datetime="2026-11-28T09:04:37-07:00",
    )
    document = ElementTree.fromstring(to_xml("service_requests", "request", [request]))
    [element] = document.findall("request")
    assert element.findtext("service_code") == code
    assert float(element.findtext("lat") or "nan") == lat
    for name, sent in (("description", description), ("address", address)):
        # XML 1.0 cannot carry most control characters; everything else comes back as sent.
        assert (element.findtext(name) or "") == _xml_safe(sent).replace("\r\n", "\n").replace("\r", "\n")
    assert json.loads(to_json([request]))[0]["description"] == description


def _xml_safe(value: str) -> str:
    return "".join(
        c for c in value if c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) > 0xFFFF
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=1000), st.sampled_from([None, "en", "es", "fr", ""]))
def test_triage_never_raises_and_always_names_a_catalog_code(description: str, language: str | None) -> None:
    result = triage(description, language)
    assert result.service_code in CODES
    assert result.language in ("en", "es")
    assert isinstance(result.emergency, bool)
