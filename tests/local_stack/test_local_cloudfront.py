"""The template's CloudFront distribution, as the local gateway reads it: which paths go to the API and which
are pages. A route of the API that the distribution does not forward is unreachable from the pages' own origin
(CloudFront would ask the bucket for it), so every route is checked, and a new one is covered the day it is added."""

from __future__ import annotations

import re

from tests.support import InProcessStack, api_routes

# Served at the API's own URL (ApiUrl) only: the pages never fetch the API's description.
NOT_FORWARDED = {"/openapi.json", "/swagger"}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\+\}", "a/b", re.sub(r"\{[^}+]+\}", "0000000001", path))


def test_cloudfront_forwards_every_route_of_the_api_but_its_description(stack: InProcessStack) -> None:
    web = stack.provisioner.web
    assert web is not None
    routes = {path for _, path, _ in api_routes(stack.provisioner.template)}
    assert {path for path in routes if not web.to_api(concrete(path))} == NOT_FORWARDED


def test_the_hsds_api_reaches_the_api_through_cloudfront_and_its_neighbours_stay_pages(stack: InProcessStack) -> None:
    web = stack.provisioner.web
    assert web is not None
    for path in ("/hsds", "/hsds/services", "/hsds/services/svc-1", "/hsds/organizations/org-1"):
        assert web.to_api(path), path
        assert not web.covers(path), path
    # The root's own pattern is exact: a page whose name starts with "hsds" is still a page.
    for path in ("/hsds.html", "/hsdsguide/", "/HSDS/services"):
        assert web.covers(path), path
