"""Callers' contact details, sealed by KMS under the request's id before they reach the table.

Table encryption alone lets every function that may read the table read a crisis caller's number. Here the
CONTACT item holds only KMS ciphertext, bound to its request by the encryption context
{"service_request_id": id}: only roles granted kms:Decrypt on the contact key (template.yaml: the functions
that call or text the caller back) can open it, and a sealed contact copied onto another request will not open.

KMS Encrypt directly, not an envelope (GenerateDataKey then AES locally): a contact is a few hundred bytes,
far under Encrypt's 4 KB limit, and one call either way; without a local cipher there is no data key to
handle and no crypto library in the cold start.
"""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from civic311 import aws
from civic311.errors import DependencyUnavailable
from civic311.models.cases import Contact

CONTEXT_KEY = "service_request_id"


class ContactSeal:
    """Encrypts and decrypts contact details with the contact key, each bound to its request."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id

    def seal(self, request_id: str, contact: Contact) -> bytes:
        """The ciphertext of a contact; DependencyUnavailable if KMS cannot be reached."""
        plaintext = contact.model_dump_json(exclude_none=True).encode("utf-8")
        try:
            response = aws.kms().encrypt(
                KeyId=self.key_id, Plaintext=plaintext, EncryptionContext={CONTEXT_KEY: request_id}
            )
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("contact details cannot be protected right now; please retry") from error
        return bytes(response["CiphertextBlob"])

    def open(self, request_id: str, sealed: bytes) -> Contact:
        """The contact sealed for this request; DependencyUnavailable if KMS refuses or cannot be reached."""
        try:
            response = aws.kms().decrypt(
                KeyId=self.key_id, CiphertextBlob=sealed, EncryptionContext={CONTEXT_KEY: request_id}
            )
            return Contact.model_validate(json.loads(response["Plaintext"]))
        except (ClientError, BotoCoreError, ValueError, ValidationError) as error:
            # Refused (wrong request, no permission) and unreachable look alike to the caller: no contact now.
            raise DependencyUnavailable("contact details cannot be read right now") from error
