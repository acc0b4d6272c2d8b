"""What channels/http.py relies on in powertools beyond its documented API, checked so an upgrade cannot move it
unnoticed: the private route compiler RestApi overrides, and the order that puts request validation (which reads
the body) before every route middleware."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from pydantic import BaseModel

from civic311.channels.http import RestApi, check_route_compiler, install_error_handling
from tests.support import api_event


class Note(BaseModel):
    text: str


def _app() -> RestApi:
    app = RestApi(enable_validation=True)
    install_error_handling(app)

    @app.get("/things/<name>.<fmt>")
    def thing(name: str, fmt: str) -> dict[str, str]:
        return {"name": name, "fmt": fmt}

    @app.post("/notes")
    def note(body: Note) -> dict[str, str]:
        return {"text": body.text}

    @app.post("/broken")
    def broken() -> dict[str, str]:
        raise ValueError("a bug of ours, not the caller's body")

    return app


def _call(app: RestApi, event: dict[str, Any]) -> tuple[int, Any]:
    answer = app.resolve(event, None)  # type: ignore[arg-type]
    return answer["statusCode"], json.loads(answer["body"])


def test_a_dot_in_a_route_is_a_literal_dot_through_the_public_resolver() -> None:
    # Powertools' own rule reads 'a.b.json' as name 'a.b.js', format 'n'; ours splits at the last dot.
    status, body = _call(_app(), api_event("GET", "/things/a.b.json"))
    assert status == 200
    assert body == {"name": "a.b", "fmt": "json"}


def test_powertools_route_compiler_keeps_the_shape_restapi_overrides() -> None:
    check_route_compiler()
    method = APIGatewayRestResolver._compile_regex
    assert method("/x/<name>", "^{}$").match("/x/pothole.json") is not None


def test_a_route_compiler_that_moved_fails_at_import_rather_than_misrouting() -> None:
    class Moved(APIGatewayRestResolver):
        @staticmethod
        def _compile_regex(rule: str) -> Any:  # type: ignore[override]
            return rule

    with pytest.raises(RuntimeError, match="_compile_regex moved or changed shape"):
        check_route_compiler(Moved)

    class Gone:
        pass

    with pytest.raises(RuntimeError, match="moved or changed shape"):
        check_route_compiler(Gone)


def test_a_body_powertools_cannot_read_before_the_route_is_a_400() -> None:
    # Validation reads the body before any route middleware: bytes that are not UTF-8 fail there.
    event = api_event("POST", "/notes", body="tWIoHjE=", headers={"Content-Type": "application/json"})
    event["isBase64Encoded"] = True
    status, body = _call(_app(), event)
    assert status == 400
    assert body["message"].startswith("the body cannot be read as its Content-Type says")


def test_json_nested_too_deeply_for_the_parser_is_a_400_saying_so() -> None:
    body = "[" * 100_000 + "]" * 100_000
    status, answer = _call(_app(), api_event("POST", "/notes", body=body, headers={"Content-Type": "application/json"}))
    assert status == 400
    assert "nested too deeply" in answer["message"]


def test_a_value_error_raised_by_the_route_itself_stays_a_500() -> None:
    status, body = _call(_app(), api_event("POST", "/broken", body="{}", headers={"Content-Type": "application/json"}))
    assert status == 500
    assert "internal error" in body["message"]


def test_a_readable_body_reaches_the_route() -> None:
    event = api_event("POST", "/notes", body='{"text": "hi"}', headers={"Content-Type": "application/json"})
    assert _call(_app(), event) == (200, {"text": "hi"})


def test_the_route_marker_runs_after_validation_for_routes_included_from_routers() -> None:
    # The marker is a resolver middleware; routes of included routers must run it too, or their own errors
    # would be mistaken for unreadable bodies.
    from aws_lambda_powertools.event_handler.api_gateway import Router

    app = RestApi(enable_validation=True)
    install_error_handling(app)
    router = Router()  # type: ignore[no-untyped-call]

    @router.post("/routed")
    def routed() -> Response[str]:
        raise ValueError("ours")

    app.include_router(router)
    status, _ = _call(app, api_event("POST", "/routed", body="{}", headers={"Content-Type": "application/json"}))
    assert status == 500
