"""Where the speaker is in a sentence: left of the verb past asides, or after an inverted
one ("..., said one of the people"), with a role found in apposition.
"""

from __future__ import annotations

import re

from . import lexicon as lx
from .names import cap_sequences, is_job_word, split_titles
from .phrases import COMMON_NOUNS, DETERMINER, clean_phrase
from .segment import Sentence


_HEARSAY_ADVERBS = re.compile(r"\b(?:reportedly|allegedly|rumou?red)\s*$", re.I)


_RELAY_VERBS = ("polled", "surveyed", "quoted", "cited", "interviewed", "contacted")
_RELAYED_BY = re.compile(
    r"\s+(?:polled|surveyed|quoted|cited|interviewed|contacted)\s+by\s+"
    r"(?:[Tt]he\s+)?[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*(?=(?:\s+\w+)?\s*$)"
)
_HEARSAY_BEFORE = re.compile(r"\b(?:reportedly|allegedly)\s+(?:\w+\s+){0,1}$")


_RELATIVE_START = re.compile(r"^(?:who|which|that|whose|whom|where|and|or)\b", re.I)


FINITE_SPEECH = re.compile(
    r"\b(?:said|says|told|added|warned|wrote|confirmed|announced|"
    r"insisted|stated|argued|explained|urged)\b"
)


# "Jade Morris, 31, from Bootle, said": where someone is from is an aside.
_ORIGIN = re.compile(r"^(?:from|of|in)\s+(?:the\s+)?[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*){0,3}$")


_PARTY_TAG = re.compile(r"^[RDI]-[A-Z][A-Za-z.]*\.?$")  # "Sen. Marco Rubio, R-Fla., said"


_AGE = re.compile(r"^(?:aged\s+)?\d{1,3}(?:\s*years?\s+old)?$", re.I)


# A lower-case participle opens an aside: "released on Monday", "speaking to reporters".
_PARTICIPLE_ASIDE = re.compile(r"^[a-z][a-z\-]*(?:ed|ing)\b(?!\s+(?:that|to)\b)")


_VERBISH = {
    "is", "are", "was", "were", "be", "been", "being", "would", "will", "has", "have", "had",
    "could", "can", "may", "might", "should", "must", "did", "does", "do", "said", "says", "told",
    "if", "because", "than", "when", "while", "not", "no",
}


_PREPOSITIONS = {
    "of", "at", "for", "in", "on", "with", "to", "from", "by", "a", "an", "as", "after", "before",
    "over", "under", "about", "into", "during", "since",
}


_AUX_ONLY = re.compile(
    r"(?:(?:has|have|had|is|are|was|were|will|would|also|later|then|previously|already|since|"
    r"again|now|once|repeatedly|recently|separately|meanwhile|too)\b\s*)+(?:\w+\s+to\s+.*)?"
)


_OBJECT_RELATIVE = re.compile(
    r"(?:which|that|whom)\s+(?P<subject>(?:the|a|an|his|her|their|its|[A-Z])[^,]*?)\s*$"
)


_PLACE_BEFORE = re.compile(r"\b(?:in|near|outside|from)\s+[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*$")


_WHOSE_SPEAKER = re.compile(
    r"whose\s+(?P<role>(?:[a-z\-]+\s+){1,3}?)(?P<name>[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){1,2})$"
)


_RELATIVE_TAIL = re.compile(r"\s+(?:who|which|that|whose|whom)\b.*$", re.I | re.S)


def char_before(text: str, end: int) -> str:
    """The last character before `end` that is not white space ("" if none): what
    text[:end].rstrip() ends with, without copying the whole prefix."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return text[end - 1] if end else ""


def _bare_name(piece: str) -> bool:
    """'Councillor Priya Shah', 'Library user Frank Devlin': a name, a role at most before it."""
    cleaned, _ = clean_phrase(piece, 0)
    words = cleaned.split()
    if (
        not words
        or len(words) > 8
        or any(w.lower().strip(",") in _VERBISH | _PREPOSITIONS for w in words)
    ):
        return False
    runs = cap_sequences(cleaned)
    if not runs or runs[-1][1] < len(cleaned.rstrip(" .")) - 1:
        return False
    _, name_words = split_titles(runs[-1][2].split())
    return (
        bool(name_words)
        and name_words[0].lower() not in lx.STOP_CAPS
        and not (len(name_words) == 1 and name_words[0].lower() in COMMON_NOUNS)
    )


def role_phrase(piece: str) -> str | None:
    """'a cardiologist at King's College London who was not involved': the role, cleaned."""
    cleaned = piece.strip(" ,;:—–‘’'\"“”()")
    cleaned = _RELATIVE_TAIL.sub("", cleaned).strip(" ,")
    words = cleaned.split()
    if (
        not words
        or len(words) > 16
        or words[0][0].isupper()
        and words[0].lower() not in {"the", "a", "an", "his", "her", "its", "their"}
        and not (words[0].endswith(("’s", "'s")) and len(words) > 1)
    ):
        return None
    lower = [re.sub(r"(?:[’']s?)?[,.]*$", "", w.lower()) for w in words]  # "board's" -> "board"
    if any(w in _VERBISH for w in lower):
        return None
    nouns = lx.ROLE_NOUNS | set(lx.ANONYMOUS_HEADS) | lx.TITLE_WORDS | lx.ROLE_EXTRA
    if len(words) <= 10 and any(w in nouns or is_job_word(w) or w in _ORG_NOUNS for w in lower):
        return DETERMINER.sub("", cleaned)
    if any(w in nouns or is_job_word(w) for w in lower[:4]):
        return DETERMINER.sub("", cleaned)  # "a fellow at the Max Planck Institute for ..."
    if len(words) <= 8 and re.match(
        r"(?:a|an|the)\s+(?:[\w’'\-]+\s+){1,3}?(?:in|at|of|for|from|with)\s+(?:the\s+)?[A-Z]",
        cleaned,
    ):
        return DETERMINER.sub("", cleaned)  # "a GP in Leeds"
    return None


