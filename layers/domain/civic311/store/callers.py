"""Callers' phone numbers as keyed hashes, so a repeat caller's requests can be found without storing the number.

The hash is an HMAC-SHA-256 made by KMS under an HMAC key that never leaves KMS. A plain SHA-256 of a
phone number would not do: there are few enough numbers to hash them all and read the table back.
"""

from __future__ import annotations

import base64
import threading
from typing import Final, Literal

from botocore.exceptions import BotoCoreError, ClientError

from civic311 import aws
from civic311.errors import DependencyUnavailable

MAC_ALGORITHM: Final[Literal["HMAC_SHA_256"]] = "HMAC_SHA_256"
_PREFIX = "CALLER#"
# A warm function meets the same caller several times in one call (lookup, then the new request).
_CACHE_SIZE = 256


class CallerKeys:
    """Turns an E.164 number into the key the ByCaller index is queried with."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def key_for(self, phone: str) -> str:
        """The caller key for a normalised (E.164) number; DependencyUnavailable if KMS cannot be reached."""
        with self._lock:
            cached = self._cache.get(phone)
        if cached is not None:
            return cached
        try:
            response = aws.kms().generate_mac(
                KeyId=self.key_id, Message=phone.encode("utf-8"), MacAlgorithm=MAC_ALGORITHM
            )
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("the caller lookup is unavailable right now") from error
        key = _PREFIX + base64.urlsafe_b64encode(response["Mac"]).decode("ascii").rstrip("=")
        with self._lock:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[phone] = key
        return key
