"""A flood of texts cannot run up an unbounded bill: the stack itself caps the account's monthly SMS spend."""

from __future__ import annotations

from tests.integration.conftest import RunningStack


def test_the_running_stack_has_set_the_monthly_sms_spend_limit_of_its_parameter(abuse_stack: RunningStack) -> None:
    attributes = abuse_stack.client("sns").get_sms_attributes(attributes=["MonthlySpendLimit"])["attributes"]

    assert abuse_stack.info["parameters"]["SmsMonthlySpendLimit"] == "1"
    assert attributes == {"MonthlySpendLimit": "1"}