# Lower-case nouns that describe an organisation in apposition: "Full Fact, the charity".
_ORG_NOUNS = (
    lx.INSTITUTION_HEADS
    | {
        "charity", "watchdog", "regulator", "body", "nonprofit", "non-profit", "startup",
        "think-tank", "fact-checker", "organisation", "organization", "provider", "operator",
        "manufacturer", "retailer", "chain", "developer", "platform", "lender", "broker",
        "insurer", "pollster",
    }
) - {"party"}


_OUTLET_NOUNS = {
    "newspaper", "paper", "tabloid", "broadsheet", "magazine", "broadcaster", "website",
    "newsletter", "news agency", "wire service", "channel",
}


def role_kind(role: str | None) -> str | None:
    """What an appositive says the speaker is: 'the UK fact-checking charity' -> named_org."""
    if not role:
        return None
    last = re.findall(r"[a-z\-]+", role.lower().split(" at ")[0].split(" of ")[0])
    if last and (last[-1] in _OUTLET_NOUNS or " ".join(last[-2:]) in _OUTLET_NOUNS):
        return "outlet"
    if last and last[-1] in _ORG_NOUNS:
        return "named_org"
    return None


def subject_before(sentence: Sentence, verb_start: int) -> tuple[str, int, str | None] | None:
    """The subject phrase left of a verb, and a role found in apposition.

    Takes the last comma-segment that is not an aside (a relative clause, an age, a
    participle); "Marta Ruiz, chief economist at X, said" gives Marta Ruiz with that role.
    """
    # A subject sits close to its verb; a window keeps very long sentences linear.
    base = max(0, verb_start - 300)
    left = sentence.text[base:verb_start]
    # Each test below only runs when its words are there at all: a plain substring check
    # costs far less than a regex pass over the window, and there is one window per verb.
    if any(verb in left for verb in _RELAY_VERBS):
        left = _RELAYED_BY.sub(lambda m: " " * len(m.group(0)), left)
    stripped = left.rstrip()
    # "reportedly" is the longest hearsay adverb; two more characters hold the boundary.
    if _HEARSAY_ADVERBS.search(stripped, max(0, len(stripped) - 12)) or (
        ("reportedly" in left or "allegedly" in left) and _HEARSAY_BEFORE.search(left)
    ):
        return None
    pieces = _Pieces(left)
    bare: dict[str, bool] = {}  # each piece is asked about several times

    def is_bare(piece: str) -> bool:
        if piece not in bare:
            bare[piece] = _bare_name(piece)
        return bare[piece]

    n = 0  # pieces are read from the last (n = 0) backwards, only as far as needed
    while (current := pieces.back(n)) is not None:
        start, piece = current
        previous = pieces.back(n + 1)  # the piece before this one, if any
        n += 1
        cleaned = piece.strip(_PIECE_PUNCTUATION)
        last = n == 1
        if last and previous and _AUX_ONLY.fullmatch(cleaned):
            continue  # "Sir David Ellery, the MP for X, has also written": the aux is no subject
        if (
            last
            and not piece.rstrip().endswith((",", ";", ":"))
            and (relative := _OBJECT_RELATIVE.match(cleaned))
        ):
            # "..., which the company's founder Jeff Bezos announced": the speaker follows "which".
            inner = relative.group("subject")
            return inner, sentence.start + base + start + piece.find(inner), None
        if (
            previous
            and is_bare(piece)
            and _PLACE_BEFORE.search(previous[1].rstrip(" ,"))
            and " " not in cleaned
        ):
            continue  # "at the Max Planck Institute in Munich, Germany, and co-author": a place
        whose = _WHOSE_SPEAKER.match(cleaned)
        if whose and previous and is_bare(previous[1]):
            # "Greenpeace, whose director Mark Hollis said": Hollis speaks, for Greenpeace.
            owner = clean_phrase(previous[1], 0)[0]
            name_start = start + piece.find(whose.group("name"))
            owned = f"{whose.group('role').strip()} of {owner}"
            return whose.group("name"), sentence.start + base + name_start, owned
        if (
            _RELATIVE_START.match(cleaned)
            or _AGE.match(cleaned)
            or _PARTY_TAG.match(cleaned)
            or (_ORIGIN.match(cleaned) and previous)
        ) or (_PARTICIPLE_ASIDE.match(cleaned) and previous):
            continue
        if FINITE_SPEECH.search(_RELATIVE_TAIL.sub("", cleaned)):
            return None  # "X said ... and called for": X was taken at the first verb
        if previous and not is_bare(piece) and is_bare(previous[1]):
            role = role_phrase(piece)
            if role:
                return previous[1], sentence.start + base + previous[0], role
        if previous and is_bare(piece):
            # The speaker opens the sentence, or only connectors stand before the role.
            at_start = pieces.back(n + 1) is None and base == 0
            if at_start or pieces.only_connectors_from(n + 1):
                role = role_phrase(previous[1])
                return piece, sentence.start + base + start, role
        return piece, sentence.start + base + start, None
    return None


