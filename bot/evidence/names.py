"""Names in running text: capitalised runs, titles before a name, and what a name is.

A registry of every capitalised run in the article lets a short later mention ("Vogel",
"Nordlake") be resolved to the full name met first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import lexicon as lx


_CONNECTORS = {
    "of", "for", "de", "la", "le", "van", "von", "der", "den", "al", "bin", "du", "da", "di",
    "del", "and", "dello", "della", "degli", "delle", "dos", "das", "des",
}


_ORG_OR_CONNECTOR = lx.ORG_WORDS | _CONNECTORS


@dataclass
class _Entity:
    name: str
    kind: str  # person | org | outlet | unknown


_POSSESSIVE = re.compile(r"[’']s?$")


def strip_possessive(word: str) -> str:
    return _POSSESSIVE.sub("", word)


def cap_sequences(text: str) -> list[tuple[int, int, str]]:
    """Runs of capitalised words, allowing 'of/for/de' inside ('Office for National Statistics')."""
    tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[\w’'.\-]+", text)]
    runs: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        start, end, word = tokens[i]
        if word[0].isupper():
            j = i
            while j + 1 < len(tokens):
                nxt = tokens[j + 1][2]
                gap = text[tokens[j][1] : tokens[j + 1][0]]
                if gap.strip() or "\n" in gap:
                    break
                if tokens[j][2].endswith(("’s", "'s")):
                    break
                if tokens[j][2].endswith(".") and not re.fullmatch(
                    r"(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Prof|Gen|Col|Lt|Sgt|Capt|Rev|Jr|Sr)\.", tokens[j][2]
                ):
                    break
                if nxt[0].isupper() or (
                    re.fullmatch(r"\d{1,2}(?:[’']s)?", nxt) and tokens[j][2][0].isupper()
                ):
                    j += 1
                elif (
                    nxt.lower() in _CONNECTORS
                    and j + 2 < len(tokens)
                    and tokens[j + 2][2][0].isupper()
                    and not text[tokens[j + 1][1] : tokens[j + 2][0]].strip()
                ):
                    j += 2
                elif (
                    nxt.lower() in {"for", "of"}
                    and j + 3 < len(tokens)
                    and tokens[j + 2][2] == "the"
                    and tokens[j + 3][2][0].isupper()
                    and not text[tokens[j + 1][1] : tokens[j + 2][0]].strip()
                    and not text[tokens[j + 2][1] : tokens[j + 3][0]].strip()
                    and "\n" not in text[tokens[j][1] : tokens[j + 3][0]]
                ):
                    j += 3  # "Royal Society for the Prevention of Accidents"
                else:
                    break
            runs.append((start, tokens[j][1], text[start : tokens[j][1]].rstrip(".")))
            i = j + 1
        else:
            i += 1
    return runs


def is_job_word(word: str) -> bool:
    low = word.lower()
    return (
        low in lx.ROLE_NOUNS
        or low in lx.ROLE_EXTRA
        or low in lx.ANONYMOUS_HEADS
        or bool(re.fullmatch(r"[a-z]{4,}(?:ologist|ist|ician|caster|grapher)", low))
    )


def split_titles(words: list[str]) -> tuple[list[str], list[str]]:
    """Split leading titles and nationalities ('Retired Major-General') from a name."""
    role: list[str] = []
    if " ".join(words).lower() in lx.OUTLETS:
        return [], words  # "New York Times" keeps its "New"
    first = 0  # words[first:] is the name so far; an index keeps a run of titles linear
    if len(words) > 1 and words[-1].lower().strip(".,") in lx.ORG_WORDS:
        # "General Staff", "Foreign Office": the title word is part of the body's name.
        while len(words) - first > 1 and words[first].lower() in lx.STOP_CAPS:
            first += 1
        return role, words[first:]
    while len(words) - first > 1 and (
        words[first].lower().rstrip(".") in lx.TITLE_WORDS
        or lx.NATIONALITIES.match(words[first])
        or words[first].lower() in lx.STOP_CAPS
        and not (words[first] == "New" and len(words) - first > 2)
    ):
        if words[first].lower() not in lx.STOP_CAPS:
            role.append(words[first])
        first += 1
    words = words[first:]
    # "Forecaster Alex Deakin": a job word before a two-word name.
    if len(words) == 3 and is_job_word(words[0]) and all(w[:1].isupper() for w in words[1:]):
        role.append(words[0])
        words = words[1:]
    # "Commerce Secretary Gina Raimondo": everything up to the last title word is the role.
    titles = [i for i, w in enumerate(words[:-1]) if w.lower().rstrip(".") in lx.TITLE_WORDS]
    if titles and 2 <= len(words) - titles[-1] - 1 <= 3:
        rest = words[titles[-1] + 1 :]
        if (
            not any(w.lower().strip(".,") in _ORG_OR_CONNECTOR for w in words)
            and rest[0][:1].isupper()
        ):
            role += words[: titles[-1] + 1]
            words = rest
    return role, words


def is_outlet(name: str, role: str = "") -> bool:
    low = name.lower().strip()
    if low in lx.OUTLETS or low.removeprefix("the ") in lx.OUTLETS:
        return True
    words = low.split()
    if len(words) > 1 and words[-1] in lx.OUTLET_WORDS:
        return True
    if len(words) > 1 and words[0] in lx.OUTLET_LEAD_WORDS:
        return True
    if len(words) > 2 and words[-1].isdigit() and words[-2] in lx.OUTLET_WORDS:
        return True  # "BBC Radio 4"
    if 1 < len(words) <= 4 and words[0] in lx.OUTLETS and words[0].upper() == name.split()[0]:
        return True  # "BBC Sport", "CNN International"
    # "Spanish newspaper Marca": a lower-case kind word; "Network Rail chief executive" is not.
    return any(w in lx.OUTLET_ROLE_WORDS for w in role.split())


def is_org(name: str) -> bool:
    words = [w.lower().strip(".,") for w in name.split()]
    if any(w in lx.ORG_WORDS for w in words):
        return True
    return bool(re.fullmatch(r"[A-Z]{2,6}", name.strip()))


def _title_mid_sentence(text: str, start: int, run: str) -> bool:
    """'according to The Athletic': a capital 'The' inside a sentence marks a title."""
    if not run.startswith("The ") or len(run.split()) > 4:
        return False
    before = text[max(0, start - 3) : start]
    if not re.search(r"[a-z,]\s+$", before):
        return False
    return not is_org(run[4:])


class Registry:
    """Named entities of the whole text, classified once, for resolving short names.

    Resolving is a dictionary look-up (by the whole name, by a person's last word, by an
    organisation's first word), so a text with thousands of names and mentions stays linear.
    """

    def __init__(self, text: str) -> None:
        self.entities: list[_Entity] = []
        for start, _, run in cap_sequences(text):
            role, words = split_titles(run.split())
            if not words:
                continue
            name = " ".join(
                strip_possessive(w) if i == len(words) - 1 else w for i, w in enumerate(words)
            )
            if is_outlet(name, " ".join(role)) or _title_mid_sentence(text, start, run):
                kind = "outlet"
            elif is_org(name):
                kind = "org"
            elif 2 <= len(words) <= 4 and all(
                w[0].isupper() and w.isalpha() or "-" in w for w in words
            ):
                kind = "person"
            elif len(words) == 1 and any(r.lower().rstrip(".") in lx.PERSON_TITLES for r in role):
                kind = "person"  # "Prince Andrew", "Dr Ames": later "Andrew", "Ames"
            else:
                kind = "unknown"
            self.entities.append(_Entity(name, kind))
        # The first entity of each key wins, as a scan in text order would find it.
        self._exact: dict[str, _Entity] = {}
        self._lone: dict[str, _Entity] = {}  # a single-word person: "Mr Haines" -> "Haines"
        self._part: dict[str, _Entity] = {}  # a person's last word, a body's first word
        self._org_word: dict[str, _Entity] = {}  # any word of an organisation's name
        for entity in self.entities:
            low = entity.name.lower()
            words = low.split()
            if entity.kind != "unknown":
                lone = entity.kind == "person" and " " not in entity.name
                (self._lone if lone else self._exact).setdefault(low, entity)
            if len(words) > 1 and entity.kind == "person":
                self._part.setdefault(words[-1], entity)
            elif len(words) > 1 and entity.kind in ("org", "outlet"):
                self._part.setdefault(words[0], entity)
            if entity.kind == "org":
                for word in words:
                    self._org_word.setdefault(word, entity)

    def resolve(self, name: str) -> _Entity | None:
        """A full entity for a short or exact name ('Nordlake' -> 'Nordlake Energy')."""
        low = name.lower()
        # "Mr Haines" is a person, but "Andrew Haines" is the fuller name.
        return self._exact.get(low) or self._part.get(low) or self._lone.get(low)

    def org_with_word(self, word: str) -> _Entity | None:
        """The first organisation whose name has this word ('council' -> 'Leeds City Council')."""
        return self._org_word.get(word)


def with_article(name: str) -> str:
    """'the Mirror' -> 'The Mirror'; but 'BBC' and 'Financial Times' stay as they are."""
    if name.startswith("The ") or " " in name or name.isupper():
        return name
    return "The " + name
