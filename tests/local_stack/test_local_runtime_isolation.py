"""The in-process Lambda runtime keeps overlapping invocations apart, as Lambda's execution environments do.

powertools keeps the API event being resolved on a class shared by the whole process; two invocations resolving
at once must still each read their own event (one client's POST was once answered with another's request).
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from local_stack import router_isolation
from tests.support import api_event


def test_powertools_still_keeps_the_resolved_event_where_the_isolation_expects_it() -> None:
    router_isolation.check_seam()


def test_two_invocations_resolving_at_once_each_read_their_own_event() -> None:
    router_isolation.install()
    app = APIGatewayRestResolver()
    both_resolving = threading.Barrier(2, timeout=10)

    @app.get("/echo/<name>")
    def echo(name: str) -> dict[str, Any]:
        # Both invocations have set their event before either reads it back.
        both_resolving.wait()
        return {"path_name": name, "event_path": app.current_event.path, "header": app.current_event.headers["x-n"]}

    def call(name: str) -> dict[str, Any]:
        answer = app.resolve(api_event("GET", f"/echo/{name}", headers={"X-N": name}), {})
        assert answer["statusCode"] == 200, answer
        body: dict[str, Any] = json.loads(answer["body"])
        return body

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(call, ["first", "second"])
    assert first == {"path_name": "first", "event_path": "/echo/first", "header": "first"}
    assert second == {"path_name": "second", "event_path": "/echo/second", "header": "second"}
