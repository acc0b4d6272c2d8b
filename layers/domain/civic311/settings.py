"""Typed environment, one model per function role, validated once at cold start.

Plain pydantic models read from the environment: every setting is a flat string, int, float or path, so
pydantic-settings (a heavy import for every cold start) would add nothing but its load time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict


class _Settings(BaseModel):
    # Each function validates one of these models: only that one's validator is built, on first use.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    stage: str = "local"

    @classmethod
    def from_environment(cls) -> Self:
        """The settings from the process environment; variable names match fields case-insensitively."""
        return cls.model_validate({name.lower(): value for name, value in os.environ.items()})


class Open311Settings(_Settings):
    """Open311 API: reads and writes requests, checks API keys, starts workflows."""

    # Requests one key may create a minute (template: ApiKeyWritesPerMinute); the resident web page's key is
    # shared by every resident, so it has its own, larger quota (PublicWebWritesPerMinute).
    api_key_writes_per_minute: int = 60
    public_web_writes_per_minute: int = 600
    service_requests_table: str
    contact_retention_days: int = 180
    api_clients_table: str
    emergency_alert_topic_arn: str
    operations_topic_arn: str | None = None
    # The KMS key callers' contact details are sealed with (store/contacts.py).
    contact_key_id: str
    # Text messages go only to these E.164 country codes (template: SmsCountryCodes).
    sms_country_codes: str = "+1,+52"
    # The KMS HMAC key that turns numbers into the keys their SMS confirmations are found by.
    caller_key_id: str


class WorkflowSettings(_Settings):
    """Call-workflow steps."""

    service_requests_table: str
    contact_retention_days: int = 180
    directory_table: str
    gaps_queue_url: str | None = None
    emergency_alert_topic_arn: str
    operations_topic_arn: str | None = None
    case_events_topic_arn: str
    supervisor_alerts_topic_arn: str
    resident_notifications_topic_arn: str
    place_index_name: str
    # How long dispatch has to acknowledge an alert before it goes out again and a supervisor is paged.
    ack_timeout_seconds: int = 300
    # The KMS key callers' contact details are sealed with (store/contacts.py).
    contact_key_id: str
    # Text messages go only to these E.164 country codes (template: SmsCountryCodes).
    sms_country_codes: str = "+1,+52"
    # The KMS HMAC key that turns numbers into the keys their SMS confirmations are found by.
    caller_key_id: str
    # How long a call-taker has to review a doubtful report before it goes to 911 by itself.
    review_window_seconds: int = 120
    # When call-takers are on duty (the template's StaffedHours, in city time); after hours an unreviewed
    # report also pages the duty supervisor.
    staffed_hours: str = "MON-FRI 07:00-19:00; SAT 08:00-17:00"
    # Departments with their own Open311 system (catalog/departments.json): a deploy's endpoint overrides
    # ("dtm=https://…"), and where their keys are (<stack name>/ in front of each department's secret).
    department_endpoints: str = ""
    department_secrets_prefix: str = ""


class SweeperSettings(_Settings):
    """Scheduled sweeper: pending alerts and unstarted workflows."""

    service_requests_table: str
    emergency_alert_topic_arn: str
    operations_topic_arn: str | None = None
    call_workflow_arn: str
    # The KMS key callers' contact details are sealed with (store/contacts.py).
    contact_key_id: str


class DepartmentSyncSettings(_Settings):
    """Scheduled status sync: brings back what departments with their own Open311 system did."""

    service_requests_table: str
    # Departments with their own Open311 system (catalog/departments.json): a deploy's endpoint overrides
    # ("dtm=https://…"), and where their keys are (<stack name>/ in front of each department's secret).
    department_endpoints: str = ""
    department_secrets_prefix: str = ""


class OpenDataSettings(_Settings):
    """The daily open-data export: reads requests by period, writes the public files."""

    service_requests_table: str
    open_data_bucket: str
    open_data_prefix: str


class PublicApiSettings(_Settings):
    """Public JSON API: referrals (reads the directory, records unmet needs), triage, open-data numbers."""

    directory_table: str
    service_requests_table: str
    gaps_queue_url: str
    # Seals the email of a supporter who agreed to follow a request ("me too").
    contact_key_id: str
    contact_retention_days: int = 180
    # How long a function trusts its copy of the active-directory pointer; a load shows within this time.
    directory_cache_seconds: float = 30.0
    # A resident's reopening resumes the request's workflow under a new execution.
    call_workflow_arn: str


class HsdsApiSettings(_Settings):
    """The HSDS API: reads the directory's public records, nothing else."""

    directory_table: str
    directory_cache_seconds: float = 30.0


class StaffApiSettings(_Settings):
    """Staff JSON API: escalations and diversions, request updates, shelter capacity, the unmet-needs report."""

    directory_table: str
    service_requests_table: str
    emergency_alert_topic_arn: str
    operations_topic_arn: str | None = None
    # The duty supervisor is paged here when 911 rejects an alert (cases/dispatch_status.py).
    supervisor_alerts_topic_arn: str | None = None
    # The usage plan of answering points' CAD keys (DispatchUsagePlan), by name; unset, no CAD may acknowledge.
    dispatch_usage_plan_name: str | None = None
    contact_retention_days: int = 180
    directory_cache_seconds: float = 30.0
    # The KMS key callers' contact details are sealed with (store/contacts.py).
    contact_key_id: str


class DirectoryLoaderSettings(_Settings):
    """The deploy-time directory loader (a CloudFormation custom resource)."""

    directory_table: str


class WebPublisherSettings(_Settings):
    """The deploy-time publisher of the web pages (a CloudFormation custom resource)."""

    api_clients_table: str
    # Where Lambda extracts the web-pages layer.
    web_assets_dir: Path


class WorkflowStarterSettings(_Settings):
    """Starts the call workflow of each new request from the table's stream."""

    call_workflow_arn: str


class GapNotifierSettings(_Settings):
    """Sends supervisors one summary per batch of unmet needs."""

    supervisor_alerts_topic_arn: str


class ConnectSettings(_Settings):
    """Amazon Connect functions: the phone line's operations (intake, places, referrals, repeat callers)."""

    service_requests_table: str
    contact_retention_days: int = 180
    emergency_alert_topic_arn: str
    operations_topic_arn: str | None = None
    place_index_name: str
    directory_table: str
    directory_cache_seconds: float = 30.0
    # The KMS HMAC key that turns callers' numbers into the keys repeat callers are found by.
    caller_key_id: str
    # The KMS key callers' contact details are sealed with (store/contacts.py).
    contact_key_id: str
