"""Which 911 answering point a dispatch key belongs to, read from API Gateway where the key lives.

A CAD's key is an API Gateway key named `dispatch:<answering point id>`, in the dispatch usage plan only. API
Gateway already refused any key outside the dispatch API's stage; this is the function's own check, so that a
route mapped by mistake, or a partner key added to the wrong plan by hand, still cannot acknowledge a 911 alert.
"""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

from civic311 import aws

KEY_NAME_PREFIX = "dispatch:"
# An answering point's id, as the key command accepts it: what the key's name and the request's history carry.
ANSWERING_POINT_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


class DispatchKeys:
    """Dispatch keys of one stack: members of the usage plan named `plan_name`."""

    def __init__(self, plan_name: str) -> None:
        self.plan_name = plan_name

    def answering_point(self, key_id: str) -> str | None:
        """The answering point whose key this is; None for a key outside the dispatch plan or not named for one."""
        client = aws.apigateway()
        try:
            plans = [
                plan
                for page in client.get_paginator("get_usage_plans").paginate(keyId=key_id)
                for plan in page.get("items", [])
            ]
            if not any(plan.get("name") == self.plan_name for plan in plans):
                return None
            name = str(client.get_api_key(apiKey=key_id).get("name", ""))
        except ClientError as error:
            if error.response["Error"]["Code"] == "NotFoundException":
                return None  # deleted (revoked) since API Gateway let the request in
            raise
        point = name.removeprefix(KEY_NAME_PREFIX)
        if not name.startswith(KEY_NAME_PREFIX) or ANSWERING_POINT_ID.fullmatch(point) is None:
            return None
        return point
