"""The OpenAPI document for the whole HTTP API, generated from every channel's routes and models.

DocsFunction serves a copy written by `make openapi` (functions/docs/openapi.json) rather than generating
it: generation imports every route, model and powertools' OpenAPI models. A unit test keeps the copy
equal to what this module generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import Server
from pydantic import BaseModel

from civic311.channels.hsds import routes as hsds
from civic311.channels.http import RestApi
from civic311.channels.open311 import models as open311_wire
from civic311.channels.open311.context import Open311Context
from civic311.channels.open311.routes import PREFIX as OPEN311_PREFIX
from civic311.channels.open311.routes import build_router as open311_router
from civic311.channels.v1 import (
    cad,
    escalations,
    feedback,
    gaps,
    provider_referrals,
    referrals,
    requests,
    reviews,
    shelters,
    stats,
    supporters,
    triage,
)
from civic311.channels.v1.public_wiring import PublicWiring
from civic311.channels.v1.staff_wiring import StaffWiring
from civic311.settings import HsdsApiSettings, Open311Settings, PublicApiSettings, StaffApiSettings

TITLE = "civic311 API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Tucson 311 non-emergency services. Open311 GeoReport v2 at /open311/v2/ (JSON and XML), with `api_key` as "
    "a form field as the spec has it; the same routes at /open311/keyed/v2/ take the key in the X-API-Key header "
    "instead, where API Gateway meters it by your usage plan (403 Forbidden for a missing or unknown key, 429 "
    "with Retry-After over its rate or daily quota). Referrals and staff routes (Cognito ID token as a bearer "
    "token) under /v1/. The resource directory in Open Referral HSDS 3.1 at /hsds/ (read-only, public; Open "
    "Referral's own API definition: https://github.com/openreferral/specification/blob/3.1-dev/schema/openapi.json). "
    "If someone is in danger right now, call 911."
)
# The key of the keyed door: the same key an Open311 client sends as `api_key`, issued into a usage plan.
KEY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "X-API-Key",
    "description": (
        "Your Open311 key, at /open311/keyed/v2/ only: API Gateway checks it against your usage plan before "
        "the request is handled. At /open311/v2/ send it as the `api_key` form field."
    ),
}

# The CAD door's key: one per 911 answering point, in the dispatch usage plan, valid on the dispatch API only.
DISPATCH_KEY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "X-API-Key",
    "description": (
        "An answering point's dispatch key, on the dispatch API (its own host) only: API Gateway refuses any other "
        "key, and a missing one, with 403 Forbidden."
    ),
}
CAD_PATH = cad.PATH.replace("<service_request_id>", "{service_request_id}")


def documented_app() -> RestApi:
    """A resolver holding every route of the API, used only to describe it."""
    open311 = Open311Context(_unset(Open311Settings))
    public = PublicWiring(_unset(PublicApiSettings))
    staff = StaffWiring(_unset(StaffApiSettings))
    app = RestApi(enable_validation=True)
    app.include_router(open311_router(open311))
    app.include_router(referrals.build_router(public))
    app.include_router(shelters.build_router(staff))
    app.include_router(gaps.build_router(staff))
    app.include_router(triage.build_router(public))
    app.include_router(stats.build_router(public))
    app.include_router(supporters.build_router(public))
    app.include_router(feedback.build_router(public))
    app.include_router(escalations.build_router(staff))
    app.include_router(requests.build_router(staff))
    app.include_router(reviews.build_router(staff))
    app.include_router(provider_referrals.build_router(staff))
    app.include_router(cad.build_router(staff))
    app.include_router(hsds.build_router(hsds.HsdsContext(_unset(HsdsApiSettings))))
    return app


def _unset[S: BaseModel](settings: type[S]) -> S:
    # The routes are only described, never called: their wirings hold settings without values (model_construct
    # validates nothing), so no AWS setting is needed here, and a part built by mistake raises AttributeError
    # on the first setting it reads.
    return settings.model_construct()


def _form_body(operation: dict[str, Any], components: dict[str, Any]) -> None:
    # Open311 POST bodies are parsed by hand (empty fields mean absent, attribute[code] keys),
    # so the body schema is added here from the same pydantic model.
    schema = open311_wire.RequestForm.model_json_schema(ref_template="#/components/schemas/{model}")
    components.setdefault("schemas", {})["Open311RequestForm"] = {
        key: value for key, value in schema.items() if key != "$defs"
    }
    reference = {"$ref": "#/components/schemas/Open311RequestForm"}
    operation["requestBody"] = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": reference},
            "application/json": {"schema": reference},
        },
    }
    _idempotency_key(operation)


def _idempotency_key(operation: dict[str, Any]) -> None:
    # Read from the headers by hand (a header parameter would make every request declare it), so stated here.
    operation.setdefault("parameters", []).append(
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": (
                "Retries with the same key create one request: for 24 hours the same key with the same request is "
                "answered with the first answer again (same id, same token), and with a different request (service "
                "code, place, description, answers or media) it is refused with 422."
            ),
            "schema": {"type": "string", "minLength": 1, "maxLength": 128},
        }
    )


def openapi_document(server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI 3 document as a dict."""
    app = documented_app()
    document: dict[str, Any] = app.get_openapi_schema(
        title=TITLE, version=VERSION, description=DESCRIPTION, servers=[Server(url=server_url)]
    ).model_dump(mode="json", by_alias=True, exclude_none=True)
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})["Open311ApiKey"] = KEY_SCHEME
    post = document["paths"].get(f"{OPEN311_PREFIX}/requests.{{fmt}}", {}).get("post")
    if post is not None:
        _form_body(post, components)
    # The CAD door is on the dispatch API's own host (stack output DispatchApiUrl), with an answering point's key.
    components["securitySchemes"]["DispatchApiKey"] = DISPATCH_KEY_SCHEME
    for operation in document["paths"].get(CAD_PATH, {}).values():
        operation["security"] = [{"DispatchApiKey": []}]
    diversion = document["paths"].get("/v1/diversions", {}).get("post")
    if diversion is not None:
        _idempotency_key(diversion)
    return document


def main() -> None:
    """Write the document DocsFunction serves: python -m civic311.channels.openapi functions/docs/openapi.json"""
    text = json.dumps(openapi_document(), indent=1, ensure_ascii=False) + "\n"
    Path(sys.argv[1]).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
