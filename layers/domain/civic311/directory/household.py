"""Who needs the bed: the household a shelter referral must fit, and how a request's answers describe it.

A shelter takes the whole household or nobody: a parent with a child needs a family shelter, a young person
alone a youth shelter, an adult alone an adult shelter. The shelter service asks the counts (catalog.json:
adults, children, children_ages, age); this module reads them back and says when they disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

ADULT_AGE = 18
MAX_MEMBERS = 30
ADULTS, CHILDREN, CHILDREN_AGES, AGE = "adults", "children", "children_ages", "age"


class Household(BaseModel):
    """Who needs the place: adults (18+) and children (under 18), with the children's ages when known."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    adults: int = Field(default=1, ge=0, le=MAX_MEMBERS)
    children: int = Field(default=0, ge=0, le=MAX_MEMBERS)
    children_ages: list[int] = Field(
        default_factory=list, max_length=MAX_MEMBERS, description="Ages of the children (0-17), when known"
    )

    @model_validator(mode="after")
    def _someone(self) -> Household:
        if self.adults + self.children == 0:
            raise ValueError("a household has at least one person")
        if self.children_ages and len(self.children_ages) != self.children:
            raise ValueError(f"children_ages lists {len(self.children_ages)} ages for {self.children} children")
        if any(not 0 <= age < ADULT_AGE for age in self.children_ages):
            raise ValueError(f"children_ages are ages from 0 to {ADULT_AGE - 1}")
        return self

    @property
    def size(self) -> int:
        return self.adults + self.children

    @property
    def is_family(self) -> bool:
        """Someone under 18 with at least one other person: a child alone is not a family."""
        return self.children > 0 and self.size > 1


@dataclass(frozen=True)
class AskedHousehold:
    """The household a request describes, and the age of the one person when they are alone."""

    household: Household
    age: int | None


def from_answers(answers: Mapping[str, str | list[str]], *, require_ages: bool) -> AskedHousehold | None:
    """The household in checked shelter answers, or None when they do not count it; ValueError lists contradictions.

    Each answer is already checked on its own (catalog attributes); this judges them together.
    """
    if ADULTS not in answers and CHILDREN not in answers:
        return None
    adults, children = _whole(answers.get(ADULTS)) or 0, _whole(answers.get(CHILDREN)) or 0
    ages = [int(item) for item in _ages(answers.get(CHILDREN_AGES))]
    age = _whole(answers.get(AGE))
    problems = []
    if adults + children == 0:
        problems.append(
            f"attribute[{ADULTS}] and attribute[{CHILDREN}] count nobody: at least one person needs the bed"
        )
    if ages and len(ages) != children:
        problems.append(f"attribute[{CHILDREN_AGES}] lists {len(ages)} ages for {children} children")
    elif children and not ages and require_ages:
        problems.append(f"attribute[{CHILDREN_AGES}] is required when there are children")
    if age is not None and adults + children == 1:
        if adults and age < ADULT_AGE:
            problems.append(
                f"attribute[{AGE}] {age} is under {ADULT_AGE}, but attribute[{ADULTS}] counts an adult: "
                f"count a person under {ADULT_AGE} in attribute[{CHILDREN}]"
            )
        if children and age >= ADULT_AGE:
            problems.append(
                f"attribute[{AGE}] {age} is {ADULT_AGE} or over, but attribute[{CHILDREN}] counts a child: "
                f"count a person {ADULT_AGE} or over in attribute[{ADULTS}]"
            )
        if children and ages and ages[0] != age:
            problems.append(f"attribute[{AGE}] and attribute[{CHILDREN_AGES}] give two ages for one person")
    if problems:
        raise ValueError("; ".join(problems))
    if age is None and children == 1 and adults == 0 and ages:
        age = ages[0]
    return AskedHousehold(Household(adults=adults, children=children, children_ages=ages), age)


def _whole(answer: str | list[str] | None) -> int | None:
    if not isinstance(answer, str) or not answer.strip():
        return None
    return int(answer)


def _ages(answer: str | list[str] | None) -> list[str]:
    if not isinstance(answer, str):
        return []
    return [item for item in answer.replace(",", " ").split() if item]
