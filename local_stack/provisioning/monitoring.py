"""Provisions CloudWatch alarms and dashboards."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from local_stack.provisioning.records import Created

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


def dashboard(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    name = properties.get("DashboardName") or provisioner.default_name(logical_id)
    json.loads(properties["DashboardBody"])  # a substitution that breaks the JSON should fail here
    provisioner.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=properties["DashboardBody"])
    return Created(ref=name)


def alarm(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    request = {key: value for key, value in properties.items() if key not in ("Tags",)}
    request.setdefault("AlarmName", provisioner.default_name(logical_id))
    cloudwatch = provisioner.client("cloudwatch")
    cloudwatch.put_metric_alarm(**request)
    # A new alarm starts without data, as in AWS (moto starts it OK); local_stack/alarms.py evaluates it.
    cloudwatch.set_alarm_state(
        AlarmName=request["AlarmName"],
        StateValue="INSUFFICIENT_DATA",
        StateReason="Unchecked: Initial alarm creation",
    )
    return Created(
        ref=request["AlarmName"], attributes={"Arn": provisioner.arn("cloudwatch", f"alarm:{request['AlarmName']}")}
    )
