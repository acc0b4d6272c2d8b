"""The service-requests table: one item per request, keyed for the queries Open311 and staff make.

RequestStore is one object for the callers; each part of what it does lives in its own module:
  request_items.py            the keys, the item layout and its mapping to models (the table's layout is there)
  request_creation.py         creating a request with its sealed contact details; reading them back
  request_listings.py         reading requests by id, token and caller, and listing them by period and code
  request_progress.py         updates and status notes, closing, and the call workflow's start and waits
  request_duplicates.py       where a request is, and the open requests near it it may duplicate
  request_supporters.py       residents who said "me too" about an open request, and its count
  request_feedback.py         the resident's "were you satisfied?" once it is resolved
  request_reopening.py        the resident reopening it within the window after a resolution
  request_alerts.py           the 911 alert: escalation, the publishing lease, delivery and poison
  request_acknowledgements.py dispatch's acknowledgement, the AwaitingAck list, and re-alerts
Doubtful reports awaiting a call-taker are reviews.py's, on the same items.
"""

from __future__ import annotations

from datetime import timedelta

from civic311.store.callers import CallerKeys
from civic311.store.contacts import ContactSeal
from civic311.store.request_acknowledgements import RequestAcknowledgements
from civic311.store.request_alerts import RequestAlerts
from civic311.store.request_creation import RequestCreation
from civic311.store.request_duplicates import RequestDuplicates
from civic311.store.request_feedback import RequestFeedback
from civic311.store.request_listings import RequestListings
from civic311.store.request_progress import RequestProgress
from civic311.store.request_reopening import RequestReopening
from civic311.store.request_supporters import RequestSupporters


class RequestStore(
    RequestCreation,
    RequestListings,
    RequestProgress,
    RequestDuplicates,
    RequestSupporters,
    RequestFeedback,
    RequestReopening,
    RequestAlerts,
    RequestAcknowledgements,
):
    """Reads and writes service requests."""

    def __init__(
        self,
        table_name: str,
        contact_retention_days: int = 180,
        caller_keys: CallerKeys | None = None,
        contacts: ContactSeal | None = None,
    ) -> None:
        self.table_name = table_name
        self.contact_retention = timedelta(days=contact_retention_days)
        # Only stores given caller keys index callers' numbers (the phone channel's).
        self.caller_keys = caller_keys
        # Only stores given the contact key write or read contact details; nothing is ever stored unsealed.
        self.contacts = contacts


def sealed_request_store(
    table_name: str, contact_key_id: str, contact_retention_days: int = 180, caller_key_id: str | None = None
) -> RequestStore:
    """The request store as every function builds it: contact details sealed with the contact key, and callers'
    numbers indexed by the caller key where one is given (the phone line's, which finds repeat callers)."""
    return RequestStore(
        table_name,
        contact_retention_days,
        CallerKeys(caller_key_id) if caller_key_id else None,
        ContactSeal(contact_key_id),
    )
