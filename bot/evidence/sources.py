"""Who says what: find the sources an article rests on, and which sentences each supports.

The approach is the one a sub-editor uses: find every attribution (a speech or finding
verb, "according to", "told <outlet>"), take the phrase that is its subject, and decide
what that phrase is — a named person (with role), an organisation, an unnamed person, an
outlet, a document, or a social-media post. Pronouns and definite descriptions ("he",
"the source", "the veteran") are resolved to the most recent speaker of the right sort, so
one real-world source is listed once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lexicon as lx
from .segment import Sentence

_SPEECH = re.compile(
    r"\b(?:"
    + "|".join(re.escape(v) for v in sorted(lx.SPEECH_VERBS, key=len, reverse=True))
    + r")\b"
)
_ACCORDING = re.compile(r"\baccording to\s+", re.I)
_TOLD = re.compile(
    r"\b(?:told|telling|speaking to|in an interview with|quoted by|said in a statement to|"
    r"wrote in|writing in|said on|in a column for)\s+",
    re.I,
)
_LEADING_JUNK = re.compile(
    r"^(?:[\s‘’'\"“”(\[—–*•·>#-]+|(?:but|and|or|while|whereas|as|although|though|so|yet|"
    r"meanwhile|however|also|now|then|this week|last week|on \w+day|in addition|with|"
    r"after|when|because|since|if)\b[\s,]*)+",
    re.I,
)
_TRAILING_AUX = re.compile(
    r"(?:[\s,]+(?:has|have|had|is|are|was|were|will|would|did|does|do|also|previously|now|"
    r"this week|last week|last month|last year|earlier|later|then|only|already|repeatedly|"
    r"recently|yesterday|today|on \w+day|publicly|privately|separately|further|first|once|"
    r"again|just|since|still|often|always|never|not|himself|herself|themselves|"
    r"reportedly|allegedly|long|immediately|quickly|swiftly|initially|subsequently|"
    r"privately|openly))+[\s,]*$",
    re.I,
)
_HEARSAY_ADVERBS = re.compile(r"\b(?:reportedly|allegedly|rumou?red)\s*$", re.I)
_RELATIVE_START = re.compile(r"^(?:who|which|that|whose|whom|where|and|or)\b", re.I)
_DETERMINER = re.compile(
    r"^(?:the|a|an|one|two|three|several|some|many|other|another|his|her|their|its)\s+", re.I
)
_CONNECTORS = {
    "of", "for", "de", "la", "le", "van", "von", "der", "den", "al", "bin", "du", "da", "di",
    "del", "and",
}


_INVERTIBLE = {
    "said", "says", "added", "adds", "wrote", "writes", "claimed", "warned", "explained", "noted",
    "insisted", "argued", "admitted", "confirmed", "stated", "continued", "recalled", "suggested",
    "cautioned", "stressed",
}


@dataclass
class Found:
    """A source as it is first met, before ids are given."""

    key: str
    name: str
    kind: str
    mention: str
    mention_start: int
    role: str | None = None
    via_key: str | None = None
    identified: bool = True  # for documents: named, or owned by a named body
    head: str = ""
    modifiers: frozenset[str] = frozenset()


@dataclass
class SourceMap:
    """Every source found, and for each sentence index the keys of the sources it rests on."""

    sources: dict[str, Found] = field(default_factory=dict)
    by_sentence: dict[int, list[str]] = field(default_factory=dict)

    def attach(self, sentence: int, key: str) -> None:
        keys = self.by_sentence.setdefault(sentence, [])
        if key not in keys:
            keys.append(key)


@dataclass
class _Entity:
    name: str
    kind: str  # person | org | outlet | unknown


def _possessive(word: str) -> str:
    return re.sub(r"[’']s?$", "", word)


def _cap_sequences(text: str) -> list[tuple[int, int, str]]:
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


def _is_job_word(word: str) -> bool:
    low = word.lower()
    return (
        low in lx.ROLE_NOUNS
        or low in lx.ROLE_EXTRA
        or low in lx.ANONYMOUS_HEADS
        or bool(re.fullmatch(r"[a-z]{4,}(?:ologist|ist|ician|caster|grapher)", low))
    )


def _strip_titles(words: list[str]) -> tuple[list[str], list[str]]:
    """Split leading titles and nationalities ('Retired Major-General') from a name."""
    role: list[str] = []
    if " ".join(words).lower() in lx.OUTLETS:
        return [], words  # "New York Times" keeps its "New"
    while len(words) > 1 and (
        words[0].lower().rstrip(".") in lx.TITLE_WORDS
        or lx.NATIONALITIES.match(words[0])
        or words[0].lower() in lx.STOP_CAPS
        and not (words[0] == "New" and len(words) > 2)
    ):
        if words[0].lower() not in lx.STOP_CAPS:
            role.append(words[0])
        words = words[1:]
    # "Forecaster Alex Deakin": a job word before a two-word name.
    if len(words) == 3 and _is_job_word(words[0]) and all(w[:1].isupper() for w in words[1:]):
        role.append(words[0])
        words = words[1:]
    # "Commerce Secretary Gina Raimondo": everything up to the last title word is the role.
    titles = [i for i, w in enumerate(words[:-1]) if w.lower().rstrip(".") in lx.TITLE_WORDS]
    if titles and 2 <= len(words) - titles[-1] - 1 <= 3:
        rest = words[titles[-1] + 1 :]
        if (
            not any(w.lower().strip(".,") in lx.ORG_WORDS | _CONNECTORS for w in words)
            and rest[0][:1].isupper()
        ):
            role += words[: titles[-1] + 1]
            words = rest
    return role, words


def _is_outlet(name: str, role: str = "") -> bool:
    low = name.lower().strip()
    if low in lx.OUTLETS or low.removeprefix("the ") in lx.OUTLETS:
        return True
    words = low.split()
    if len(words) > 1 and words[-1] in lx.OUTLET_WORDS:
        return True
    if len(words) > 2 and words[-1].isdigit() and words[-2] in lx.OUTLET_WORDS:
        return True  # "BBC Radio 4"
    if 1 < len(words) <= 4 and words[0] in lx.OUTLETS and words[0].upper() == name.split()[0]:
        return True  # "BBC Sport", "CNN International"
    # "Spanish newspaper Marca": a lower-case kind word; "Network Rail chief executive" is not.
    return any(w in lx.OUTLET_ROLE_WORDS for w in role.split())


def _is_org(name: str) -> bool:
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
    return not _is_org(run[4:])


class _Registry:
    """Named entities of the whole text, classified once, for resolving short names."""

    def __init__(self, text: str) -> None:
        self.entities: list[_Entity] = []
        for start, _, run in _cap_sequences(text):
            role, words = _strip_titles(run.split())
            if not words:
                continue
            name = " ".join(
                _possessive(w) if i == len(words) - 1 else w for i, w in enumerate(words)
            )
            if _is_outlet(name, " ".join(role)) or _title_mid_sentence(text, start, run):
                kind = "outlet"
            elif _is_org(name):
                kind = "org"
            elif 2 <= len(words) <= 4 and all(
                w[0].isupper() and w.isalpha() or "-" in w for w in words
            ):
                kind = "person"
            else:
                kind = "unknown"
            self.entities.append(_Entity(name, kind))

    def resolve(self, name: str) -> _Entity | None:
        """A full entity for a short or exact name ('Nordlake' -> 'Nordlake Energy')."""
        low = name.lower()
        for entity in self.entities:
            if entity.kind != "unknown" and entity.name.lower() == low:
                return entity
        for entity in self.entities:
            words = entity.name.lower().split()
            if entity.kind == "person" and words and words[-1] == low:
                return entity
            if entity.kind in ("org", "outlet") and words and words[0] == low and len(words) > 1:
                return entity
        return None


@dataclass
class _Candidate:
    # named_person | named_org | anonymous | outlet | document | social_media, or a reference
    # still to resolve: pronoun | coref_person | coref_anon | coref_doc | coref_org | coref_social
    kind: str
    name: str = ""
    role: str | None = None
    mention: str = ""
    offset: int = 0
    identified: bool = True
    head: str = ""
    modifiers: frozenset[str] = frozenset()


# Outlets named by kind, not by title: "state media", "local press", "Russian state TV".
_GENERIC_OUTLET = re.compile(
    r"(?i:the\s+)?(?!(?i:social|new|mainstream)\b)(?:(?:[A-Z][a-z]+|state|local|national|"
    r"regional|foreign|official|pro-\w+|government|state-run|state-owned|independent|"
    r"opposition)\s+){0,2}"
    r"(?i:media|press|television|tv|news agency|newspapers?|broadcaster|news outlets?|"
    r"tabloids?|outlets?)"
)
# Posts as the subject: "Videos under the hashtag #x show ...", "Posts on TikTok claim ...".
_SOCIAL_SUBJECT = re.compile(
    r"(?i:(?:viral\s+|online\s+)?(?:videos?|posts?|tweets?|clips?|reels?))\b"
    r"(?=.*(?:#\w|\b(?:TikTok|Instagram|Facebook|YouTube|Twitter|X|Telegram|social media|"
    r"online)\b))"
)
_INSTITUTION = re.compile(
    r"(?i:the|its|their|his|her|our)\s+(?:(?:[a-z][\w’'\-]*|[A-Z][a-z]+(?:ese|ian|ish|an|i|ch))\s+)"
    r"{0,3}?(?P<head>" + "|".join(sorted(lx.INSTITUTION_HEADS, key=len, reverse=True)) + r")"
    r"(?:\s+(?:in|of|at)\s+[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*)?"
)
# Heads that stand for "the organisation just named", whatever its name says.
_GENERIC_ORG_HEADS = {
    "company", "firm", "group", "club", "airline", "carrier", "insurer", "bank", "charity",
    "trust", "union", "party", "school", "hospital",
}


def _clean_phrase(phrase: str, offset: int) -> tuple[str, int]:
    match = _LEADING_JUNK.match(phrase)
    if match:
        offset += match.end()
        phrase = phrase[match.end() :]
    trimmed = _TRAILING_AUX.sub("", phrase)
    trimmed = trimmed.rstrip(" ,‘’'\"“”—–-")
    return trimmed, offset


# Professions by their suffix: dermatologists, economists, paediatricians.
_PROFESSION = re.compile(r"[a-z]{3,}(?:ologists?|ists|icians?)")


def _anonymous(phrase: str, offset: int) -> _Candidate | None:
    words = phrase.split()
    if not words or len(words) > 16:
        return None
    lower = [w.lower().strip(",.’'") for w in words]
    head_index = next(
        (
            i
            for i, w in enumerate(lower)
            if (w in lx.ANONYMOUS_HEADS or _PROFESSION.fullmatch(w))
            and not (w == "one" and i + 1 < len(lower) and lower[i + 1] != "of")
        ),
        None,
    )
    if head_index is None or head_index > 5:
        return None
    head = lower[head_index]
    before = lower[:head_index]
    if (
        any(
            w[:1].isupper()
            and w.lower() not in lx.STOP_CAPS
            and not lx.NATIONALITIES.match(w)
            and not (i == 0 and w.lower().strip(",.") in lx.ANONYMOUS_HEADS)
            and w.lower().strip(",.") not in lx.COMMON_MODIFIERS
            for i, w in enumerate(words[:head_index])
        )
        and head not in lx.UNNAMED_HEADS
    ):
        return None  # "Berwick analysts": a named body, handled elsewhere
    indefinite = bool(before) and before[0] in {
        "a", "an", "one", "two", "three", "several", "some", "another", "the",
    }
    if (
        head in lx.NEEDS_QUALIFIER
        and not lx.QUALIFIERS.search(phrase)
        and not (head in lx.ROLE_HEADS_INDEFINITE and indefinite)
    ):
        return None
    if head == "one" and "of" not in lower[head_index + 1 : head_index + 2]:
        return None
    # Keep at most 12 words; cut a long relative clause.
    mention_words = words[:12]
    mention = " ".join(mention_words).rstrip(",;:")
    mention_text = phrase[: phrase.find(mention_words[-1]) + len(mention_words[-1])].rstrip(",;:")
    modifiers = frozenset(
        w
        for w in before
        if w
        not in {
            "a", "an", "the", "one", "two", "some", "several", "many", "other", "senior", "top",
            "leading", "former", "british", "american", "western", "his", "her", "their", "its",
            "now", "also",
        }
    )
    definite = bool(before) and before[0] == "the" or lower[0] == "one" and "of" in lower[1:3]
    return _Candidate(
        "coref_anon" if definite and not modifiers - {"same"} else "anonymous",
        name=mention,
        mention=mention_text or mention,
        offset=offset,
        head=head,
        modifiers=modifiers,
    )


_DOC_OWNER = re.compile(
    r"\s+(?:by|from|of|for|published in|in)\s+(?:the\s+)?"
    r"[A-Z][\w’'\-]*(?:\s+(?:of|for|and|&)?\s*[A-Z][\w’'\-]*)*"
)


def _document(phrase: str, offset: int) -> _Candidate | None:
    lower = phrase.lower()
    if lx.OUTLET_REPORT.search(phrase):
        match = lx.OUTLET_REPORT.search(phrase)
        assert match
        return _Candidate(
            "outlet", name=match.group(0), mention=match.group(0), offset=offset + match.start()
        )
    heads = [h for h in lx.DOCUMENT_HEADS if re.search(rf"\b{h}\b", lower)]
    if not heads:
        return None
    head = max(heads, key=lambda h: lower.rfind(h))
    # "figures from the Office for National Statistics": the body is the source.
    body = re.search(
        r"\b(?i:figures|data|statistics|analysis|research|report|survey)\s+"
        r"(?:from|by|of|(?:published|released|compiled|issued|produced) by)\s+"
        r"(?:the\s+)?((?:[A-Z][\w’'\-]*\s*)+"
        r"(?:(?:for|of)\s+(?:[A-Z][\w’'\-]*\s*)+)?)",
        phrase,
    )
    if body and head in {"figures", "data", "statistics"}:
        name = body.group(1).strip()
        return _Candidate("named_org", name=name, mention=name, offset=offset + phrase.find(name))
    words = phrase.split()
    start_match = re.search(
        r"(?:(?:the|a|an|new|recent|latest)\s+)*(?:[\w’'\-]+\s+){0,5}?" rf"{re.escape(head)}\b",
        phrase,
        flags=re.I,
    )
    span = start_match.group(0) if start_match else phrase
    span_offset = offset + (start_match.start() if start_match else 0)
    # Trim to the noun phrase: drop a leading clause ("The plan follows the ...").
    verbish = re.search(
        r".*\b(?:follows|followed|cites|cited|from|in|after|by|of|to|on)\s+(?=(?:the|a|an)\b)",
        span,
        flags=re.I,
    )
    if verbish:
        span_offset += verbish.end()
        span = span[verbish.end() :]
    owner = _DOC_OWNER.match(phrase, span_offset - offset + len(span))
    if owner:
        span = phrase[span_offset - offset : owner.end()]
    name = _DETERMINER.sub("", span).strip()
    if not name:
        return None
    identified = (
        bool(re.search(r"[A-Z]", name))
        or bool(re.search(r"[’']s\b", span))
        or bool(
            re.search(
                r"\b(?:published in|in the journal|by researchers at|"
                r"(?:by|from|for) (?:the )?[A-Z])",
                phrase,
            )
        )
    )
    # Public records are checkable even without a title: court documents, council minutes.
    identified = identified or bool(
        re.search(
            r"\b(?:court|council|police|government|official|parliamentary|regulatory|annual|"
            r"public|census|inquest|planning|company|stock exchange|sec)\b",
            name,
            re.I,
        )
    )
    definite = bool(re.match(r"the\b", span.strip(), flags=re.I)) and not identified
    return _Candidate(
        "coref_doc" if definite else "document",
        name=name,
        mention=span.strip(),
        offset=span_offset,
        identified=identified,
        head=head,
    )


def _spokes(phrase: str, offset: int) -> _Candidate | None:
    """A spokesperson or representative speaks for the body named: the body is the source."""
    heads = "|".join(lx.SPEAKS_FOR_HEADS)
    after = re.search(
        rf"\b(?i:({heads})s?)\s+(?:for|of|from|at)\s+(?:the\s+)?"
        r"([A-Z][\w’'\-]*(?:\s+(?:of|for|and\s+)?[A-Z][\w’'\-]*)*)",
        phrase,
    )
    if after:
        return _Candidate(
            "named_org",
            name=_possessive(after.group(2)),
            mention=phrase.strip(),
            offset=offset,
            role=None if after.group(1).lower() == "statement" else after.group(1).lower(),
        )
    for_person = re.search(
        rf"([A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*)[’']s?\s+(?i:({heads}))\b", phrase
    )
    if for_person:
        # "Mr Haines's spokesman": speaks for the person, who stays the source.
        return _Candidate(
            "spokes_for",
            name=for_person.group(1),
            mention=phrase.strip(),
            offset=offset,
            role=for_person.group(2).lower(),
        )
    people = "|".join(h for h in lx.SPOKES_HEADS if h != "statement")
    before = re.search(rf"\b(?:an?|the)?\s*([\w’'\- ]+?)\s+(?i:({people})s?)\b", phrase, flags=re.I)
    if before and before.group(1).strip().lower() not in {"a", "an", "the", ""}:
        body = _possessive(_DETERMINER.sub("", before.group(1).strip()))
        # "a Commerce Department spokesperson" speaks for the Commerce Department.
        name = body if body[:1].isupper() else f"{body} {before.group(2).lower()}"
        return _Candidate(
            "named_org",
            name=name.strip(),
            mention=phrase.strip(),
            offset=offset,
            role=before.group(2).lower(),
        )
    return None


def _analysts_at(phrase: str, offset: int) -> _Candidate | None:
    match = re.search(
        r"\b(?i:analysts?|experts?|researchers?|scientists?|economists?|officials?|"
        r"strategists?|staff|engineers?)\s+(?:at|from|with|of)\s+(?:the\s+)?"
        r"([A-Z][\w’'\-]*(?:\s+(?:of|for|and\s+)?[A-Z][\w’'\-]*)*)",
        phrase,
    )
    if match:
        name = _possessive(match.group(1))
        return _Candidate("named_org", name=name, mention=phrase.strip(), offset=offset)
    return None


def classify(phrase: str, offset: int, registry: _Registry) -> _Candidate | None:
    """Decide what a subject phrase is. `offset` is where `phrase` starts in the article."""
    phrase, offset = _clean_phrase(phrase, offset)
    if not phrase or len(phrase) > 160:
        return None
    low = phrase.lower()
    if low in lx.PRONOUNS_PERSON:
        return _Candidate("pronoun")
    if low in lx.PRONOUNS_PLURAL or low in {"it", "we", "i", "you", "this", "that"}:
        return None
    if low in {
        "police", "the police", "prosecutors", "the prosecution", "the government", "ministers",
        "the army", "the military",
    }:
        name = _DETERMINER.sub("", phrase)
        return _Candidate(
            "coref_org", name=name, mention=phrase, offset=offset, head=name.lower().split()[-1]
        )
    generic_outlet = _GENERIC_OUTLET.fullmatch(phrase)
    if generic_outlet:
        name = _DETERMINER.sub("", phrase)
        return _Candidate("outlet", name=name, mention=phrase, offset=offset)
    social = _SOCIAL_SUBJECT.match(phrase)
    if social:
        return _Candidate(
            "coref_social", name="social media posts", mention=social.group(0), offset=offset
        )
    institution = _INSTITUTION.fullmatch(phrase)
    if institution:
        return _Candidate(
            "coref_org",
            name=_DETERMINER.sub("", phrase),
            mention=phrase,
            offset=offset,
            head=institution.group("head").lower(),
        )
    for finder in (_analysts_at, _spokes):
        found = finder(phrase, offset)
        if found and finder is _spokes:
            # Speaking for a named body counts as that body; for a person, as their office
            # ("Mia Grant's representative"), on record but not the person's own words.
            _, words = _strip_titles(found.name.split())
            entity = registry.resolve(" ".join(words)) or registry.resolve(words[-1])
            found.kind = "named_org"
            if entity and entity.kind == "person":
                found.name = f"{entity.name}'s {found.role or 'representative'}"
                return found
        if found:
            entity = registry.resolve(found.name)
            if entity and entity.kind in ("org", "unknown"):
                found.name = entity.name
            return found
    runs = [
        r
        for r in _cap_sequences(phrase)
        if r[2].lower() not in lx.STOP_CAPS
        and not (r[0] == 0 and r[2].lower() in _COMMON_NOUNS | lx.COMMON_MODIFIERS)
    ]
    document = _document(phrase, offset)
    if document and (
        document.kind in ("outlet", "named_org")
        or not _person_run(runs, phrase)
        or _head_after_runs(phrase, document.head, runs)
        or re.search(
            rf"\b{re.escape(document.head)}\s+(?:[a-z]+\s+)?(?:by|from|of|for)"
            r"\s+(?:the\s+)?[A-Z]",
            phrase,
            flags=re.I,
        )
        or (
            document.head in lx.STUDY_HEADS - {"report", "reports"}
            and re.search(
                rf"\b{re.escape(document.head)}\s+(?:published\s+)?in\s+(?:the\s+)?"
                r"(?:journal\s+)?[A-Z]",
                phrase,
                flags=re.I,
            )
        )
    ):
        return document
    anonymous = _anonymous(phrase, offset)
    if anonymous and (
        not _person_run(runs, phrase)
        or _name_in_tail(phrase, anonymous.head, runs)
        or _body_before_head(phrase, anonymous.head, runs)
    ):
        return anonymous
    runs = [r for r in runs if lx.SOCIAL_PLATFORMS.get(r[2].lower()) is None]
    led = re.match(
        r"(?:the\s+)?(?:team|researchers|scientists|a team|an? \w+ team)\s+led\s+by\s+",
        phrase,
        flags=re.I,
    )
    if led:
        leader = classify(phrase[led.end() :], offset + led.end(), registry)
        if leader and leader.kind == "named_person":
            leader.role = f"lead researcher{', ' + leader.role if leader.role else ''}"
            return leader
    affiliated = _affiliated_person(phrase, offset, runs, registry)
    if affiliated:
        return affiliated
    if runs:
        start, end, run = runs[-1]
        role_words, words = _strip_titles(run.split())
        if not words:
            return None
        name = " ".join(words)
        name = _possessive(name) if name.endswith(("’s", "'s")) else name
        if _is_org(name) and role_words and lx.NATIONALITIES.match(role_words[-1]):
            name = f"{role_words[-1]} {name}"  # "British Association of Dermatologists"
            role_words = role_words[:-1]
        prefix = phrase[:start].strip(" ,")
        prefix = _DETERMINER.sub("", prefix)
        role = (
            " ".join(
                w
                for w in (prefix + " " + " ".join(role_words)).split()
                if w.lower() not in lx.STOP_CAPS or w.lower() in {"new"}
            ).strip()
            or None
        )
        if role and len(role.split()) > 6:
            role = None
        mention_start = offset + start
        mention = phrase[start:end].strip()
        if role and prefix and phrase.find(prefix) >= 0:
            mention_start = offset + phrase.find(prefix)
            mention = phrase[phrase.find(prefix) : end].strip()
        entity = registry.resolve(name)
        if _is_outlet(name, role or "") or (entity and entity.kind == "outlet"):
            name = entity.name if entity else name
            if re.search(r"\bthe\s+$", phrase[:start], flags=re.I) or run.startswith("The "):
                name = _with_article(name)
            return _Candidate("outlet", name=name, mention=mention, offset=mention_start)
        if _is_org(name) or (entity and entity.kind == "org"):
            return _Candidate(
                "named_org",
                name=entity.name if entity else name,
                role=role,
                mention=mention,
                offset=mention_start,
            )
        if entity and entity.kind == "person":
            return _Candidate(
                "named_person", name=entity.name, role=role, mention=mention, offset=mention_start
            )
        if len(words) >= 2:
            return _Candidate(
                "named_person", name=name, role=role, mention=mention, offset=mention_start
            )
        if role and any(w.lower() in lx.ROLE_NOUNS for w in role.split()):
            return _Candidate(
                "named_person", name=name, role=role, mention=mention, offset=mention_start
            )
        return _Candidate("named_org", name=name, mention=mention, offset=mention_start)
    if document:
        return document
    if anonymous:
        return anonymous
    definite = re.fullmatch(r"(?:the|this|that)\s+(?:[\w’'\-]+\s+){0,3}([\w\-]+)", low)
    if definite and (definite.group(1) in lx.ROLE_NOUNS or definite.group(1).endswith("-old")):
        return _Candidate("coref_person")
    return None


_AFFILIATION = re.compile(r"(?P<person>.*?[A-Z][\w’'\-]+)\s+(?:of|at|from)\s+(?:the\s+)?[A-Z].*$")


def _affiliated_person(
    phrase: str, offset: int, runs: list[tuple[int, int, str]], registry: _Registry
) -> _Candidate | None:
    """'Professor Marco Ferri of the University of Padua': the person, with the body as role."""
    match = _AFFILIATION.match(phrase)
    if not match:
        return None
    body = re.sub(r"^\s*(?:of|at|from)\s+(?:the\s+)?", "", phrase[match.end("person") :])
    entity = registry.resolve(body.strip())
    if not (_is_org(body) or (entity and entity.kind == "org")):
        return None
    person = classify(match.group("person"), offset, registry)
    if not person or person.kind != "named_person":
        return None
    body = re.sub(r"^(?:of|at|from)\s+(?:the\s+)?", "", phrase[match.end("person") :].strip())
    person.role = f"{person.role}, {body}" if person.role else body
    return person


_COMMON_NOUNS = set(lx.ANONYMOUS_HEADS) | set(lx.DOCUMENT_HEADS) | lx.ROLE_NOUNS


def _head_after_runs(phrase: str, head: str, runs: list[tuple[int, int, str]]) -> bool:
    """'the Environment Agency's 2024 flood risk assessment': the text is the subject."""
    position = phrase.lower().rfind(head)
    return bool(runs) and position > runs[-1][1]


