"""The gateway's routes, authorizers and throttles come from the REST API the SAM transform writes, and match the
template as written: each function's Api events, the Api's Auth and its MethodSettings."""

from __future__ import annotations

from typing import Any

from tests.support import InProcessStack


def written_api_events(stack: InProcessStack) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, function logical id, Auth) of every Api event of template.yaml as written."""
    events = []
    for logical_id, resource in stack.provisioner.template.body["Resources"].items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event["Type"] == "Api":
                properties = event["Properties"]
                events.append(
                    (properties["Method"].upper(), properties["Path"], logical_id, properties.get("Auth", {}))
                )
    return events


def test_every_api_event_is_a_route_to_its_function_and_nothing_else_is(stack: InProcessStack) -> None:
    routes = {(route.method, route.path): route.function_name for route in stack.provisioner.routes}
    written = written_api_events(stack)
    assert written
    assert routes == {(method, path): stack.function(logical_id) for method, path, logical_id, _ in written}


def test_a_route_has_the_authorizer_and_api_key_requirement_its_event_names(stack: InProcessStack) -> None:
    routes = {(route.method, route.path): route for route in stack.provisioner.routes}
    for method, path, _, auth in written_api_events(stack):
        route = routes[(method, path)]
        assert route.authorizer == auth.get("Authorizer"), (method, path)
        assert route.api_key_required is bool(auth.get("ApiKeyRequired", False)), (method, path)


def test_the_staff_authorizer_trusts_the_staff_user_pool(stack: InProcessStack) -> None:
    authorizers = stack.provisioner.authorizers
    assert set(authorizers) == {"StaffAuthorizer"}
    assert authorizers["StaffAuthorizer"].user_pool_id == stack.provisioner.ref("StaffUserPool")


def test_the_stages_method_settings_are_the_gateways_throttles(stack: InProcessStack) -> None:
    written = stack.provisioner.template.body["Resources"]["Api"]["Properties"]["MethodSettings"]
    rows = {(row.resource_path, row.http_method) for row in stack.provisioner.throttles.rows}
    assert len(rows) == len(written)
    assert ("/v1/triage", "POST") in rows
    assert ("/*", "*") in rows
    # The API's THROTTLED gateway response: 429 with Retry-After.
    assert stack.provisioner.throttles.throttled_status == 429
    assert ("Retry-After", "1") in stack.provisioner.throttles.throttled_headers
