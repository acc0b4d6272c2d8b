"""The stack sets the account's SMS monthly spend limit on deploy (Custom::SmsSpendLimit) and leaves it on delete."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from civic311 import aws
from local_stack.custom_resources import ResponseReceiver
from tests.support import InProcessStack, load_event


def spend_limit() -> str | None:
    found: str | None = (
        aws.sns().get_sms_attributes(attributes=["MonthlySpendLimit"])["attributes"].get("MonthlySpendLimit")
    )
    return found


def deploy(stack: InProcessStack, kind: str, limit: str | None = None) -> dict[str, Any]:
    """Run the function with a sample event (its limit replaced, if given); returns CloudFormation's answer."""
    event = copy.deepcopy(load_event(f"sms_settings/{kind}"))
    if limit is not None:
        event["ResourceProperties"]["MonthlySpendLimit"] = limit
    with ResponseReceiver() as receiver:
        event["ResponseURL"] = receiver.url_for(event["RequestId"])
        stack.call("SmsSettingsFunction", event)
        answer = receiver.wait(event["RequestId"], timeout=5)
    assert answer is not None
    return answer


def test_deploying_the_stack_sets_the_limit_of_its_parameter_and_transactional_texts(stack: InProcessStack) -> None:
    assert stack.provisioner.template.parameters["SmsMonthlySpendLimit"] == "1"
    assert spend_limit() == "1"
    assert aws.sns().get_sms_attributes()["attributes"]["DefaultSMSType"] == "Transactional"


def test_an_update_sets_the_new_limit_and_keeps_its_physical_id(stack: InProcessStack) -> None:
    answer = deploy(stack, "update", "25")

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == "sms-monthly-spend-limit"
    assert answer["Data"] == {"MonthlySpendLimit": "25"}
    assert spend_limit() == "25"


@pytest.mark.parametrize("limit", ["12.5", "0", "-3", "", "50 USD", "1e3"])
def test_a_limit_that_is_not_whole_dollars_fails_the_deploy_and_changes_nothing(
    stack: InProcessStack, limit: str
) -> None:
    before = deploy(stack, "update", "30")
    assert before["Status"] == "SUCCESS"

    answer = deploy(stack, "update", limit)

    assert answer["Status"] == "FAILED"
    assert "whole US dollars" in answer["Reason"]
    assert spend_limit() == "30"


def test_deleting_the_stack_leaves_the_limit_in_place(stack: InProcessStack) -> None:
    assert deploy(stack, "create", "40")["Status"] == "SUCCESS"

    answer = deploy(stack, "delete")

    assert answer["Status"] == "SUCCESS"
    assert spend_limit() == "40"
