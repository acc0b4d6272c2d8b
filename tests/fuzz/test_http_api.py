"""Fuzzing the HTTP API on the running local stack: no operation answers a server error, whatever it is sent.

schemathesis generates requests for every operation of /openapi.json (valid and invalid ones), signed in as
the demo staff member and with the demo api_key, and checks each answer: never a 5xx, and a documented
status answers in its documented schema. The Open311 POST body is form fields the document cannot
describe, so hypothesis generates those separately.
"""

from __future__ import annotations

from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from civic311.catalog import load_catalog
from civic311.channels.openapi import openapi_document
from tests.integration.conftest import RunningStack

# The document the stack serves at /openapi.json, built the way DocsFunction builds it (checked below).
schema = schemathesis.openapi.from_dict(openapi_document(server_url="/"))

EXAMPLES_PER_OPERATION = 25
OPEN311_POST = "/open311/v2/requests.{fmt}"


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case: Any, fuzz_stack: RunningStack) -> None:
    if case.method == "POST" and case.path == OPEN311_POST and isinstance(case.body, dict):
        case.body = {**case.body, "api_key": fuzz_stack.api_key}
    headers = {"Authorization": f"Bearer {fuzz_stack.info['staff_token']}"}
    response = case.call(base_url=fuzz_stack.api, headers=headers, timeout=60)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


def test_the_stack_serves_the_document_the_fuzzer_reads(fuzz_stack: RunningStack) -> None:
    served = requests.get(f"{fuzz_stack.api}/openapi.json", timeout=30).json()
    assert served["paths"] == schema.raw_schema["paths"]
    assert served["components"] == schema.raw_schema["components"]


CODES = [service.service_code for service in load_catalog().services]
maybe_text = st.one_of(st.none(), st.text(max_size=80))
form_fields = st.fixed_dictionaries(
    {"service_code": st.one_of(st.sampled_from(CODES), st.text(max_size=20))},
    optional={
        "lat": st.one_of(st.floats(allow_nan=True).map(str), st.text(max_size=12)),
        "long": st.one_of(st.floats(allow_nan=True).map(str), st.text(max_size=12)),
        "address_string": st.text(max_size=120),
        "address_id": st.text(max_size=40),
        "description": st.text(max_size=600),
        "email": st.text(max_size=60),
        "phone": st.one_of(st.text(max_size=20), st.from_regex(r"\(520\) \d{3}-\d{4}", fullmatch=True)),
        "first_name": st.text(max_size=40),
        "media_url": st.text(max_size=80),
        "notify": st.sampled_from(["true", "false", "yes", "", "2"]),
        "jurisdiction_id": st.text(max_size=20),
        "attribute[size]": st.text(max_size=20),
        "attribute[items][]": st.text(max_size=20),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(fields=form_fields, fmt=st.sampled_from(["json", "xml"]))
def test_an_open311_post_with_any_form_fields_is_accepted_or_refused_clearly(
    fuzz_stack: RunningStack, fields: dict[str, str], fmt: str
) -> None:
    answer = requests.post(
        f"{fuzz_stack.api}/open311/v2/requests.{fmt}",
        data={**fields, "api_key": fuzz_stack.api_key},
        timeout=60,
    )
    assert answer.status_code < 500, answer.text
    if answer.status_code != 200:
        assert answer.status_code in (400, 404), answer.text
        assert "<description>" in answer.text if fmt == "xml" else answer.json()[0]["description"]
