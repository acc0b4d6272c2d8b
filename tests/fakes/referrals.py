"""The referral records in a dict, with the real store's conditions: a referral is written once, a status moves
only from the one read, and an organization's list comes newest first in pages whose token resumes after the last.
tests/unit/contracts/test_referral_records_contract.py holds it to the DynamoDB store.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from civic311.clock import from_storage, to_storage
from civic311.models.referrals import DeclineReason, ReferralRecord, ReferralStatus
from civic311.store.referral_records import decode_page, encode_page


def _ms(moment: datetime) -> datetime:
    return from_storage(to_storage(moment))


def _listed_at(record: ReferralRecord) -> str:
    return f"{to_storage(record.referred_at)}#{record.service_request_id}#{record.resource_id}"


class InMemoryReferralRecords:
    """ReferralRecords kept in memory; safe to share between threads."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], ReferralRecord] = {}
        self._declined_at: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

    def record(self, records: Sequence[ReferralRecord]) -> int:
        stored = 0
        with self._lock:
            for record in records:
                key = (record.service_request_id, record.resource_id)
                if key in self._records:
                    continue
                self._records[key] = record.model_copy(
                    update={"referred_at": _ms(record.referred_at), "updated_at": _ms(record.updated_at)}
                )
                stored += 1
        return stored

    def get(self, request_id: str, resource_id: str) -> ReferralRecord | None:
        return self._records.get((request_id, resource_id))

    def for_request(self, request_id: str) -> list[ReferralRecord]:
        found = [record for (request, _), record in self._records.items() if request == request_id]
        return sorted(found, key=lambda record: (record.referred_at, record.resource_id))

    def for_organization(
        self, organization_id: str, limit: int, page_token: str | None = None
    ) -> tuple[list[ReferralRecord], str | None]:
        before = decode_page(page_token) if page_token is not None else None
        listed = sorted(
            (record for record in self._records.values() if record.organization_id == organization_id),
            key=_listed_at,
            reverse=True,
        )
        if before is not None:
            listed = [record for record in listed if _listed_at(record) < before]
        page = listed[:limit]
        more = len(listed) >= limit and bool(page)
        return page, encode_page(_listed_at(page[-1])) if more else None

    def move(
        self,
        record: ReferralRecord,
        status: ReferralStatus,
        by: str,
        at: datetime,
        reason: DeclineReason | None = None,
        note: str | None = None,
    ) -> bool:
        key = (record.service_request_id, record.resource_id)
        with self._lock:
            stored = self._records.get(key)
            if stored is None or stored.status != record.status or stored.organization_id != record.organization_id:
                return False
            changes: dict[str, object] = {"status": status, "updated_at": _ms(at), "updated_by": by}
            if status == "declined":
                self._declined_at[key] = _ms(at)
                if reason is not None:
                    changes["decline_reason"] = reason
            if note is not None:
                changes["note"] = note
            self._records[key] = stored.model_copy(update=changes)
        return True

    def declined_between(self, start: datetime, end: datetime) -> list[ReferralRecord]:
        found = [(moment, self._records[key]) for key, moment in self._declined_at.items() if start <= moment <= end]
        return [record for _, record in sorted(found, key=lambda pair: (pair[0], _listed_at(pair[1])))]
