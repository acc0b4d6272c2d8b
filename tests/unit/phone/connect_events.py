"""Connect events as the contact flow sends them, for the phone operations' tests."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from tests.support import load_event


def event(name: str, contact_id: str | None = None, caller: str | None = "+15205550142", **parameters: str) -> Any:
    built = copy.deepcopy(load_event(f"connect/{name}"))
    data = built["Details"]["ContactData"]
    data["ContactId"] = contact_id or str(uuid.uuid4())
    data["CustomerEndpoint"] = {"Address": caller, "Type": "TELEPHONE_NUMBER"} if caller else None
    built["Details"]["Parameters"].update(parameters)
    return built


def spanish(built: Any) -> Any:
    built["Details"]["ContactData"]["Attributes"] = {"language": "es"}
    built["Details"]["ContactData"]["LanguageCode"] = "es-US"
    return built


def english(built: Any) -> Any:
    built["Details"]["ContactData"]["Attributes"] = {"language": "en"}
    built["Details"]["ContactData"]["LanguageCode"] = "en-US"
    return built