def _body_before_head(phrase: str, head: str, runs: list[tuple[int, int, str]]) -> bool:
    """'a Conservative Party source': a named body qualifies a person who stays unnamed."""
    if head not in lx.UNNAMED_HEADS or not runs:
        return False
    position = re.search(rf"\b{re.escape(head)}\b", phrase, flags=re.I)
    return bool(position) and all(end <= position.end() for _, end, _ in runs)


def _name_in_tail(phrase: str, head: str, runs: list[tuple[int, int, str]]) -> bool:
    """'a senior executive at a company that looked at Vessa': the person is still unnamed."""
    position = re.search(rf"\b{re.escape(head)}\b", phrase, flags=re.I)
    if not position or not runs or runs[0][0] < position.end():
        return False
    between = phrase[position.end() : runs[0][0]]
    return bool(
        re.search(
            r"\b(?:at|for|of|in|from|with|who|that|which|whose|close to|familiar with)\b",
            between,
            flags=re.I,
        )
    )


def _person_run(runs: list[tuple[int, int, str]], phrase: str) -> bool:
    """True when the phrase names a person or body (a capitalised run that isn't a title)."""
    for _, _, run in runs:
        _, words = _strip_titles(run.split())
        if (
            words
            and not lx.NATIONALITIES.match(words[0])
            and words[0].lower() not in lx.STOP_CAPS
            and not (len(words) == 1 and words[0].lower() in lx.COMMON_MODIFIERS)
        ):
            return True
    return False


