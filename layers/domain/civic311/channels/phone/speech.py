"""What the phone line says, in English and Spanish, as SSML for Amazon Connect's text-to-speech.

The safety prompts a caller must hear even when no function answers (the emergency screen, the 911
transfer, the apologies) live in the contact flow itself; everything else is said from here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from xml.sax.saxutils import escape

from civic311 import clock

Language = Literal["en", "es"]

_DIRECTIONS = {"N": "North", "S": "South", "E": "East", "W": "West"}
_STREET_TYPES = {
    "Ave": "Avenue",
    "Blvd": "Boulevard",
    "Rd": "Road",
    "St": "Street",
    "Dr": "Drive",
    "Pl": "Place",
    "Ln": "Lane",
    "Pkwy": "Parkway",
    "Hwy": "Highway",
    "Ct": "Court",
    "Wy": "Way",
}
_ABBREVIATION = re.compile(r"\b(" + "|".join([*_DIRECTIONS, *_STREET_TYPES]) + r")\b\.?")
_DAYS = {
    "en": {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday", "Fri": "Friday",
           "Sat": "Saturday", "Sun": "Sunday"},
    "es": {"lun": "lunes", "mar": "martes", "mié": "miércoles", "jue": "jueves", "vie": "viernes",
           "sáb": "sábado", "dom": "domingo"},
}  # fmt: skip
_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}  # fmt: skip

TEXTS: dict[Language, dict[str, str]] = {
    "en": {
        "where": "Where is the problem? Say the street address, or two cross streets, like Speedway and Campbell.",
        "where_again": "Let's try again. Say the address, or two streets that cross near the problem.",
        "what": (
            "What is the problem? For a pothole, press 1. A streetlight that is out, press 2. Graffiti, press 3. "
            "A place to sleep tonight, press 4. Noise, press 5. Or tell me in a few words."
        ),
        "what_again": "Sorry, I did not get that. Press a number from 1 to 5, or tell me in a few words.",
        "details": "In a few words, what is going on?",
        "after_hours": "Our call-takers are away right now, but this line takes reports at any hour.",
        "found": "I heard {place}. If that is right, press 1. To say it again, press 2.",
        "not_found": "Sorry, I could not find that place.",
        "accepted": (
            "I could not find that place on the map, so I will pass on what you said. Staff may call you to confirm it."
        ),
        "outside": "{place} is served by {name}, not the {ours}.",
        "outside_area": "That place is outside the {ours} service area. Please contact your local government.",
        "outside_web": "Please contact {name}. Their website is {site}.",
        "outside_phone": "Their number is {phone}. To be connected to them now, press 1.",
        "service": "{service}. Got it.",
        "household": (
            "Who needs a place tonight? Say for example: me and my daughter. Or press 1 if it is just you,"
            " or 2 if you have children with you."
        ),
        "household_again": "Sorry, I did not get that. Who needs a bed tonight? Press 1 if it is just you.",
        "own_age": "How old are you? Shelters for young people and for adults are different.",
        "emergency": "This sounds like an emergency.",
        "receipt": "Thank you. Your request number is {number}. Again, that is {number}. {notice}",
        "number": "Your request number is {number}.",
        "review": "A 3 1 1 call-taker will check this report now. If anyone is in danger, hang up and call 9 1 1.",
        "referral": "A place that can help is {organization}, {name}. {when} Hours: {hours}.",
        "referral_phone": "Their number is {phone}.",
        "referral_offer": "To be connected to them now, press 1. To hear your request number again, press 2.",
        "open_now": "They are open now.",
        "opens": "They open {day} at {time}.",
        "no_referral": "Staff will follow up with a place that can help.",
        "welcome_back": "Welcome back. You have {count}.",
        "one_request": "one open request",
        "requests": "{n} open requests",
        "status_line": "Request {number}, {service}, reported {date}: {note}",
        "status_open": "it is open and with the team.",
        "status_choice": (
            "To report something new, press 1. If that is all, press 2. "
            "To hear about another of your requests, press 3."
        ),
        "number_please": "Please key in the request number you were given, then press the pound key.",
        "not_yours": "I could not find an open request with that number for the phone you are calling from.",
    },
    "es": {
        "where": (
            "¿Dónde está el problema? Diga la dirección, o dos calles que se cruzan, por ejemplo Speedway y Campbell."
        ),
        "where_again": "Intentemos de nuevo. Diga la dirección, o dos calles que se cruzan cerca del problema.",
        "what": (
            "¿Cuál es el problema? Para un bache, oprima 1. Una luz de la calle apagada, oprima 2. Grafiti, oprima 3. "
            "Un lugar para dormir esta noche, oprima 4. Ruido, oprima 5. O dígamelo en pocas palabras."
        ),
        "what_again": "Perdón, no le entendí. Oprima un número del 1 al 5, o dígamelo en pocas palabras.",
        "details": "En pocas palabras, ¿qué está pasando?",
        "after_hours": (
            "Nuestro personal no está disponible en este momento, pero esta línea recibe reportes a cualquier hora."
        ),
        "found": "Entendí {place}. Si es correcto, oprima 1. Para decirlo otra vez, oprima 2.",
        "not_found": "Perdón, no encontré ese lugar.",
        "accepted": (
            "No encontré ese lugar en el mapa, así que pasaré lo que usted dijo. El personal puede llamarle para"
            " confirmarlo."
        ),
        "outside": "{place} corresponde a {name}, no a {ours}.",
        "outside_area": "Ese lugar está fuera del área de servicio de {ours}. Comuníquese con su gobierno local.",
        "outside_web": "Comuníquese con {name}. Su sitio web es {site}.",
        "outside_phone": "Su número es {phone}. Para comunicarse con ellos ahora, oprima 1.",
        "service": "{service}. Entendido.",
        "household": (
            "¿Quién necesita un lugar esta noche? Diga por ejemplo: mi hija y yo. O oprima 1 si es solo usted,"
            " o 2 si tiene niños con usted."
        ),
        "household_again": "Perdón, no le entendí. ¿Quién necesita cama esta noche? Oprima 1 si es solo usted.",
        "own_age": "¿Cuántos años tiene? Los refugios para jóvenes y para adultos son distintos.",
        "emergency": "Esto parece una emergencia.",
        "receipt": "Gracias. Su número de reporte es {number}. Otra vez, es {number}. {notice}",
        "number": "Su número de reporte es {number}.",
        "review": (
            "Una persona del 3 1 1 revisará este reporte ahora. Si alguien está en peligro, cuelgue y llame al 9 1 1."
        ),
        "referral": "Un lugar que puede ayudarle es {organization}, {name}. {when} Horario: {hours}.",
        "referral_phone": "Su número es {phone}.",
        "referral_offer": (
            "Para comunicarse con ellos ahora, oprima 1. Para oír su número de reporte otra vez, oprima 2."
        ),
        "open_now": "Está abierto ahora.",
        "opens": "Abre el {day} a las {time}.",
        "no_referral": "El personal le dará seguimiento con un lugar que pueda ayudarle.",
        "welcome_back": "Bienvenido otra vez. Tiene {count}.",
        "one_request": "un reporte abierto",
        "requests": "{n} reportes abiertos",
        "status_line": "Reporte {number}, {service}, hecho el {date}: {note}",
        "status_open": "está abierto y con el equipo.",
        "status_choice": (
            "Para reportar algo nuevo, oprima 1. Si eso es todo, oprima 2. "
            "Para oír sobre otro de sus reportes, oprima 3."
        ),
        "number_please": "Marque el número de reporte que se le dio y luego la tecla de gato.",
        "not_yours": "No encontré un reporte abierto con ese número para el teléfono desde el que llama.",
    },
}

# What the caller hears before a report's place, in the order the flow asks for it.
STATIC_PROMPTS = ("where", "where_again", "what", "what_again", "details", "after_hours", "number_please")


def say(language: Language, prompt: str, /, **values: str) -> str:
    """One prompt as an SSML fragment; `values` must be SSML already (escape words with `text`)."""
    return TEXTS[language][prompt].format(**values)


def text(value: str) -> str:
    """Plain words made safe inside SSML."""
    return escape(value)


def speak(*fragments: str) -> str:
    """A whole SSML document."""
    return "<speak>" + " ".join(fragment for fragment in fragments if fragment) + "</speak>"


def digits(number: str) -> str:
    """A request number, read one digit at a time."""
    return f'<say-as interpret-as="digits">{escape(number)}</say-as>'


def phone_number(e164: str) -> str:
    """A US number read in its usual three groups, digit by digit."""
    national = e164.removeprefix("+1") if e164.startswith("+1") and len(e164) == 12 else e164.lstrip("+")
    if len(national) == 10:
        groups = (national[:3], national[3:6], national[6:])
        return '<break time="200ms"/>'.join(digits(group) for group in groups)
    return digits(national)


def place(label: str, language: Language) -> str:
    """A geocoder label as a person would say it: no ZIP, state or country, abbreviations spelled out."""
    first = label.split(",")[0].strip() or label
    spoken = _ABBREVIATION.sub(lambda match: _DIRECTIONS.get(match[1]) or _STREET_TYPES[match[1]], first)
    return escape(spoken.replace("&", "and" if language == "en" else "y"))


def website(url: str) -> str:
    """A web address as it is said: no scheme, dots spoken by the voice."""
    host = re.sub(r"^https?://", "", url).rstrip("/")
    return escape(host)


def hours(value: str, language: Language) -> str:
    """Directory hours ('Mon–Fri 08:00–16:00') in words the voice reads well."""
    words = value
    for short, full in _DAYS[language].items():
        words = re.sub(rf"\b{short}\b", full, words)
    words = words.replace("–", " to " if language == "en" else " a ").replace(";", ".")
    return escape(words)


def day_and_time(moment: datetime, language: Language) -> tuple[str, str]:
    """('Tuesday', '5:30 PM') in city time; Spanish uses the 24-hour clock."""
    local = moment.astimezone(clock.CITY_TZ)
    day = _WEEKDAYS[language][local.weekday()]
    if language == "es":
        return day, f"{local.hour}:{local.minute:02d}"
    hour = local.hour % 12 or 12
    return day, f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def date(moment: datetime, language: Language) -> str:
    """'March 3' or '3 de marzo', in city time."""
    local = moment.astimezone(clock.CITY_TZ)
    month = _MONTHS[language][local.month - 1]
    return f"{month} {local.day}" if language == "en" else f"{local.day} de {month}"


def first_sentence(note: str, limit: int = 200) -> str:
    """The start of a status note, short enough to read out."""
    sentence = re.split(r"(?<=[.!?])\s", note.strip(), maxsplit=1)[0]
    return escape(sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + ".")
