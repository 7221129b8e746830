"""What a phrase that speaks is: a named person, an organisation, an unnamed source, an
outlet, a document or a post - or a reference ("the source", "the council") to resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import lexicon as lx
from .names import (
    Registry,
    cap_sequences,
    is_org,
    is_outlet,
    split_titles,
    strip_possessive,
    with_article,
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


DETERMINER = re.compile(
    r"^(?:the|a|an|one|two|three|several|some|many|other|another|his|her|their|its)\s+", re.I
)


@dataclass
class Candidate:
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
    r"(?:(?i:the|its|their|his|her|our)|[A-Z][\w\-]+[’']s)\s+"
    r"(?:(?:[a-z][\w’'\-]*|[A-Z][a-z]+(?:ese|ian|ish|an|i|ch))\s+)"
    r"{0,3}?(?P<head>" + "|".join(sorted(lx.INSTITUTION_HEADS, key=len, reverse=True)) + r")"
    r"(?:\s+(?:in|of|at)\s+[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*)?"
)


# Heads that stand for "the organisation just named", whatever its name says.
GENERIC_ORG_HEADS = {
    "company", "firm", "group", "club", "airline", "carrier", "insurer", "bank", "charity",
    "trust", "union", "party", "school", "hospital",
}


def clean_phrase(phrase: str, offset: int) -> tuple[str, int]:
    match = _LEADING_JUNK.match(phrase)
    if match:
        offset += match.end()
        phrase = phrase[match.end() :]
    trimmed = _TRAILING_AUX.sub("", phrase)
    trimmed = trimmed.rstrip(" ,‘’'\"“”—–-")
    return trimmed, offset


# Professions by their suffix: dermatologists, economists, paediatricians.
_PROFESSION = re.compile(r"[a-z]{3,}(?:ologists?|ists|icians?)")


# A capital that only starts the sentence, shaped like a modifier rather than a name:
# "Shipping analysts", "Agricultural experts", "Diplomatic sources".
_ADJECTIVE_FORM = re.compile(r"[a-z]{3,}(?:ing|al|ic|ical|ary|ive|ous|ian)")


def _anonymous(phrase: str, offset: int) -> Candidate | None:
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
            and not (i == 0 and _ADJECTIVE_FORM.fullmatch(w.lower()))
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
    return Candidate(
        "coref_anon" if definite and not modifiers - {"same"} else "anonymous",
        name=mention,
        mention=mention_text or mention,
        offset=offset,
        head=head,
        modifiers=modifiers,
    )


_DOC_OWNER = re.compile(
    r"\s+(?:(?:obtained|seen|released|published|compiled|gathered|commissioned)\s+)?"
    r"(?:by|from|of|for|in)\s+(?:the\s+)?"
    r"[A-Z][\w’'\-]*(?:\s+(?:of|for|and|&)?\s*[A-Z][\w’'\-]*)*"
)


_WORD = re.compile(r"\w+")
_TWO_WORD_HEADS = {h: re.compile(rf"\b{h}\b") for h in lx.DOCUMENT_HEADS if not h.isalpha()}


def document_phrase(phrase: str, offset: int) -> Candidate | None:
    lower = phrase.lower()
    if lx.OUTLET_REPORT.search(phrase):
        match = lx.OUTLET_REPORT.search(phrase)
        assert match
        return Candidate(
            "outlet", name=match.group(0), mention=match.group(0), offset=offset + match.start()
        )
    # A one-word head stands as a whole word: one set of the words, not 60 searches.
    present = set(_WORD.findall(lower))
    heads = [
        h
        for h in lx.DOCUMENT_HEADS
        if (h in present if h not in _TWO_WORD_HEADS else _TWO_WORD_HEADS[h].search(lower))
    ]
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
        return Candidate("named_org", name=name, mention=name, offset=offset + phrase.find(name))
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
    name = DETERMINER.sub("", span).strip()
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
    return Candidate(
        "coref_doc" if definite else "document",
        name=name,
        mention=span.strip(),
        offset=span_offset,
        identified=identified,
        head=head,
    )


def _spokes(phrase: str, offset: int) -> Candidate | None:
    """A spokesperson or representative speaks for the body named: the body is the source."""
    heads = "|".join(lx.SPEAKS_FOR_HEADS)
    after = re.search(
        rf"\b(?i:({heads})s?)\s+(?:for|of|from|at)\s+(?:the\s+)?"
        r"([A-Z][\w’'\-]*(?:\s+(?:of|for|and\s+)?[A-Z][\w’'\-]*)*)",
        phrase,
    )
    if after:
        return Candidate(
            "named_org",
            name=strip_possessive(after.group(2)),
            mention=phrase.strip(),
            offset=offset,
            role=None if after.group(1).lower() == "statement" else after.group(1).lower(),
        )
    for_person = re.search(
        rf"([A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*)[’']s?\s+(?i:({heads}))\b", phrase
    )
    if for_person:
        # "Mr Haines's spokesman": speaks for the person, who stays the source.
        return Candidate(
            "spokes_for",
            name=for_person.group(1),
            mention=phrase.strip(),
            offset=offset,
            role=for_person.group(2).lower(),
        )
    people = "|".join(h for h in lx.SPOKES_HEADS if h != "statement")
    before = re.search(rf"\b(?:an?|the)?\s*([\w’'\- ]+?)\s+(?i:({people})s?)\b", phrase, flags=re.I)
    if before and before.group(1).strip().lower() not in {"a", "an", "the", ""}:
        body = strip_possessive(DETERMINER.sub("", before.group(1).strip()))
        # "a Commerce Department spokesperson" speaks for the Commerce Department.
        name = body if body[:1].isupper() else f"{body} {before.group(2).lower()}"
        return Candidate(
            "named_org",
            name=name.strip(),
            mention=phrase.strip(),
            offset=offset,
            role=before.group(2).lower(),
        )
    return None


def _analysts_at(phrase: str, offset: int) -> Candidate | None:
    match = re.search(
        r"\b(?i:analysts?|experts?|researchers?|scientists?|economists?|officials?|"
        r"strategists?|staff|engineers?)\s+(?:at|from|with|of)\s+(?:the\s+)?"
        r"([A-Z][\w’'\-]*(?:\s+(?:of|for|and\s+)?[A-Z][\w’'\-]*)*)",
        phrase,
    )
    if match:
        name = strip_possessive(match.group(1))
        return Candidate("named_org", name=name, mention=phrase.strip(), offset=offset)
    return None


# A speaker phrase is at most 160 characters once leading conjunctions and trailing
# auxiliaries are cleaned off; no real phrase carries 840 characters of those.
_LONGEST_PHRASE = 1000


def classify(phrase: str, offset: int, registry: Registry) -> Candidate | None:
    """Decide what a subject phrase is. `offset` is where `phrase` starts in the article."""
    if len(phrase) > _LONGEST_PHRASE:
        return None  # no cleaning brings it under 160 characters; cleaning it would not be linear
    phrase, offset = clean_phrase(phrase, offset)
    if not phrase or len(phrase) > 160:
        return None
    low = phrase.lower()
    if low in lx.PRONOUNS_PERSON:
        return Candidate("pronoun")
    if low in lx.PRONOUNS_PLURAL or low in {"it", "we", "i", "you", "this", "that"}:
        return None
    if low in {
        "police", "the police", "prosecutors", "the prosecution", "the government", "ministers",
        "the army", "the military",
    }:
        name = DETERMINER.sub("", phrase)
        return Candidate(
            "coref_org", name=name, mention=phrase, offset=offset, head=name.lower().split()[-1]
        )
    generic_outlet = _GENERIC_OUTLET.fullmatch(phrase)
    if generic_outlet:
        name = DETERMINER.sub("", phrase)
        return Candidate("outlet", name=name, mention=phrase, offset=offset)
    social = _SOCIAL_SUBJECT.match(phrase)
    if social:
        return Candidate(
            "coref_social", name="social media posts", mention=social.group(0), offset=offset
        )
    institution = _INSTITUTION.fullmatch(phrase)
    if institution:
        return Candidate(
            "coref_org",
            name=DETERMINER.sub("", phrase),
            mention=phrase,
            offset=offset,
            head=institution.group("head").lower(),
        )
    for finder in (_analysts_at, _spokes):
        found = finder(phrase, offset)
        if found and finder is _spokes:
            # Speaking for a named body counts as that body; for a person, as their office
            # ("Mia Grant's representative"), on record but not the person's own words.
            _, words = split_titles(found.name.split())
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
        for r in cap_sequences(phrase)
        if r[2].lower() not in lx.STOP_CAPS
        and not (r[0] == 0 and r[2].lower() in COMMON_NOUNS | lx.COMMON_MODIFIERS)
        and not (" " not in r[2] and lx.NATIONALITIES.match(r[2]))  # "the British royal"
    ]
    document = document_phrase(phrase, offset)
    anonymous = _anonymous(phrase, offset)
    if (
        document
        and anonymous
        and anonymous.head not in lx.DOCUMENT_HEADS
        and _qualified_before(phrase, anonymous.head, document.head)
    ):
        return anonymous  # "a person familiar with the company's sales figures"
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
        role_words, words = split_titles(run.split())
        if not words:
            return None
        name = " ".join(words)
        name = strip_possessive(name) if name.endswith(("’s", "'s")) else name
        if is_org(name) and role_words and lx.NATIONALITIES.match(role_words[-1]):
            name = f"{role_words[-1]} {name}"  # "British Association of Dermatologists"
            role_words = role_words[:-1]
        prefix = phrase[:start].strip(" ,")
        prefix = DETERMINER.sub("", prefix)
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
        body = _BODY_NOUN_AFTER.match(phrase, end)
        if body and not is_outlet(name):
            # "the Save Hallowfield Meadows group", "the local NHS integrated care board"
            full = f"{name} {body.group('noun')}" if body.group("noun") != "group" else name
            return Candidate("named_org", name=full, mention=phrase[start : body.end()].strip(),
                             offset=offset + start)
        entity = registry.resolve(name)
        if is_outlet(name, role or "") or (entity and entity.kind == "outlet"):
            name = entity.name if entity else name
            if re.search(r"\bthe\s+$", phrase[:start], flags=re.I) or run.startswith("The "):
                name = with_article(name)
            return Candidate("outlet", name=name, mention=mention, offset=mention_start)
        if is_org(name) or (entity and entity.kind == "org"):
            return Candidate(
                "named_org",
                name=entity.name if entity else name,
                role=role,
                mention=mention,
                offset=mention_start,
            )
        if entity and entity.kind == "person":
            return Candidate(
                "named_person", name=entity.name, role=role, mention=mention, offset=mention_start
            )
        if len(words) >= 2:
            return Candidate(
                "named_person", name=name, role=role, mention=mention, offset=mention_start
            )
        if role and any(w.lower() in lx.ROLE_NOUNS for w in role.split()) or any(
            w.lower().rstrip(".") in lx.HONORIFICS for w in role_words
        ):
            return Candidate(
                "named_person", name=name, role=role, mention=mention, offset=mention_start
            )
        return Candidate("named_org", name=name, mention=mention, offset=mention_start)
    if document:
        return document
    if anonymous:
        return anonymous
    definite = re.fullmatch(r"(?:the|this|that)\s+(?:[\w’'\-]+\s+){0,3}([\w\-]+)", low)
    if definite and (definite.group(1) in lx.ROLE_NOUNS or definite.group(1).endswith("-old")):
        return Candidate("coref_person")
    return None


_AFFILIATION = re.compile(r"(?P<person>.*?[A-Z][\w’'\-]+)\s+(?:of|at|from)\s+(?:the\s+)?[A-Z].*$")


def _affiliated_person(
    phrase: str, offset: int, runs: list[tuple[int, int, str]], registry: Registry
) -> Candidate | None:
    """'Professor Marco Ferri of the University of Padua': the person, with the body as role."""
    match = _AFFILIATION.match(phrase)
    if not match:
        return None
    body = re.sub(r"^\s*(?:of|at|from)\s+(?:the\s+)?", "", phrase[match.end("person") :])
    entity = registry.resolve(body.strip())
    if not (is_org(body) or (entity and entity.kind == "org")):
        return None
    person = classify(match.group("person"), offset, registry)
    if not person or person.kind != "named_person":
        return None
    body = re.sub(r"^(?:of|at|from)\s+(?:the\s+)?", "", phrase[match.end("person") :].strip())
    person.role = f"{person.role}, {body}" if person.role else body
    return person


COMMON_NOUNS = set(lx.ANONYMOUS_HEADS) | set(lx.DOCUMENT_HEADS) | lx.ROLE_NOUNS


def _head_after_runs(phrase: str, head: str, runs: list[tuple[int, int, str]]) -> bool:
    """'the Environment Agency's 2024 flood risk assessment': the text is the subject."""
    position = phrase.lower().rfind(head)
    return bool(runs) and position > runs[-1][1]


