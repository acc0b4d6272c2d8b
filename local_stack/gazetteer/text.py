"""Turn what people say or type about a place into comparable keys and query parts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

DIRECTIONS = {
    "n": "N", "north": "N", "norte": "N",
    "s": "S", "south": "S", "sur": "S",
    "e": "E", "east": "E", "este": "E",
    "w": "W", "west": "W", "oeste": "W",
}  # fmt: skip

# Street-type words, mapped to one spelling so "Rd" and "Road" compare equal.
STREET_TYPES = {
    "st": "st", "street": "st", "str": "st",
    "ave": "ave", "av": "ave", "avenue": "ave",
    "rd": "rd", "road": "rd",
    "blvd": "blvd", "boulevard": "blvd", "bl": "blvd",
    "way": "way", "wy": "way",
    "dr": "dr", "drive": "dr",
    "ln": "ln", "lane": "ln",
    "hwy": "hwy", "highway": "hwy",
    "pkwy": "pkwy", "parkway": "pkwy",
    "trl": "trl", "trail": "trl",
    "pl": "pl", "place": "pl",
    "ct": "ct", "court": "ct",
    "cir": "cir", "circle": "cir",
    "stra": "stra", "stravenue": "stra",
}  # fmt: skip

# Spanish speakers name a street by its type first ("calle 22", "avenida 6").
LEADING_TYPES = {"calle": "st", "avenida": "ave", "bulevar": "blvd", "carretera": "hwy"}

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "primera": 1, "primero": 1, "segunda": 2, "tercera": 3, "cuarta": 4, "quinta": 5, "sexta": 6,
    "septima": 7, "octava": 8, "novena": 9, "decima": 10,
    "doce": 12, "veintidos": 22, "veintinueve": 29, "treintayseis": 36,
}  # fmt: skip

ARTICLES = {"the", "la", "el", "los", "las"}

# Words that carry no identity in a landmark name ("the Tucson Mall" is "Tucson Mall").
LANDMARK_STOPWORDS = ARTICLES | {"of", "de", "del", "and", "y"}

ABBREVIATIONS = {"saint": "st", "ft": "fort", "mt": "mount", "interestatal": "i", "interstate": "i"}

# What comes before the place in speech: "I'm at", "the corner of", "cerca de la" ...
LEAD_INS = sorted(
    (
        "i am at", "i m at", "im at", "i am on", "i m on", "i am near", "i m near", "we are at",
        "we re at", "located at", "location is", "it is at", "it s at", "its at", "it is on",
        "at the corner of", "on the corner of", "the corner of", "corner of", "corner",
        "the intersection of", "intersection of", "near the", "near", "by the", "by", "close to the",
        "close to", "next to the", "next to", "in front of the", "in front of", "across from the",
        "across from", "behind the", "behind", "around the", "around", "outside the", "outside of",
        "outside", "at the", "at", "on", "the",
        "estoy en", "estamos en", "estoy por", "en la esquina de", "la esquina de", "esquina de",
        "esquina", "cerca de la", "cerca del", "cerca de", "cerca", "por la", "por el", "junto a la",
        "junto al", "junto a", "al lado de la", "al lado del", "al lado de", "enfrente de la",
        "enfrente del", "enfrente de", "frente a la", "frente al", "frente a", "en el", "en la", "en",
        "el", "la", "los", "las",
    ),
    key=len,
    reverse=True,
)  # fmt: skip

LOCALITIES = ("south tucson", "tucson", "oro valley", "marana", "sahuarita", "pima county")
_LOCALITY = "|".join(LOCALITIES)
_STATE = r"(?:az|ariz|arizona)"
_COUNTRY = r"(?:usa|us|united states(?: of america)?|eeuu)"
_ZIP = r"(8[56]\d{3})(?:-\d{4})?"

# Tail forms: ", Tucson", "Tucson AZ", "AZ 85701", ", USA" and their combinations.
_TAIL_WITH_COMMA = re.compile(rf",\s*(?:{_LOCALITY})\b(?:[\s,]*{_STATE}\b)?(?:[\s,]*{_ZIP})?(?:[\s,]*{_COUNTRY})?\s*$")
_TAIL_CITY_STATE = re.compile(rf"\s(?:{_LOCALITY})[\s,]+{_STATE}\b(?:[\s,]*{_ZIP})?(?:[\s,]*{_COUNTRY})?\s*$")
_TAIL_STATE = re.compile(rf"[\s,]+{_STATE}\b(?:[\s,]*{_ZIP})?(?:[\s,]*{_COUNTRY})?\s*$")
_TAIL_ZIP = re.compile(rf"[\s,]+{_ZIP}(?:[\s,]*{_COUNTRY})?\s*$")
_TAIL_COUNTRY = re.compile(rf"[\s,]+{_COUNTRY}\s*$")
_ZIP_ANYWHERE = re.compile(rf"\b{_ZIP}\b")
_UNIT = re.compile(r"\s(?:apt|apartment|unit|ste|suite|space|spc|lot|#)\s*[\w-]+$")

CONNECTORS = re.compile(r"\s+(?:and|&|@|at|y|con|/|x|with|esquina con|esq)\s+")

_ADDRESS = re.compile(
    r"^(?P<number>\d{1,6})(?:\s*-\s*\d{1,6})?\s+"
    r"(?:(?P<block>block|blk|bloque|cuadra)\s+(?:of\s+|de\s+)?)?"
    r"(?:(?P<dir>n|s|e|w|north|south|east|west|norte|sur|este|oeste)\s+)?"
    r"(?P<street>.+)$"
)
# "la cuadra 1400 de la Lester", "block of 1400 E Lester"
_BLOCK_FIRST = re.compile(
    r"^(?:block|blk|bloque|cuadra)\s+(?:of\s+|de\s+)?(?P<number>\d{1,6})\s+"
    r"(?:de\s+)?(?:la\s+|el\s+)?"
    r"(?:(?P<dir>n|s|e|w|north|south|east|west|norte|sur|este|oeste)\s+)?"
    r"(?P<street>.+)$"
)


def fold(text: str) -> str:
    """Lowercase, strip accents and most punctuation; keep commas and the '&' of intersections."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("'", "").replace("\u2019", "")
    text = re.sub(r"\s*[&@/+]\s*", " & ", text)
    text = re.sub(r"\b(?:i|interstate|interestatal)\s*-?\s*(\d{1,2})\b", r"i\1", text)
    text = re.sub(r"[^\w,&#-]+", " ", text)
    text = re.sub(r"(?<=\w)-(?=[a-z])", " ", text)  # "Davis-Monthan" -> "davis monthan"
    text = re.sub(r"\s*,\s*", ", ", text)
    return re.sub(r"\s+", " ", text).strip(" ,")


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _normal_token(token: str) -> str:
    token = ABBREVIATIONS.get(token, token)
    if token in ORDINAL_WORDS:
        return _ordinal(ORDINAL_WORDS[token])
    if re.fullmatch(r"\d{1,3}", token):
        return _ordinal(int(token))
    match = re.fullmatch(r"(\d{1,3})(?:st|nd|rd|th|a|o|va|ta|ra)", token)
    if match:
        return _ordinal(int(match.group(1)))
    return token


