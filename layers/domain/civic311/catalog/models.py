"""Catalog models and the checks a request's attribute answers must pass."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civic311.errors import InvalidInput, NotFound

Language = Literal["en", "es"]
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
Group = Literal["social", "police", "city", "other"]

_MAX_STRING = 200
_MAX_TEXT = 4000
_WHOLE = re.compile(r"-?[0-9]{1,6}")
_MAX_NUMBERS = 30


class Localized(BaseModel):
    """A text in English and Spanish."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(frozen=True, defer_build=True)

    en: str
    es: str

    def __call__(self, language: Language) -> str:
        return self.es if language == "es" else self.en


class AttributeValue(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str
    name: Localized


class ServiceAttribute(BaseModel):
    """One question a call-taker would ask for this kind of request (an Open311 attribute)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    datatype: Datatype
    required: bool
    order: int = Field(ge=1)
    description: Localized
    values: tuple[AttributeValue, ...] = ()
    variable: bool = True
    datatype_description: Localized | None = None
    # Whole numbers in a range: a count or an age. Open311 has no such datatype; datatype_description says it.
    minimum: int | None = None
    maximum: int | None = None
    list_of_numbers: bool = Field(default=False, description="A string of whole numbers separated by commas")

    @model_validator(mode="after")
    def _lists_have_values(self) -> ServiceAttribute:
        is_list = self.datatype in ("singlevaluelist", "multivaluelist")
        if is_list != bool(self.values):
            raise ValueError(f"attribute {self.code}: list datatypes need values, others must not have any")
        ranged = self.minimum is not None and self.maximum is not None
        if (self.minimum is not None or self.maximum is not None or self.list_of_numbers) and not ranged:
            raise ValueError(f"attribute {self.code}: whole numbers need both a minimum and a maximum")
        if ranged and self.datatype != ("string" if self.list_of_numbers else "number"):
            raise ValueError(f"attribute {self.code}: a range is for numbers, or strings listing numbers")
        return self

    def check(self, answer: str | list[str]) -> str | list[str]:
        """Return the answer normalised, or raise ValueError saying what is wrong with it."""
        keys = {value.key for value in self.values}
        if self.datatype == "multivaluelist":
            chosen = [answer] if isinstance(answer, str) else list(answer)
            chosen = [item.strip() for item in chosen if item.strip()]
            unknown = [item for item in chosen if item not in keys]
            if unknown:
                raise ValueError(f"{', '.join(unknown)} not among {', '.join(sorted(keys))}")
            return chosen
        if isinstance(answer, list):
            if len(answer) != 1:
                raise ValueError("expects a single value")
            answer = answer[0]
        answer = answer.strip()
        if not answer:
            return answer  # blank is "not answered"; required-ness is judged by the caller
        if self.datatype == "singlevaluelist" and answer not in keys:
            raise ValueError(f"'{answer}' is not among {', '.join(sorted(keys))}")
        if self.minimum is not None and self.maximum is not None:
            return self._whole_numbers(answer, self.minimum, self.maximum)
        if self.datatype == "number":
            try:
                float(answer)
            except ValueError:
                raise ValueError(f"'{answer}' is not a number") from None
        if self.datatype == "datetime":
            try:
                datetime.fromisoformat(answer.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"'{answer}' is not an ISO-8601 datetime") from None
        limit = _MAX_TEXT if self.datatype == "text" else _MAX_STRING
        if len(answer) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return answer

    def _whole_numbers(self, answer: str, low: int, high: int) -> str:
        items = [item for item in answer.replace(",", " ").split(" ") if item] if self.list_of_numbers else [answer]
        if len(items) > _MAX_NUMBERS:
            raise ValueError(f"lists more than {_MAX_NUMBERS} numbers")
        numbers = []
        for item in items:
            if not _WHOLE.fullmatch(item):
                shown = f"'{item}' " if len(item) <= 20 and item.isprintable() else ""
                what = "whole numbers separated by commas" if self.list_of_numbers else "a whole number"
                raise ValueError(f"{shown}is not {what}")
            number = int(item)
            if not low <= number <= high:
                raise ValueError(f"{number} is not from {low} to {high}")
            numbers.append(str(number))
        return ", ".join(numbers)


class ServiceType(BaseModel):
    """A kind of request 311 takes: its code, names, owner and questions."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    service_code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    group: Group
    department: str
    sla_hours: int = Field(gt=0)
    name: Localized
    description: Localized
    keywords: dict[Language, tuple[str, ...]]
    attributes: tuple[ServiceAttribute, ...] = ()

    @property
    def has_metadata(self) -> bool:
        return bool(self.attributes)

    def check_answers(self, answers: dict[str, str | list[str]], *, require: bool = True) -> dict[str, str | list[str]]:
        """Validate attribute answers against this service's questions; all problems are reported at once.

        With require=False, unanswered required questions are allowed (channels with no form to fill).
        """
        by_code = {attribute.code: attribute for attribute in self.attributes}
        problems: list[str] = []
        checked: dict[str, str | list[str]] = {}
        for code, answer in answers.items():
            attribute = by_code.get(code)
            if attribute is None:
                problems.append(f"attribute[{code}] is not a question of service '{self.service_code}'")
                continue
            try:
                value = attribute.check(answer)
            except ValueError as error:
                problems.append(f"attribute[{code}] {error}")
                checked[code] = answer  # reported already; not "missing" as well
                continue
            if value:
                checked[code] = value
        problems.extend(
            f"attribute[{attribute.code}] is required for service '{self.service_code}'"
            for attribute in self.attributes
            if require and attribute.required and attribute.code not in checked
        )
        if problems:
            raise InvalidInput("; ".join(problems), details=problems)
        return checked


class Catalog(BaseModel):
    """The whole catalog, with the department and group names used to present it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    jurisdiction_id: str
    changeset: str
    groups: dict[Group, Localized]
    departments: dict[str, Localized]
    services: tuple[ServiceType, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        codes = [service.service_code for service in self.services]
        if len(codes) != len(set(codes)):
            raise ValueError("service codes must be unique")
        missing = {service.department for service in self.services} - set(self.departments)
        if missing:
            raise ValueError(f"unknown departments: {sorted(missing)}")
        return self

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(service.service_code for service in self.services)

    def find(self, service_code: str) -> ServiceType | None:
        return next((service for service in self.services if service.service_code == service_code), None)

    def get(self, service_code: str) -> ServiceType:
        """The service with this code, or NotFound naming it."""
        service = self.find(service_code)
        if service is None:
            raise NotFound(f"service_code '{service_code}' is not in the catalog")
        return service

    def department_name(self, service: ServiceType, language: Language = "en") -> str:
        return self.departments[service.department](language)


@cache
def load_catalog() -> Catalog:
    """The deployed catalog, parsed and validated once per process."""
    text = resources.files("civic311.catalog").joinpath("catalog.json").read_text(encoding="utf-8")
    return Catalog.model_validate(json.loads(text))
