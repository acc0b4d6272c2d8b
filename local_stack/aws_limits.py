"""The documented AWS limits that moto 5.2.5 does not check, enforced wherever our code meets moto.

Each service's rules live in its own module and name the AWS page they come from: sns_limits.py,
dynamodb_limits.py, stepfunctions_limits.py, lambda_limits.py, apigateway_limits.py, connect_limits.py. The SNS,
DynamoDB, Step Functions and API Gateway usage-plan rules run inside moto's own request handlers (the `*Response`
classes, which both moto's server and its in-process mocks dispatch to), installed here, so a refused call answers
with the error code and HTTP status AWS uses, to any SDK or the AWS CLI. The other Lambda, API Gateway and Amazon
Connect limits are called by the parts of the local stack that play those services (`lambda_runtime.py`,
`gateway.py`, `call_lambda.py`).

Rules moto already enforces are not repeated (tests/local_stack/test_aws_limits.py records which): an SNS Subject over
100 characters, a message over 262,144 characters, message attribute types other than String/Number/Binary,
an item over 400 KB, key sizes, more than 100 TransactWriteItems, an execution input that is not JSON, bad
execution names, and (on the local stack's Step Functions interpreter) a task token that matches no task.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from local_stack import apigateway_limits, dynamodb_limits, sns_limits, stepfunctions_limits
from local_stack.moto_seams import SharedSeams, check_method, replace_method

SEAM_SIGNATURE = ("self",)
_RULES = (*sns_limits.RULES, *dynamodb_limits.RULES, *stepfunctions_limits.RULES)


def _request_params(response: Any) -> dict[str, Any]:
    # SNS and DynamoDB parse requests with the service model (`params`); Step Functions still reads its JSON body.
    if getattr(response, "automated_parameter_parsing", False):
        return dict(getattr(response, "params", None) or {})
    body = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    loaded = json.loads(body or "{}")
    return loaded if isinstance(loaded, dict) else {}


def check_seams() -> None:
    """Fail loudly if a moto upgrade moved any request handler these rules run in front of."""
    for owner, name, _ in _RULES:
        check_method(owner, name, SEAM_SIGNATURE)
    apigateway_limits.check_seams()


def _put_in() -> list[Callable[[], None]]:
    undos = [
        replace_method(owner, name, SEAM_SIGNATURE, _guarded(getattr(owner, name), rule))
        for owner, name, rule in _RULES
    ]
    return [*undos, apigateway_limits.install()]


_SEAMS = SharedSeams(_put_in)


def install() -> Callable[[], None]:
    """Put the rules in front of moto's handlers (once, however many stacks ask); returns the undo."""
    return _SEAMS.install()


def _guarded(handler: Callable[[Any], Any], rule: Callable[[dict[str, Any]], None]) -> Callable[[Any], Any]:
    # moto turns the exception into the service's own error answer (code and HTTP status from its model).
    def checked(self: Any) -> Any:
        rule(_request_params(self))
        return handler(self)

    return checked