_BOUNDS = re.compile(r"[,;:—–]\s*|[’”\"]\s+|\(\s*|\)\s*")
_PIECE_PUNCTUATION = " ,;:—–‘’'\"“”()"


class _Pieces:
    """The segments of `left` between commas, dashes, closing quotes and brackets that can
    hold a subject, read from the end backwards on demand: the subject is nearly always in
    the last one or two, so a window full of quotation marks costs no more than it needs."""

    def __init__(self, left: str) -> None:
        self.left = left
        self.bounds = list(_BOUNDS.finditer(left))
        self.next_segment = len(self.bounds)  # the last segment not yet read
        self.found: list[tuple[int, str]] = []  # (start, piece), the last piece first

    def back(self, n: int) -> tuple[int, str] | None:
        """The n-th piece counting back from the last (0), or None if there are fewer."""
        while len(self.found) <= n and self.next_segment >= 0:
            segment = self.next_segment
            start = self.bounds[segment - 1].end() if segment else 0
            end = self.bounds[segment].end() if segment < len(self.bounds) else len(self.left)
            piece = self.left[start:end]
            self.next_segment -= 1
            # A parenthesis is an aside ("The senator (D-Calif.) said"), never the subject.
            if piece.strip(_PIECE_PUNCTUATION) and not (
                piece.rstrip().endswith(")") and char_before(self.left, start) == "("
            ):
                self.found.append((start, piece))
        return self.found[n] if n < len(self.found) else None

    def only_connectors_from(self, n: int) -> bool:
        """Whether every piece from the n-th back to the first is only a connector."""
        while (piece := self.back(n)) is not None:
            if clean_phrase(piece[1], 0)[0]:
                return False
            n += 1
        return True


def looks_like_subject(phrase: str) -> bool:
    """'one of the people', 'Commerce Secretary X' - not 'she rushed Oliver to hospital'."""
    words = phrase.split()
    if not words:
        return False
    first = words[0].lower()
    if first in lx.PRONOUNS_PERSON | {"they", "it", "we", "i", "you", "that", "this"}:
        return False
    return words[0][:1].isupper() or first in {
        "a", "an", "the", "one", "two", "three", "some", "several", "another", "his", "her",
        "their",
    }


# How far right of a verb a speaker or a noun phrase may reach. Real ones are a few words
# ("said one of the people", "according to data from the Semiconductor Industry
# Association"); a longer run is no phrase, and the bound keeps a sentence with thousands of
# verbs linear.
REACH = 400


_SUBJECT_AFTER = re.compile(
    r"\s*((?:(?!\s+(?:at|in|on|during|after|before|when|while|to|as|in an?)\s+"
    r"(?:a|an|the|his|her|their|its|[a-z]|\d))[^,.;:!?])+)"
)


_NOUN_PHRASE_AFTER = re.compile(
    r"([^,.;:!?()]+?)(?=\s+(?:that|who|which|on|last|this|as|when|after|"
    r"before|published|released|issued|(?:in|at)\s+(?![A-Z]))\b|[,.;:!?()]|$)"
)


def _within_reach(pattern: re.Pattern[str], text: str, start: int) -> re.Match[str] | None:
    """Match at `start`, looking at most REACH characters ahead; a match that runs into
    that limit would run on, so it is no phrase."""
    limit = start + REACH
    match = pattern.match(text, start, limit)
    if match and match.end() == limit and limit < len(text):
        return None
    return match


def subject_after(sentence: Sentence, verb_end: int) -> tuple[str, int] | None:
    """Inverted attribution: '..., said one of the people, who ...'.

    Stops before a trailing place or time: 'said Commerce Secretary Gina Raimondo at a hearing'.
    """
    match = _within_reach(_SUBJECT_AFTER, sentence.text, verb_end)
    if not match:
        return None
    return match.group(1), sentence.start + match.start(1)


def noun_phrase_after(sentence: Sentence, end: int) -> tuple[str, int] | None:
    match = _within_reach(_NOUN_PHRASE_AFTER, sentence.text, end)
    if not match:
        return None
    return match.group(1), sentence.start + match.start(1)
