"""What the rules say about one text: the engine's verdict, which the decision policy and training read."""

from __future__ import annotations

from typing import NamedTuple

from civic311.triage.language import Language
from civic311.triage.normalize import Doc

# The second opinion speaks only on texts with at least this many content words (not stopwords, places or
# numbers). On fewer ("hello?", "the thing", "no sé") a handful of weights decide and its answer is noise.
MODEL_MIN_CONTENT_WORDS = 3


class RuleVerdict(NamedTuple):
    """What the rules say, plus what the combination with the second opinion needs to know."""

    doc: Doc
    mask: list[bool]
    negated: list[bool]  # tokens a negator reaches; the model reads "not bleeding" apart from "bleeding"
    emergency_code: str | None  # set when the rules alone call 911
    crisis: bool
    cue_code: str  # the best-voted service code, "other" when nothing voted
    cue_score: float
    cue_signals: list[tuple[int, str]]
    danger_denied: bool  # the text explicitly denies, dates or explains away a danger cue
    crisis_denied: bool  # likewise for a distress cue
    signals: list[tuple[int, str]]
    language: Language
    content_words: int  # words that are not stopwords, place names or numbers
    signs: tuple[tuple[int, str], ...] = ()  # live signs a call-taker would hear ("snoring and won't wake after pills")
    doubted: bool = False  # the rules' emergency sits in a sentence that also says harm was denied or is over
    # The text's structure for the model: kinds of time phrase present ("time:over-only"), and cues denied, dated or
    # explained away by kind ("negated:danger", "past-tense:crisis", "idiom:risk"); never a live cue of the rules.
    marks: tuple[str, ...] = ()

    @property
    def emergency(self) -> bool:
        return self.emergency_code is not None

    @property
    def model_may_speak(self) -> bool:
        """Enough words for the second opinion to weigh; shorter texts get the rules' answer alone."""
        return self.content_words >= MODEL_MIN_CONTENT_WORDS

    @property
    def distress_held(self) -> bool:
        """The rules read distress without plan, means or act: their reviewed "988, not 911".

        That split turns on what the caller has and has done, which the rules check and a bag of words cannot,
        so the model never turns such a text into a 911 call; its yes shows as `model-overruled:`.
        """
        return self.crisis and not self.emergency
