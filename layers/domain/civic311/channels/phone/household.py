"""Who needs the bed, as a caller says it: "my daughter and I", "me and my two kids", "mi hija y yo", "just me, I'm 17".

A spoken household is read into adults and children for the shelter referral. A daughter, son or kid with no
age is a minor child; the caller is an adult unless they say they are under 18. The flow keeps the result
between turns as a short attribute ("1/1/6/-": adults, children, children's ages, the lone caller's age).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from civic311.directory.household import ADULT_AGE, MAX_MEMBERS

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "dieciseis": 16,
    "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20, "treinta": 30, "cuarenta": 40,
    "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
}  # fmt: skip
_PAIRS = {"twins": 2, "gemelos": 2, "gemelas": 2, "cuates": 2}
# People under 18 unless an age says otherwise (a caller speaks of "my son" who is 25 by giving his age).
_CHILDREN = (
    "daughter", "daughters", "son", "sons", "kid", "kids", "child", "children", "baby", "babies", "boy", "boys",
    "girl", "girls", "toddler", "toddlers", "infant", "newborn", "grandchild", "grandchildren", "granddaughter",
    "granddaughters", "grandson", "grandsons", "stepdaughter", "stepson", "twins", "teenager", "teen",
    "hija", "hijas", "hijo", "hijos", "nino", "ninos", "nina", "ninas", "nene", "nenes", "nena", "nenas", "bebe",
    "bebes", "nieto", "nietos", "nieta", "nietas", "chamaco", "chamacos", "gemelos", "gemelas", "cuates",
)  # fmt: skip
_ADULTS = (
    "husband", "wife", "partner", "boyfriend", "girlfriend", "fiance", "fiancee", "spouse", "mom", "mother",
    "dad", "father", "grandma", "grandmother", "grandpa", "grandfather", "brother", "sister", "friend", "aunt",
    "uncle", "cousin", "roommate", "esposo", "esposa", "marido", "pareja", "novio", "novia", "mama", "madre",
    "papa", "padre", "abuela", "abuelo", "hermano", "hermana", "amigo", "amiga", "tia", "tio", "primo", "prima",
    "husbands", "wives", "brothers", "sisters", "friends", "hermanos", "hermanas", "amigos", "amigas", "abuelos",
)  # fmt: skip
_PLURALS = {"daughters", "sons", "kids", "children", "babies", "boys", "girls", "toddlers", "grandchildren",
            "granddaughters", "grandsons", "hijas", "hijos", "ninos", "ninas", "nenes", "nenas", "bebes", "nietos",
            "nietas", "chamacos", "brothers", "sisters", "friends", "hermanos", "hermanas", "amigos", "amigas",
            "abuelos", "husbands", "wives"}  # fmt: skip
_ALONE = re.compile(
    r"\b(just me|only me|me alone|by myself|just myself|on my own|i am alone|im alone|alone|"
    r"solo yo|yo solo|yo sola|nomas yo|nada mas yo|solamente yo|estoy solo|estoy sola|yo nada mas)\b"
)
_SELF = re.compile(r"\b(i|me|im|myself|we|us|our|my|yo|somos|nosotros|nosotras|estamos|mi|mis|necesitamos)\b")
_NUMBER = r"(\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")"
_OWN_AGE = re.compile(
    rf"\b(?:i am|im|tengo|my age is|mi edad es)\s+{_NUMBER}(?:\s+(?:y|and)\s+{_NUMBER})?"
    r"(?!\s*(?:kids|children|hijos))"
)
_AGE_AFTER = re.compile(
    rf"\b(?:{_NUMBER}(?:\s+(?:y|and)\s+{_NUMBER})?\s*(?:years?|yrs?|anos|ano)|(?:is|es|tiene)\s+{_NUMBER})\b"
)
_MONTHS = re.compile(rf"\b{_NUMBER}\s*(?:months?|meses|mes|weeks?|semanas?)\b")
_WORD = re.compile(r"[a-z0-9]+")
_NONE = frozenset({"no", "without", "zero", "sin", "ningun", "ninguno", "ninguna", "cero"})
# "son" is "they are" in Spanish, not a son.
_NOT_KIN = {"es": frozenset({"son", "sons"}), "en": frozenset()}
# The keypad choices the question offers.
KEY_ALONE, KEY_WITH_CHILDREN = "1", "2"


@dataclass(frozen=True)
class SpokenHousehold:
    """Adults and children as counted from the caller's words; ages when they were said."""

    adults: int
    children: int
    children_ages: tuple[int, ...] = ()
    age: int | None = None  # the caller's own, when alone

    @property
    def alone(self) -> bool:
        return self.adults + self.children == 1

    def encode(self) -> str:
        ages = ",".join(str(age) for age in self.children_ages) or "-"
        return f"{self.adults}/{self.children}/{ages}/{self.age if self.age is not None else '-'}"

    def answers(self) -> dict[str, str | list[str]]:
        """As the shelter service's attribute answers (catalog.json)."""
        answers: dict[str, str | list[str]] = {"adults": str(self.adults), "children": str(self.children)}
        if self.children_ages:
            answers["children_ages"] = ", ".join(str(age) for age in self.children_ages)
        if self.age is not None and self.alone:
            answers["age"] = str(self.age)
        return answers


