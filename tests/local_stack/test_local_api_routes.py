"""The gateway's routes, authorizers and throttles come from the REST API the SAM transform writes, and match the
template as written: each function's Api events, the Api's Auth and its MethodSettings."""

from __future__ import annotations

from typing import Any

from local_stack.provisioning.records import Route
from tests.support import InProcessStack


def written_api_events(stack: InProcessStack) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(REST API, method, path, function logical id, Auth) of every Api event of template.yaml as written."""
    events = []
    for logical_id, resource in stack.provisioner.template.body["Resources"].items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event["Type"] == "Api":
                properties = event["Properties"]
                api = properties["RestApiId"]["Ref"]
                method, path, auth = properties["Method"].upper(), properties["Path"], properties.get("Auth", {})
                events.append((api, method, path, logical_id, auth))
    return events


def served_routes(stack: InProcessStack) -> dict[tuple[str, str, str], Route]:
    """Every route the local gateways serve, by (REST API logical id, method, path)."""
    return {
        (api.logical_id, route.method, route.path): route
        for api in stack.provisioner.apis.values()
        for route in api.routes
    }


def test_every_api_event_is_a_route_to_its_function_on_its_api_and_nothing_else_is(stack: InProcessStack) -> None:
    routes = {where: route.function_name for where, route in served_routes(stack).items()}
    written = written_api_events(stack)
    assert {api for api, *_ in written} == {"Api", "DispatchApi"}
    assert routes == {(api, method, path): stack.function(logical_id) for api, method, path, logical_id, _ in written}


def test_a_route_has_the_authorizer_and_api_key_requirement_its_event_names(stack: InProcessStack) -> None:
    routes = served_routes(stack)
    for api, method, path, _, auth in written_api_events(stack):
        route = routes[(api, method, path)]
        assert route.authorizer == auth.get("Authorizer"), (method, path)
        assert route.api_key_required is bool(auth.get("ApiKeyRequired", False)), (method, path)


def test_the_stacks_own_api_serves_no_dispatch_route_and_the_dispatch_api_nothing_else(stack: InProcessStack) -> None:
    assert not [route for route in stack.provisioner.routes if route.path.startswith("/dispatch/")]
    [dispatch] = stack.provisioner.other_apis
    assert dispatch.logical_id == "DispatchApi"
    assert [(route.method, route.path, route.api_key_required) for route in dispatch.routes] == [
        ("POST", "/dispatch/v1/requests/{service_request_id}/acknowledge", True)
    ]
    # Its own stage's throttles, answered with its own gateway responses.
    assert {(row.resource_path, row.http_method) for row in dispatch.throttles.rows} == {("/*", "*")}
    assert ("Retry-After", "1") in dispatch.throttles.throttled_headers


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