_FINITE_SPEECH = re.compile(
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
_RELATIVE_TAIL = re.compile(r"\s+(?:who|which|that|whose|whom)\b.*$", re.I | re.S)


def _bare_name(piece: str) -> bool:
    """'Councillor Priya Shah', 'Library user Frank Devlin': a name, a role at most before it."""
    cleaned, _ = _clean_phrase(piece, 0)
    words = cleaned.split()
    if (
        not words
        or len(words) > 8
        or any(w.lower().strip(",") in _VERBISH | _PREPOSITIONS for w in words)
    ):
        return False
    runs = _cap_sequences(cleaned)
    if not runs or runs[-1][1] < len(cleaned.rstrip(" .")) - 1:
        return False
    _, name_words = _strip_titles(runs[-1][2].split())
    return (
        bool(name_words)
        and name_words[0].lower() not in lx.STOP_CAPS
        and not (len(name_words) == 1 and name_words[0].lower() in _COMMON_NOUNS)
    )


def _role_phrase(piece: str) -> str | None:
    """'a cardiologist at King's College London who was not involved': the role, cleaned."""
    cleaned = piece.strip(" ,;:—–‘’'\"“”()")
    cleaned = _RELATIVE_TAIL.sub("", cleaned).strip(" ,")
    words = cleaned.split()
    if (
        not words
        or len(words) > 12
        or words[0][0].isupper()
        and words[0].lower() not in {"the", "a", "an", "his", "her", "its", "their"}
    ):
        return None
    lower = [w.lower().strip(",.’'s") for w in words]
    if any(w in _VERBISH for w in lower):
        return None
    nouns = lx.ROLE_NOUNS | set(lx.ANONYMOUS_HEADS) | lx.TITLE_WORDS | lx.ROLE_EXTRA
    if len(words) <= 10 and any(w in nouns or _is_job_word(w) or w in _ORG_NOUNS for w in lower):
        return _DETERMINER.sub("", cleaned)
    if len(words) <= 8 and re.match(
        r"(?:a|an|the)\s+(?:[\w’'\-]+\s+){1,3}?(?:in|at|of|for|from|with)\s+(?:the\s+)?[A-Z]",
        cleaned,
    ):
        return _DETERMINER.sub("", cleaned)  # "a GP in Leeds"
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


def _role_kind(role: str | None) -> str | None:
    """What an appositive says the speaker is: 'the UK fact-checking charity' -> named_org."""
    if not role:
        return None
    last = re.findall(r"[a-z\-]+", role.lower().split(" at ")[0].split(" of ")[0])
    if last and last[-1] in _OUTLET_NOUNS:
        return "outlet"
    if last and last[-1] in _ORG_NOUNS:
        return "named_org"
    return None


def _subject_before(sentence: Sentence, verb_start: int) -> tuple[str, int, str | None] | None:
    """The subject phrase left of a verb, and a role found in apposition.

    Takes the last comma-segment that is not an aside (a relative clause, an age, a
    participle); "Marta Ruiz, chief economist at X, said" gives Marta Ruiz with that role.
    """
    # A subject sits close to its verb; a window keeps very long sentences linear.
    base = max(0, verb_start - 300)
    left = sentence.text[base:verb_start]
    left = re.sub(
        r"\s+(?:polled|surveyed|quoted|cited|interviewed|contacted)\s+by\s+"
        r"(?:[Tt]he\s+)?[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*(?=(?:\s+\w+)?\s*$)",
        lambda m: " " * len(m.group(0)),
        left,
    )
    if _HEARSAY_ADVERBS.search(left.rstrip()) or re.search(
        r"\b(?:reportedly|allegedly)\s+(?:\w+\s+){0,1}$", left
    ):
        return None
    bounds = [m.end() for m in re.finditer(r"[,;:—–]\s*|[’”\"]\s+|\(\s*|\)\s*", left)]
    segments: list[tuple[int, int]] = []
    previous = 0
    for bound in bounds:
        segments.append((previous, bound))
        previous = bound
    segments.append((previous, len(left)))
    pieces = [(start, end, left[start:end]) for start, end in segments]
    # A parenthesis is an aside ("The senator (D-Calif.) said"), never the subject.
    pieces = [
        p
        for p in pieces
        if p[2].strip(" ,;:—–‘’'\"“”()")
        and not (left[: p[0]].rstrip().endswith("(") and p[2].rstrip().endswith(")"))
    ]
    for i in range(len(pieces) - 1, -1, -1):
        start, _, piece = pieces[i]
        cleaned = piece.strip(" ,;:—–‘’'\"“”()")
        if (
            _RELATIVE_START.match(cleaned)
            or _AGE.match(cleaned)
            or _PARTY_TAG.match(cleaned)
            or (_ORIGIN.match(cleaned) and i > 0)
        ) or (_PARTICIPLE_ASIDE.match(cleaned) and i > 0):
            continue
        if _FINITE_SPEECH.search(_RELATIVE_TAIL.sub("", cleaned)):
            return None  # "X said ... and called for": X was taken at the first verb
        if i > 0 and not _bare_name(piece) and _bare_name(pieces[i - 1][2]):
            role = _role_phrase(piece)
            if role:
                return pieces[i - 1][2], sentence.start + base + pieces[i - 1][0], role
        at_start = i == 1 and base == 0
        if i > 0 and _bare_name(piece) and (at_start or _only_connector(pieces[: i - 1])):
            role = _role_phrase(pieces[i - 1][2])
            return piece, sentence.start + base + start, role
        return piece, sentence.start + base + start, None
    return None


def _only_connector(pieces: list[tuple[int, int, str]]) -> bool:
    return all(not _clean_phrase(p[2], 0)[0] for p in pieces)


def _looks_like_subject(phrase: str) -> bool:
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


def _subject_after(sentence: Sentence, verb_end: int) -> tuple[str, int] | None:
    """Inverted attribution: '..., said one of the people, who ...'.

    Stops before a trailing place or time: 'said Commerce Secretary Gina Raimondo at a hearing'.
    """
    right = sentence.text[verb_end:]
    match = re.match(
        r"\s*((?:(?!\s+(?:at|in|on|during|after|before|when|while|to|as|in an?)\s+"
        r"(?:a|an|the|his|her|their|its|[a-z]|\d))[^,.;:!?])+)",
        right,
    )
    if not match:
        return None
    return match.group(1), sentence.start + verb_end + match.start(1)


# "Doctors are baffled", "experts stunned": an appeal to unnamed authority without a verb
# of saying.
_AMAZED = re.compile(
    r"(?:(?:are|were|have been|are left|were left|left)\s+)?(?:baffled|stunned|"
    r"amazed|astonished|puzzled|left speechless|speechless)\b"
)
_READ = re.compile(r"\bread(?=\s*:|\s*[\"“‘])")  # "A statement from the council read: ..."
_RESEARCH = re.compile(r"\b(?:" + "|".join(re.escape(v) for v in lx.RESEARCH_VERBS) + r")\b")
_PUBLIC_DOCUMENTS = set(
    "papers documents filings notice filing report release submission judgment ruling "
    "notification bulletin advisory paper study".split()
)
_WRITTEN = re.compile(
    r"\b(?:in|via)\s+(?:(?:an?|the|his|her|their|its)\s+|(?=court\s|legal\s|regulatory\s))"
    r"(?P<doc>(?:[\w\-]+\s+){0,2}?"
    r"(?:memo|memorandum|letter|email|e-mail|note|blog post|filing|submission|newsletter|"
    r"notice|press release|report|judgment|ruling|bulletin|advisory|paper|study|papers|"
    r"documents|filings))\b",
    re.I,
)
_SEEN_BY = re.compile(
    r"[^.;]*?\b(?:seen|obtained|reviewed|verified|shared with|leaked to)"
    r"\s+(?:by\s+)?((?:[Tt]he\s+)?[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*)"
)
_FOR_OUTLET = re.compile(
    r"\b(?:for|commissioned by)\s+((?:[Tt]he\s+)?[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*)"
)
_CITING = re.compile(r",?\s+(?:citing|quoting|based on)\s+", re.I)
_PUBLISHED_IN = re.compile(
    r"\s*,?\s+(?:(?:published|released|issued|reported|presented)\s+(?:in|by|at|on)|in|by|from|"
    r"for|commissioned by|carried out by|conducted by|led by)\s+(?:the\s+)?(?:journal\s+)?"
    r"(?:researchers\s+at\s+(?:the\s+)?)?"
    r"((?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)[A-Z][\w’'\-&]*"
    r"(?:\s+(?:of|for|and|&|de)?\s*(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday)\b)[A-Z][\w’'\-&]*)*)"
)


_OWNED_POST = re.compile(
    r"\b(?:[Hh]is|[Hh]er|[Tt]heir|[Aa]n?|[Tt]he)\s+(Facebook|Instagram|TikTok|YouTube|Twitter|X|"
    r"Telegram|Snapchat|LinkedIn|Reddit|Threads|Bluesky)\s+(?:post|video|page|account|story|"
    r"reel|live|livestream|message|thread|channel)s?\b"
)
_GENERIC_POST = re.compile(
    r"\bin an? (?:\w+\s+){0,2}?(?:tweet|social media post|online post|viral post|video posted "
    r"online)\b|\bon social media\b|\b(?:tweeted|posted online)\b",
    re.I,
)


def _not_an_attribution(text: str, match: re.Match[str]) -> bool:
    """Passives ('doctors have been told') and hearsay ('is said to be') attribute nothing."""
    verb = match.group(0)
    before = text[max(0, match.start() - 60) : match.start()]
    if verb in lx.PASSIVE_PARTICIPLES and re.search(
        r"\b(?:be|been|being|is|are|was|were|get|got|it['’]s)\s+(?:\w+ly\s+)?$", before, re.I
    ):
        return True
    if verb in ("said", "says") and re.match(
        r"\s+to\s+(?:be|have|feel|want|own|earn)\b", text[match.end() :]
    ):
        return True
    if verb in ("called", "calls") and before.endswith("so-"):
        return True
    if verb in lx.PASSIVE_PARTICIPLES and re.match(r"\s+(?:of|as|by)\b", text[match.end() :]):
        return True  # a reduced passive: "a group accused of war crimes"
    return False


def _np_after(sentence: Sentence, end: int) -> tuple[str, int] | None:
    right = sentence.text[end:]
    match = re.match(
        r"([^,.;:!?()]+?)(?=\s+(?:that|who|which|on|last|this|as|when|after|"
        r"before|published|released|issued|(?:in|at)\s+(?![A-Z]))\b|[,.;:!?()]|$)",
        right,
    )
    if not match:
        return None
    return match.group(1), sentence.start + end + match.start(1)


class SourceFinder:
    """Walks the sentences once, keeping the context needed for coreference."""

    def __init__(self, text: str, sentences: list[Sentence]) -> None:
        self.text = text
        self.sentences = sentences
        self.registry = _Registry(text)
        self.result = SourceMap()
        self.recent_people: list[tuple[int, str]] = []  # (sentence index, key)
        self.anonymous_keys: list[str] = []
        self.document_keys: list[str] = []

    # --- registration -----------------------------------------------------
    def _verbatim(self, mention: str, offset: int) -> tuple[str, int]:
        """Return the mention as it stands in the text (search near the offset)."""
        if self.text[offset : offset + len(mention)] == mention:
            return mention, offset
        found = self.text.find(mention, max(0, offset - 5))
        if found >= 0:
            return mention, found
        found = self.text.find(mention)
        return (mention, found) if found >= 0 else (mention.strip(), offset)

    def _add(self, cand: _Candidate, sentence: Sentence) -> str:
        kind = cand.kind
        if kind == "anonymous":
            for key in self.anonymous_keys:
                old = self.result.sources[key]
                if old.modifiers & cand.modifiers or (
                    old.head == cand.head
                    and old.modifiers == cand.modifiers
                    and cand.head not in {"source", "sources", "person", "people"}
                ):
                    return key
            key = f"anon:{cand.head}:{'-'.join(sorted(cand.modifiers))}:{len(self.anonymous_keys)}"
            self.anonymous_keys.append(key)
        elif kind == "document":
            key = f"doc:{cand.name.lower()}"
            for existing in self.document_keys:
                if self.result.sources[existing].head == cand.head:
                    key = existing
            if key not in self.document_keys:
                self.document_keys.append(key)
        elif kind == "named_person":
            key = f"person:{cand.name.split()[-1].lower()}"
        elif kind == "named_org":
            key = f"org:{cand.name.lower()}"
        else:
            key = f"{kind}:{cand.name.lower().removeprefix('the ')}"
        if key not in self.result.sources:
            mention, start = self._verbatim(cand.mention or cand.name, cand.offset)
            self.result.sources[key] = Found(
                key=key,
                name=_display_name(cand),
                kind=kind,
                mention=mention,
                mention_start=start,
                role=cand.role,
                identified=cand.identified,
                head=cand.head,
                modifiers=cand.modifiers,
            )
        elif cand.role and not self.result.sources[key].role:
            self.result.sources[key].role = cand.role
        if kind == "named_person":
            self.recent_people.append((sentence.index, key))
        return key

    def _resolve(self, cand: _Candidate, sentence: Sentence) -> str | None:
        if cand.kind in ("pronoun", "coref_person"):
            for index, key in reversed(self.recent_people):
                if sentence.index - index <= 3:
                    return key
            return None
        if cand.kind == "coref_anon":
            for key in reversed(self.anonymous_keys):
                if self.result.sources[key].head == cand.head or cand.head in {
                    "source", "people", "person", "one",
                }:
                    return key
            if cand.head in {"source", "sources", "insider", "person", "people", "one"}:
                return None
            if cand.head in lx.ROLE_NOUNS | lx.ROLE_HEADS_INDEFINITE:
                # "the manager" with no unnamed manager before: a named one, or nobody.
                for _, key in reversed(self.recent_people):
                    role = (self.result.sources[key].role or "").lower()
                    if cand.head in role:
                        return key
                return None
            cand.kind = "anonymous"
            return self._add(cand, sentence)
        if cand.kind == "coref_social":
            # "Videos under the hashtag ..." are the posts already met, if any.
            posts = [k for k, f in self.result.sources.items() if f.kind == "social_media"]
            if posts:
                return posts[-1]
            cand.kind = "social_media"
            return self._add(cand, sentence)
        if cand.kind == "coref_org":
            return self._resolve_org(cand, sentence)
        if cand.kind == "coref_doc":
            for key in reversed(self.document_keys):
                doc = self.result.sources[key]
                if doc.head == cand.head or {doc.head, cand.head} <= lx.STUDY_HEADS:
                    return key
            cand.kind = "document"
            if re.match(r"(?:the\s+)?minutes\b", cand.name, re.I) or cand.head in {
                "minutes", "records", "documents", "filing", "filings",
            }:
                cand.identified = True
            return self._add(cand, sentence)
        return self._add(cand, sentence)

    def _resolve_org(self, cand: _Candidate, sentence: Sentence) -> str:
        """'the council said' is the council named earlier; 'the company', the last firm named."""
        head = cand.head
        orgs = [key for key, found in self.result.sources.items() if found.kind == "named_org"]
        for key in reversed(orgs):
            if head in self.result.sources[key].name.lower():
                return key
        entity = next(
            (
                e
                for e in self.registry.entities
                if e.kind == "org" and head in e.name.lower().split()
            ),
            None,
        )
        if entity is None and head in _GENERIC_ORG_HEADS:
            named = self._latest_firm(sentence)
            if named:
                cand = _Candidate("named_org", name=named[0], mention=named[0], offset=named[1])
                return self._add(cand, sentence)
            if orgs:
                return orgs[-1]
            return None
        if entity is not None and entity.name in self.text:
            named = _Candidate(
                "named_org",
                name=entity.name,
                mention=entity.name,
                offset=self.text.find(entity.name),
            )
            return self._add(named, sentence)
        cand.kind = "named_org"
        return self._add(cand, sentence)

    def _latest_firm(self, sentence: Sentence) -> tuple[str, int] | None:
        """The organisation 'the company' points back to: the last one named before it.

        A capitalised name counts when the registry knows it as an organisation, or when
        business words follow it ("Nvidia shares fell", "Orbis's profits").
        """
        window = self.text[max(0, sentence.start - 600) : sentence.start]
        base = max(0, sentence.start - 600)
        best: tuple[str, int] | None = None
        for start, end, run in _cap_sequences(window):
            _, words = _strip_titles(run.split())
            name = _possessive(" ".join(words))
            if not words or name.lower() in lx.STOP_CAPS:
                continue
            entity = self.registry.resolve(name)
            business = re.match(
                r"[’']?s?\s*(?:shares|stock|Inc|Corp|Ltd|plc|LLC|profits?|revenue|"
                r"chief executive|boss|board|bosses)\b",
                window[end : end + 30],
            )
            if (entity and entity.kind == "org") or business or _is_org(name):
                if not (entity and entity.kind in ("person", "outlet")):
                    best = (name, base + start + run.find(words[0]))
        return best

    # --- passes -------------------------------------------------------------
    def run(self) -> SourceMap:
        body = [s for s in self.sentences if not s.is_headline]
        for sentence in body:
            self._sentence(sentence)
        known = set(self.result.sources)
        for sentence in self.sentences:
            if sentence.is_headline:
                # A headline repeats the body's sources ("..., sources say"): link, never add.
                self._sentence(sentence)
                for key in set(self.result.sources) - known:
                    del self.result.sources[key]
                keys = self.result.by_sentence.get(sentence.index, [])
                self.result.by_sentence[sentence.index] = [k for k in keys if k in known]
        self._inherit_quote_continuations()
        return self.result

    def _sentence(self, sentence: Sentence) -> None:
        keys: list[str] = []
        social_speaker_only: set[str] = set()
        for match in _ACCORDING.finditer(sentence.text):
            np = _np_after(sentence, match.end())
            if np:
                cand = classify(np[0], np[1], self.registry)
                if cand:
                    self._published_in(cand, sentence)
                    key = self._resolve(cand, sentence)
                    if key:
                        keys.append(key)
        matches = [(m, False) for m in _SPEECH.finditer(sentence.text)]
        matches += [(m, False) for m in _READ.finditer(sentence.text)]
        matches += [(m, True) for m in _AMAZED.finditer(sentence.text)]
        matches += [(m, True) for m in _RESEARCH.finditer(sentence.text)]
        for match, research in sorted(matches, key=lambda pair: pair[0].start()):
            verb = match.group(0)
            if _not_an_attribution(sentence.text, match):
                continue
            subject = _subject_before(sentence, match.start())
            inverted = False
            before = sentence.text[: match.start()].rstrip()
            if verb in _INVERTIBLE and (before.endswith((",", "’", "”", '"', "'")) or not before):
                after = _subject_after(sentence, match.end())
                if (
                    after
                    and len(after[0].split()) <= 10
                    and not re.match(r"\s*[‘'\"“]", sentence.text[match.end() :])
                    and _looks_like_subject(after[0])
                ):
                    cand_after = classify(after[0], after[1], self.registry)
                    if (
                        cand_after
                        and cand_after.kind not in ("coref_person",)
                        and (
                            after[0].strip().split()[0].lower() in {"a", "an", "the", "one"}
                            or cand_after.kind in ("named_person", "named_org", "outlet")
                            and len(after[0].split()) <= 6
                        )
                    ):
                        subject, inverted = (after[0], after[1], None), True
            if not subject:
                continue
            pair = self._coordinated_people(subject[0])
            if pair:
                keys += pair
                continue
            amazed = bool(_AMAZED.fullmatch(verb))
            if (
                research
                and not amazed
                and not (set(re.findall(r"[a-z]+", subject[0].lower())) & lx.RESEARCH_HEADS)
            ):
                continue
            cand = classify(subject[0], subject[1], self.registry)
            if not cand or (amazed and cand.kind != "anonymous"):
                continue
            if (
                cand.kind == "document"
                and verb not in lx.FINDING_VERBS
                and not (inverted or research)
            ):
                continue
            if subject[2] and not cand.role and cand.kind in ("named_person", "named_org"):
                cand.role = subject[2]
                cand.kind = _role_kind(subject[2]) or cand.kind
            self._published_in(cand, sentence)
            key = self._resolve(cand, sentence)
            if not key:
                continue
            if verb in lx.SOCIAL_VERBS and self._platform(sentence):
                social_speaker_only.add(key)
            keys.append(key)
            if verb in ("told", "tells", "said otherwise") or verb.startswith("told"):
                self._outlet_via(sentence, match.end(), key)
            elif re.match(r"\s+(?:in an interview with|to)\s+", sentence.text[match.end() :]):
                self._outlet_via(sentence, match.end(), key)
        for match in _CITING.finditer(sentence.text):
            np = _np_after(sentence, match.end())
            if not np or not keys:
                continue
            cand = classify(np[0], np[1], self.registry)
            if not cand or cand.kind in ("pronoun", "coref_person"):
                continue
            self._published_in(cand, sentence)
            key = self._resolve(cand, sentence)
            if key and key != keys[-1]:
                cited = self.result.sources[key]
                if not cited.via_key:
                    cited.via_key = keys[-1]
                keys.append(key)
        self._relayed_by_outlet(sentence, keys)
        self._polled_by(sentence, keys)
        keys += self._written_documents(sentence, keys)
        keys += self._publishers(keys, sentence)
        for match in _TOLD.finditer(sentence.text):
            if match.group(0).lower().startswith("told"):
                continue
            if keys:
                speaker = next((k for k in keys if self.result.sources[k].kind != "outlet"), None)
                if speaker:
                    self._outlet_via(sentence, match.end(), speaker)
        keys += self._documents_as_subjects(sentence, keys)
        platform = self._platform(sentence)
        if platform:
            speakers = [k for k in keys if self.result.sources[k].kind == "named_person"]
            if not speakers and re.search(
                r"\b(?:[Hh]is|[Hh]er)\s+\w+\s+(?:post|video|page)", sentence.text
            ):
                speakers = [k for i, k in self.recent_people[-1:] if sentence.index - i <= 3]
            owner = self.result.sources[speakers[0]].name.split()[-1] if speakers else None
            name, mention, start = platform
            label = (
                f"{name} post"
                if name != "social media"
                else ("tweet" if "tweet" in mention.lower() else "social media post")
            )
            cand = _Candidate(
                "social_media",
                name=f"{owner}'s {label}" if owner else label,
                mention=mention,
                offset=start,
            )
            key = self._add(cand, sentence)
            keys = [k for k in keys if k not in social_speaker_only] + [key]
            for dropped in social_speaker_only:
                if not any(dropped in v for i, v in self.result.by_sentence.items()):
                    self.result.sources.pop(dropped, None)
        for key in keys:
            if key in self.result.sources:
                self.result.attach(sentence.index, key)

    def _coordinated_people(self, phrase: str) -> list[str]:
        """'Both Hall and Haines said': two people already met, both speaking."""
        cleaned = re.sub(r"^(?:both|and|but)\s+", "", _clean_phrase(phrase, 0)[0], flags=re.I)
        parts = re.split(r"\s+and\s+|,\s*", cleaned)
        if len(parts) < 2 or any(len(p.split()) > 3 or not p[:1].isupper() for p in parts):
            return []
        keys: list[str] = []
        for part in parts:
            entity = self.registry.resolve(part.strip())
            key = f"person:{entity.name.split()[-1].lower()}" if entity else ""
            if not entity or entity.kind != "person" or key not in self.result.sources:
                return []
            keys.append(key)
        return keys

    def _polled_by(self, sentence: Sentence, keys: list[str]) -> None:
        """'Economists polled by Reuters had expected': unnamed, and heard through Reuters."""
        match = re.search(
            r"\b(?:polled|surveyed|quoted|cited|interviewed|contacted)\s+by\s+"
            r"((?:[Tt]he\s+)?[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*)",
            sentence.text,
        )
        if not match:
            return
        outlet = classify(match.group(1), sentence.start + match.start(1), self.registry)
        if not outlet or outlet.kind != "outlet":
            return
        outlet_key = self._add(outlet, sentence)
        for key in keys:
            found = self.result.sources[key]
            if found.kind == "anonymous" and not found.via_key:
                found.via_key = outlet_key
        keys.append(outlet_key)

    def _relayed_by_outlet(self, sentence: Sentence, keys: list[str]) -> None:
        """'Officials have argued ..., the New York Times reported': they speak via the paper."""
        if not re.search(
            r"[,—–-]\s*(?:the\s+|The\s+)?[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*\s+"
            r"(?:reported|reports|has reported|said|says)\b[^,;]*[.!?”\"’']*$|"
            r"^(?:[Aa]ccording to)\b",
            sentence.text,
        ):
            return
        outlets = [k for k in keys if self.result.sources[k].kind == "outlet"]
        if len(outlets) != 1:
            return
        for key in keys:
            found = self.result.sources[key]
            if (
                found.kind in ("anonymous", "named_person")
                and not found.via_key
                and (
                    found.mention_start < self.result.sources[outlets[0]].mention_start
                    or sentence.text.lower().startswith("according to")
                )
            ):
                found.via_key = outlets[0]

    def _publishers(self, keys: list[str], sentence: Sentence) -> list[str]:
        """'a YouGov poll for The Times': the paper that commissioned it is a source too."""
        added: list[str] = []
        for key in list(keys):
            doc = self.result.sources.get(key)
            if not doc or doc.kind != "document" or doc.via_key:
                continue
            match = _FOR_OUTLET.search(doc.mention)
            if not match:
                continue
            offset = doc.mention_start + match.start(1)
            outlet = classify(match.group(1), offset, self.registry)
            if outlet and outlet.kind == "outlet":
                outlet_key = self._add(outlet, sentence)
                doc.via_key = outlet_key
                added.append(outlet_key)
        return added

    def _written_documents(self, sentence: Sentence, keys: list[str]) -> list[str]:
        """'told staff in an internal memo, seen by The Verge': the memo, via the outlet."""
        speakers = [
            k
            for k in keys
            if self.result.sources[k].kind in ("named_person", "named_org", "anonymous")
        ]
        added: list[str] = []
        for match in _WRITTEN.finditer(sentence.text):
            if not speakers:
                break
            speaker = self.result.sources[speakers[0]]
            words = match.group("doc")
            owner = speaker.name.split()[-1] if speaker.kind == "named_person" else speaker.name
            cand = _Candidate(
                "document",
                name=f"{owner}'s {words}" if speaker.kind != "anonymous" else words,
                mention=match.group(0).strip(),
                offset=sentence.start + match.start(),
                head=words.split()[-1],
                identified=speaker.kind != "anonymous",
            )
            seen = _SEEN_BY.match(sentence.text, match.end())
            public = match.group("doc").split()[-1].lower() in _PUBLIC_DOCUMENTS or re.match(
                r"\s+(?:on its website|online|published)", sentence.text[match.end() :]
            )
            venue = _PUBLISHED_IN.match(sentence.text, match.end())
            if venue and venue.group(1).lower() not in lx.STOP_CAPS:
                cand.mention = sentence.text[match.start() : venue.end()].strip()
                cand.name = f"{cand.name} {sentence.text[match.end():venue.end()].strip()}"
            if not seen and not public and speaker.kind != "anonymous":
                continue  # a note or a letter: the author speaks through it, one source
            key = self._add(cand, sentence)
            added.append(key)
            if seen:
                outlet = classify(seen.group(1), sentence.start + seen.start(1), self.registry)
                if outlet and outlet.kind in ("outlet", "named_org"):
                    outlet.kind = "outlet"
                    outlet_key = self._add(outlet, sentence)
                    if not self.result.sources[key].via_key:
                        self.result.sources[key].via_key = outlet_key
                    added.append(outlet_key)
        return added

    def _published_in(self, cand: _Candidate, sentence: Sentence) -> None:
        """'a study published in the BMJ': a named venue makes the study identifiable."""
        if cand.kind not in ("document", "coref_doc") or cand.identified:
            return
        local = cand.offset - sentence.start
        if sentence.text[local : local + len(cand.mention)] != cand.mention:
            return
        match = _PUBLISHED_IN.match(sentence.text, local + len(cand.mention))
        if not match or match.group(1).lower() in lx.STOP_CAPS:
            return
        if cand.head in {"report", "reports", "article", "story", "interview", "column"}:
            venue = classify(match.group(1), sentence.start + match.start(1), self.registry)
            if venue and venue.kind == "outlet":
                # "a report in the Financial Times" is the paper's own report.
                cand.kind, cand.name, cand.mention = "outlet", venue.name, venue.mention
                cand.offset, cand.identified = venue.offset, True
                return
        cand.mention = sentence.text[local : match.end()]
        cand.name = _DETERMINER.sub("", cand.mention)
        cand.identified = True
        cand.kind = "document"

    def _outlet_via(self, sentence: Sentence, end: int, speaker_key: str) -> None:
        np = _np_after(sentence, end)
        if not np:
            return
        phrase = np[0].strip()
        runs = _cap_sequences(phrase)
        if not runs:
            return
        name = _DETERMINER.sub(
            "", phrase[runs[0][0] : runs[-1][1]] if len(runs) == 1 else runs[0][2]
        )
        name = _possessive(name)
        if not _is_outlet(name) and not _is_outlet(phrase):
            return
        start = np[1] + phrase.find(runs[0][2]) if runs[0][2] in phrase else np[1]
        if re.search(r"\bthe\s+$", phrase[: runs[0][0]], flags=re.I) or runs[0][2].startswith(
            "The "
        ):
            name = _with_article(name)
        outlet_key = self._add(
            _Candidate("outlet", name=name, mention=_possessive(runs[0][2]), offset=start), sentence
        )
        speaker = self.result.sources.get(speaker_key)
        if speaker and speaker.kind != "outlet" and not speaker.via_key:
            speaker.via_key = outlet_key
        self.result.attach(sentence.index, outlet_key)

    def _documents_as_subjects(self, sentence: Sentence, keys: list[str]) -> list[str]:
        """Texts that carry a sentence without a speech verb: 'The research, which looked at'."""
        match = re.match(
            r"[‘'\"“]?((?:the|a|an)\s+(?:[\w’'\-]+\s+){0,4}?(?:"
            + "|".join(sorted(lx.STUDY_HEADS, key=len, reverse=True))
            + r"))\b",
            sentence.text,
            flags=re.I,
        )
        if not match or any(
            self.result.sources.get(k, Found("", "", "", "", 0)).kind == "document" for k in keys
        ):
            return []
        cand = _document(match.group(1), sentence.start + match.start(1))
        if not cand or cand.kind != "coref_doc":
            return []
        for key in reversed(self.document_keys):
            doc = self.result.sources[key]
            if doc.head == cand.head or {doc.head, cand.head} <= lx.STUDY_HEADS:
                return [key]
        return []

    def _platform(self, sentence: Sentence) -> tuple[str, str, int] | None:
        for match in lx.SOCIAL_CONTEXT.finditer(sentence.text):
            raw = match.group(1)
            platform = lx.SOCIAL_PLATFORMS.get(raw.lower())
            if not platform or (
                platform == "X"
                and not re.search(
                    r"(?:posted|wrote|tweeted|said|post|video|message|thread)\s+on\s+X\b|"
                    r"\bX,? formerly Twitter",
                    sentence.text,
                )
            ):
                continue
            if not (lx.SOCIAL_WORDS.search(sentence.text) or _SPEECH.search(sentence.text)):
                continue
            mention = match.group(0)
            lead = re.search(
                r"(?:posted|shared|wrote|tweeted)\s+[^,.;]*?$", sentence.text[: match.start()]
            )
            start = sentence.start + match.start()
            if lead and len(lead.group(0)) < 60:
                start = sentence.start + lead.start()
                mention = sentence.text[lead.start() : match.end()]
            return platform, mention, start
        owned = _OWNED_POST.search(sentence.text)
        if owned and lx.SOCIAL_PLATFORMS.get(owned.group(1).lower()):
            return (
                lx.SOCIAL_PLATFORMS[owned.group(1).lower()],
                owned.group(0),
                sentence.start + owned.start(),
            )
        generic = _GENERIC_POST.search(sentence.text)
        if generic:
            return "social media", generic.group(0), sentence.start + generic.start()
        return None

    def _inherit_quote_continuations(self) -> None:
        """A sentence that continues a quotation rests on whoever spoke the quotation."""
        previous: list[str] = []
        open_quote = False
        for sentence in self.sentences:
            inside = open_quote
            open_quote = _leaves_quote_open(sentence.text, open_quote)
            own = self.result.by_sentence.get(sentence.index)
            if own:
                previous = own
                continue
            starts_quote = bool(re.match(r"[‘'\"“]", sentence.text))
            if (
                previous
                and (starts_quote or inside)
                and not sentence.is_headline
                and not _FINITE_SPEECH.search(sentence.text)
            ):
                for key in previous:
                    self.result.attach(sentence.index, key)
            else:
                previous = []


def _leaves_quote_open(text: str, open_quote: bool) -> bool:
    """Whether a double quotation is still open after this sentence ('said: "He left. Sad."')."""
    for char in text:
        if char == "“":
            open_quote = True
        elif char == "”":
            open_quote = False
        elif char == '"':
            open_quote = not open_quote
    return open_quote


def _with_article(name: str) -> str:
    """'the Mirror' -> 'The Mirror'; but 'BBC' and 'Financial Times' stay as they are."""
    if name.startswith("The ") or " " in name or name.isupper():
        return name
    return "The " + name


def _display_name(cand: _Candidate) -> str:
    name = cand.name.strip(" ,.‘’'\"“”")
    if cand.kind == "anonymous":
        name = re.sub(
            r"^(?:the|a|an|another|one|some|several|many|with|his|her|their|its)\s+(?!of\b)",
            "",
            name,
            flags=re.I,
        )
        first, _, rest = name.partition(" ")
        if first.lower() in lx.COMMON_MODIFIERS | set(lx.ANONYMOUS_HEADS) | lx.STOP_CAPS:
            name = (first.lower() + " " + rest).strip()
        return f"unnamed {name}" if not name.lower().startswith(("unnamed", "one of")) else name
    if cand.kind == "document" and not cand.identified:
        return f"unidentified {name}" if not name.lower().startswith("unidentified") else name
    return name


def find_source_map(text: str, sentences: list[Sentence]) -> SourceMap:
    return SourceFinder(text, sentences).run()