def decode(value: str) -> SpokenHousehold | None:
    """The flow attribute back into a household; None when it holds none (or was tampered with)."""
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(-|\d{1,2}(?:,\d{1,2}){0,29})/(-|\d{1,3})", value.strip())
    if match is None:
        return None
    adults, children = int(match[1]), int(match[2])
    ages = tuple(int(age) for age in match[3].split(",")) if match[3] != "-" else ()
    age = int(match[4]) if match[4] != "-" else None
    if not 0 < adults + children <= MAX_MEMBERS or (ages and len(ages) != children):
        return None
    if any(a >= ADULT_AGE for a in ages) or (age is not None and age > 120):
        return None
    return SpokenHousehold(adults, children, ages, age)


def fold(text: str) -> str:
    """Lowercase, accents off, apostrophes out ("I'm" → "im"), so both languages match plain words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"['’]", "", plain)


def _number(word: str | None) -> int | None:
    if word is None:
        return None
    return int(word) if word.isdigit() else _NUMBERS.get(word)


def _age(tens: str | None, units: str | None) -> int | None:
    first, second = _number(tens), _number(units)
    if first is None:
        return None
    return first + second if second is not None and first >= 20 and second < 10 else first


def spoken_age(text: str) -> int | None:
    """An age answered alone: "17", "seventeen", "twenty five", "tengo diecisiete anos"."""
    words = _WORD.findall(fold(text))
    numbers = [n for n in (_number(word) for word in words if word not in ("a", "an", "un", "una")) if n is not None]
    if not numbers:
        return None
    age = numbers[0] + numbers[1] if len(numbers) > 1 and numbers[0] >= 20 and numbers[1] < 10 else numbers[0]
    return age if 0 < age <= 120 else None


def parse(text: str, language: str = "en") -> SpokenHousehold | None:
    """The household the words describe, or None when they name no one (then the flow asks)."""
    folded = fold(text).strip(" .!?")
    if folded == KEY_ALONE:
        return SpokenHousehold(adults=1, children=0)
    if folded == KEY_WITH_CHILDREN:
        return SpokenHousehold(adults=1, children=1)
    not_kin = _NOT_KIN.get(language, frozenset())
    own = _OWN_AGE.search(folded)
    own_age = _age(own[1], own[2]) if own else None
    words = _WORD.findall(folded)
    adults, children = 0, 0
    for index, word in enumerate(words):
        if (word not in _CHILDREN and word not in _ADULTS) or word in not_kin:
            continue
        before = words[index - 1] if index else ""
        before2 = words[index - 2] if index > 1 else ""
        if before in _NONE or before2 in _NONE:
            continue  # "just me, no kids"
        count = _number(before) or (_number(before2) if before in ("little", "young", "small", "pequenos") else None)
        many = count if count is not None and count <= MAX_MEMBERS else (2 if word in _PLURALS else 1)
        many = _PAIRS.get(word, many) if count is None else many
        if word in _CHILDREN:
            children += many
        else:
            adults += many
    named_someone = adults or children
    alone = bool(_ALONE.search(folded)) and not named_someone
    # "I'm 17", and nothing more, answers who needs the bed: the caller alone.
    if not named_someone and not alone and (own is None or _SELF.search(folded.replace(own[0], " "))):
        return None
    ages = _children_ages(folded, own[0] if own else "", children)
    # The caller counts once, as an adult unless they said they are under 18.
    if own_age is not None and own_age < ADULT_AGE:
        ages = (*ages, own_age) if ages or not children else ()
        children += 1
    else:
        adults += 1
    if adults + children > MAX_MEMBERS:
        return None
    return SpokenHousehold(adults, children, ages, own_age if adults + children == 1 else None)


def _children_ages(folded: str, own: str, children: int) -> tuple[int, ...]:
    """The ages said for the children, when there is one for each of them; otherwise none."""
    rest = folded.replace(own, " ") if own else folded
    found = [a for a in (_age(m[1], m[2]) or _number(m[3]) for m in _AGE_AFTER.finditer(rest)) if a is not None]
    found += [0 for _ in _MONTHS.finditer(rest)]
    if children and len(found) == children and all(age < ADULT_AGE for age in found):
        return tuple(found)
    return ()
