"""The alarms that watch the alert path in template.yaml: silent reporters, poison alerts, failed deliveries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support import REPO


def _template() -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", tagged)
    document: dict[str, Any] = yaml.load(Path(REPO / "template.yaml").read_text(), Loader=Loader)  # noqa: S506
    return document


def test_the_alert_paths_gauges_and_heartbeat_alarm_when_their_reporter_goes_silent() -> None:
    resources = _template()["Resources"]
    for name, metric in (
        ("PendingEmergencyAlertsAlarm", "PendingEmergencyAlerts"),
        ("SweeperHeartbeatAlarm", "SweeperHeartbeat"),
    ):
        properties = resources[name]["Properties"]
        assert properties["MetricName"] == metric
        assert properties["TreatMissingData"] == "breaching", name
    poison = resources["PoisonEmergencyAlertsAlarm"]["Properties"]
    assert "EmergencyAlertsPoisoned" in poison["Metrics"][0]["Expression"]
    assert "OperationsTopic" in str(poison["AlarmActions"])


def test_dispatch_subscriptions_have_a_dead_letter_queue_and_alarms_on_failed_deliveries() -> None:
    resources = _template()["Resources"]
    for name in ("DispatchQueueSubscription", "DispatchHttpsSubscription"):
        redrive = resources[name]["Properties"]["RedrivePolicy"]
        assert "DispatchDeadLetterQueue" in str(redrive["deadLetterTargetArn"])
    failed = resources["DispatchDeliveryFailuresAlarm"]["Properties"]
    assert failed["MetricName"] == "NumberOfNotificationsFailed"
    assert "EmergencyAlertTopic" in str(failed["Dimensions"])
    depth = resources["DispatchDeadLetterAlarm"]["Properties"]
    assert depth["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert "DispatchDeadLetterQueue" in str(depth["Dimensions"])