@dataclass(frozen=True)
class StreetKey:
    """A street name reduced to what identifies it, plus the hints that came with it."""

    core: str
    street_type: str | None = None
    direction: str | None = None


def street_key(name: str) -> StreetKey:
    """Reduce 'E. Speedway Boulevard' to core 'speedway', type 'blvd', direction 'E'."""
    tokens = fold(name).replace(",", " ").replace("&", " ").split()
    while tokens and tokens[0] in ARTICLES:
        tokens.pop(0)
    direction = None
    street_type = None
    if len(tokens) > 1 and tokens[0] in DIRECTIONS:
        direction = DIRECTIONS[tokens.pop(0)]
    if len(tokens) > 1 and tokens[0] in LEADING_TYPES:
        street_type = LEADING_TYPES[tokens.pop(0)]
        while len(tokens) > 1 and tokens[0] in ARTICLES | {"de", "del"}:
            tokens.pop(0)
    if len(tokens) > 1 and tokens[-1] in STREET_TYPES:
        street_type = STREET_TYPES[tokens.pop()]
    core = " ".join(_normal_token(t) for t in tokens)
    return StreetKey(core=core, street_type=street_type, direction=direction)


def landmark_key(name: str) -> str:
    """Reduce a landmark name or alias to its identifying words in a fixed spelling."""
    tokens = fold(name).replace(",", " ").replace("&", " ").split()
    kept = [_normal_token(t) for t in tokens if t not in LANDMARK_STOPWORDS]
    return " ".join(kept)


@dataclass(frozen=True)
class Address:
    """A house number on a street; `block` when the caller gave a hundred block."""

    number: int
    direction: str | None
    street: str
    block: bool


@dataclass(frozen=True)
class Query:
    """A cleaned query and the ways it can be read."""

    text: str  # folded, lead-ins and the locality tail removed
    postal_code: str | None
    parts: tuple[str, ...]  # two or more when the text names an intersection
    address: Address | None


def strip_lead_ins(text: str) -> str:
    """Drop spoken lead-ins ('the corner of', 'cerca de la') from the front, repeatedly."""
    changed = True
    while changed:
        changed = False
        for lead in LEAD_INS:
            if text == lead:
                return ""
            if text.startswith(lead + " "):
                text = text[len(lead) + 1 :]
                changed = True
                break
    return text


def _strip_tail(text: str) -> tuple[str, str | None]:
    postal_code = None
    for pattern in (_TAIL_WITH_COMMA, _TAIL_CITY_STATE, _TAIL_STATE, _TAIL_ZIP, _TAIL_COUNTRY):
        match = pattern.search(text)
        if match and match.start() > 0:
            zip_match = _ZIP_ANYWHERE.search(match.group(0))
            if zip_match:
                postal_code = zip_match.group(1)
            text = text[: match.start()]
    return text.strip(" ,"), postal_code


def parse(raw: str) -> Query:
    """Read free text the way a call-taker would: strip the chatter, find the parts."""
    text = fold(raw)
    whole_zip = re.fullmatch(_ZIP, text)
    if whole_zip:
        return Query(text="", postal_code=whole_zip.group(1), parts=(), address=None)
    text, postal_code = _strip_tail(text)
    # Anything after a comma that survived the tail is a second clause ("Speedway, by the Circle K").
    text = text.split(",")[0].strip()
    text = _UNIT.sub("", text)
    text = strip_lead_ins(text)
    parts = tuple(strip_lead_ins(p.strip()) for p in CONNECTORS.split(text) if p.strip())
    return Query(text=text, postal_code=postal_code, parts=parts, address=_address(text))


def _address(text: str) -> Address | None:
    match = _ADDRESS.match(text) or _BLOCK_FIRST.match(text)
    if not match:
        return None
    street = strip_lead_ins(match.group("street").strip())
    if not street or CONNECTORS.search(f" {street} "):
        return None
    direction = DIRECTIONS.get(match.group("dir") or "")
    block = bool(match.groupdict().get("block")) or text.startswith(("block", "blk", "bloque", "cuadra"))
    return Address(number=int(match.group("number")), direction=direction, street=street, block=block)
