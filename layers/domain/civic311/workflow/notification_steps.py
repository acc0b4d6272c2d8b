"""The call workflow's notify step: text or email the caller the latest note, within what they agreed to, and
email it to the residents who said "me too" and asked to follow the request."""

from __future__ import annotations

import json
from typing import Any

from civic311 import metrics
from civic311.catalog import Language
from civic311.models.cases import ServiceRequest
from civic311.store import messaging
from civic311.workflow import messages
from civic311.workflow.step_context import StepContext
from civic311.workflow.step_input import StepInput


class NotificationSteps:
    """notify: one message per update, by the way the caller chose."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def notify(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Text or email the caller the latest note, only if they agreed and left a way to reach them."""
        contact = self.ctx.requests.get_contact(request.service_request_id)
        channel = "none"
        if contact is not None and contact.notify and request.status_notes:
            text = messages.notification(request.language, request.service_request_id, request.status_notes)
            if contact.phone:
                channel = self._text(request.service_request_id, contact.phone, text, request.language)
            elif contact.email:
                messaging.publish(
                    self.ctx.settings.resident_notifications_topic_arn,
                    json.dumps({"to": contact.email, "language": request.language, "text": text}),
                    subject=messages.subject(request.language, request.service_request_id),
                    attributes={"channel": "email"},
                )
                channel = "email"
            metrics.count("CallerNotifications", channel=channel)
        followers = self._email_followers(request) if request.status_notes else 0
        return {"status": request.status.value, "sent": channel, "followers": followers}

    def _email_followers(self, request: ServiceRequest) -> int:
        """Email the note to each resident who said "me too" and agreed to follow the request."""
        store = self.ctx.requests
        if store.contacts is None:
            return 0
        text = messages.notification(request.language, request.service_request_id, request.status_notes or "")
        sent = 0
        for sealed in store.follower_contacts(request.service_request_id):
            follower = store.contacts.open(request.service_request_id, sealed)
            if not (follower.notify and follower.email):
                continue
            messaging.publish(
                self.ctx.settings.resident_notifications_topic_arn,
                json.dumps({"to": follower.email, "language": request.language, "text": text}),
                subject=messages.subject(request.language, request.service_request_id),
                attributes={"channel": "email"},
            )
            sent += 1
        if sent:
            metrics.count("FollowerNotifications", sent, channel="email")
        return sent

    def _text(self, request_id: str, phone: str, text: str, language: Language) -> str:
        """Text a resident only to a confirmed, allowed, not opted-out number; else at most a daily code."""
        if not self.ctx.country_codes.allow(phone):
            return "sms-refused"
        if not self.ctx.sms.texted_for(request_id, phone):
            # The request's owner stopped its texts (with its tracking secret): that stops the number's.
            self.ctx.sms.opt_out(phone)
            return "sms-opted-out"
        state = self.ctx.sms.state(phone)
        if state.opted_out:
            return "sms-opted-out"
        if messaging.opted_out(phone):
            # They replied STOP: SNS keeps that list; our record keeps it even if the list is edited.
            self.ctx.sms.opt_out(phone)
            return "sms-opted-out"
        if state.confirmed:
            messaging.text(phone, text)
            return "sms"
        code = self.ctx.sms.new_code(phone)
        if code is None:
            return "sms-unconfirmed"
        messaging.text(phone, messages.confirmation_code(language, code))
        return "sms-code"