def _body_before_head(phrase: str, head: str, runs: list[tuple[int, int, str]]) -> bool:
    """'a Conservative Party source': a named body qualifies a person who stays unnamed."""
    if head not in lx.UNNAMED_HEADS or not runs:
        return False
    position = re.search(rf"\b{re.escape(head)}\b", phrase, flags=re.I)
    return position is not None and all(end <= position.end() for _, end, _ in runs)


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


_BODY_NOUN_AFTER = re.compile(
    r"\s+(?P<noun>(?:[a-z\-]+\s+){0,2}?(?:group|campaign|charity|association|council|board|"
    r"trust|union|committee|society|coalition|alliance|network|foundation|agency|authority|"
    r"department|ministry|office|company|firm|club))\s*$"
)


def _qualified_before(phrase: str, person: str, text_head: str) -> bool:
    """The person comes first and the text only qualifies them ('familiar with the figures')."""
    low = phrase.lower()
    person_at = re.search(rf"\b{re.escape(person)}\b", low)
    text_at = low.rfind(text_head)
    if not person_at or text_at < person_at.end():
        return False
    return bool(lx.QUALIFIERS.search(phrase[person_at.end() : text_at]))


def _person_run(runs: list[tuple[int, int, str]], phrase: str) -> bool:
    """True when the phrase names a person or body (a capitalised run that isn't a title)."""
    for _, _, run in runs:
        _, words = split_titles(run.split())
        if (
            words
            and not lx.NATIONALITIES.match(words[0])
            and words[0].lower() not in lx.STOP_CAPS
            and not (len(words) == 1 and words[0].lower() in lx.COMMON_MODIFIERS)
        ):
            return True
    return False
