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
from itertools import islice

from . import lexicon as lx
from .firms import Firms
from .names import (
    Registry,
    cap_sequences,
    is_outlet,
    strip_possessive,
    with_article,
)
from .phrases import (
    DETERMINER,
    GENERIC_ORG_HEADS,
    Candidate,
    classify,
    clean_phrase,
    document_phrase,
)
from .recency import First, Latest
from .segment import Sentence
from .subjects import (
    FINITE_SPEECH,
    REACH,
    char_before,
    looks_like_subject,
    noun_phrase_after,
    role_kind,
    role_phrase,
    subject_after,
    subject_before,
)

_SPEECH = re.compile(
    r"\b(?:"
    + "|".join(re.escape(v) for v in sorted(lx.SPEECH_VERBS, key=len, reverse=True))
    + r")\b"
)


# "..., said Iceland was considering": a clause, not an inverted speaker.
_FINITE_AUX = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|could|can|should|may|might|did|does)\b"
)


_ACCORDING = re.compile(r"\baccording to\s+", re.I)


_TOLD = re.compile(
    r"\b(?:told|telling|speaking to|in an interview with|quoted by|said in a statement to|"
    r"wrote in|writing in|said on|in a column for)\s+",
    re.I,
)


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
    # Sets beside the lists, and per key the number of sentences listing it: membership and
    # "is it used anywhere" stay O(1) however many sentences and sources there are.
    _members: dict[int, set[str]] = field(default_factory=dict, repr=False, compare=False)
    _uses: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def attach(self, sentence: int, key: str) -> None:
        members = self._members.setdefault(sentence, set())
        if key not in members:
            members.add(key)
            self.by_sentence.setdefault(sentence, []).append(key)
            self._uses[key] = self._uses.get(key, 0) + 1

    def replace(self, sentence: int, keys: list[str]) -> None:
        """Set a sentence's keys (the headline keeps only sources the body has)."""
        for key in self._members.get(sentence, ()):
            self._uses[key] -= 1
        self.by_sentence[sentence] = keys
        self._members[sentence] = set(keys)
        for key in self._members[sentence]:
            self._uses[key] = self._uses.get(key, 0) + 1

    def used(self, key: str) -> bool:
        """Whether any sentence rests on this source."""
        return self._uses.get(key, 0) > 0


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


# "in an internal memo, seen by The Verge": the outlet within the clause (and within REACH
# characters, so that many memos in one long run stay linear).
_SEEN_BY = re.compile(
    rf"[^.;]{{0,{REACH}}}?\b(?:seen|obtained|reviewed|verified|shared with|leaked to)"
    r"\s+(?:by\s+)?((?:[Tt]he\s+)?[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*)"
)


_PUBLISHED_ONLINE = re.compile(r"\s+(?:on its website|online|published)")


_FOR_OUTLET = re.compile(
    r"\b(?:for|commissioned by|obtained by|seen by)\s+((?:[Tt]he\s+)?[A-Z][\w’'\-]*"
    r"(?:\s+[A-Z][\w’'\-]*)*)"
)


_CITING = re.compile(r",?\s+(?:citing|quoting|(?P<basis>based on))\s+", re.I)


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


_OUTLET_BACK_REFERENCE = re.compile(
    r"(?:the|that|this)\s+(?:paper|newspaper|tabloid|outlet|magazine|broadcaster|site|website|"
    r"agency|news agency|network|channel|publication|programme|program)\b",
    re.I,
)


_ON_X = re.compile(
    r"(?:posted|wrote|tweeted|said|post|video|message|thread)\s+on\s+X\b|\bX,? formerly Twitter"
)


_POSTED = re.compile(r"(?:posted|shared|wrote|tweeted)\s+[^,.;]*?$")


_STUDY_SUBJECT = re.compile(
    r"[‘'\"“]?((?:the|a|an)\s+(?:[\w’'\-]+\s+){0,4}?(?:"
    + "|".join(sorted(lx.STUDY_HEADS, key=len, reverse=True))
    + r"))\b",
    re.IGNORECASE,
)


# "X was quoted by the ministry as saying", "was quoted as saying by public broadcaster RUV".
_QUOTED_BY = re.compile(
    r"\b(?:was|were|is|are|has been|had been)\s+quoted\s+(?:as\s+saying\s+)?by\s+"
    r"(?P<relay>[^,;]+?)(?=\s+as\s+saying|\s+that\b|[,;]|$)"
)
# "The agency quoted a regional health official, Oksana Petrenko, as saying".
_QUOTED_AS = re.compile(
    rf"\bquoted\s+(?P<speaker>(?:(?!\bas\s+saying\b).){{1,{REACH}}}?)\s+as\s+saying\b"
)


_PASSIVE_BEFORE = re.compile(
    r"\b(?:be|been|being|is|are|was|were|get|got|it['’]s)\s+(?:\w+ly\s+)?$", re.IGNORECASE
)
_COMPARISON_BEFORE = re.compile(r"\b(?:than|as)\s+$")
_COMPARED = {
    "expected", "feared", "predicted", "estimated", "believed", "thought", "claimed",
    "reported", "had expected", "expect", "fear",
}
_SAID_TO = re.compile(r"\s+to\s+(?:be|have|feel|want|own|earn)\b")
_REDUCED_PASSIVE = re.compile(r"\s+(?:of|as|by)\b")
_QUOTE_NEXT = re.compile(r"\s*[‘'\"“]")
_TO_OUTLET = re.compile(r"\s+(?:in an interview with|to)\s+")
# What may stand before an inverted "said": a comma, a closing quote, or nothing at all.
_CLAUSE_ENDS = {",", "’", "”", '"', "'", ""}


def _not_an_attribution(text: str, match: re.Match[str]) -> bool:
    """Passives ('doctors have been told') and hearsay ('is said to be') attribute nothing."""
    verb = match.group(0)
    before = text[max(0, match.start() - 60) : match.start()]
    if verb in lx.PASSIVE_PARTICIPLES and _PASSIVE_BEFORE.search(before):
        return True
    if verb in ("said", "says") and _SAID_TO.match(text, match.end()):
        return True
    if verb in _COMPARED and _COMPARISON_BEFORE.search(before):
        return True  # "fewer customers than expected"
    if verb in ("called", "calls") and before.endswith("so-"):
        return True
    if verb in lx.PASSIVE_PARTICIPLES and _REDUCED_PASSIVE.match(text, match.end()):
        return True  # a reduced passive: "a group accused of war crimes"
    return False


# A definite description ("the council", "the manager") points back to something named a
# few paragraphs before. The longest real articles name fewer than a hundred sources, so
# looking back over the last 200 (people, or sources of any kind) is the whole article in
# practice, and keeps a text that names thousands linear.
_LOOK_BACK = 200


_ROLE_HEADS = lx.ROLE_NOUNS | lx.ROLE_HEADS_INDEFINITE


# Unnamed heads too generic to merge two mentions on the head alone.
_GENERIC_HEADS = {"source", "sources", "person", "people"}


class SourceFinder:
    """Walks the sentences once, keeping the context needed for coreference.

    Every look-up into what was found so far is a dictionary or bucket read (`recency`),
    or a scan bounded by `_LOOK_BACK`: the walk is linear in the number of sentences.
    """

    def __init__(self, text: str, sentences: list[Sentence]) -> None:
        self.text = text
        self.sentences = sentences
        self.registry = Registry(text)
        self.result = SourceMap()
        # Named people by the sentence they last spoke in, the most recent last.
        self.recent_people: dict[str, int] = {}
        self.anonymous_keys: dict[str, int] = {}  # key -> order of creation
        self.document_keys: set[str] = set()
        self._anonymous_count = 0
        self._latest = Latest(self._in_bucket)  # by kind, by unnamed head, by document head
        self._first = First(lambda key: key in self.result.sources)  # unnamed, for merging
        self._first_seen: dict[str, int] = {}  # an organisation's name -> where it stands
        self._platforms: dict[int, tuple[str, str, int] | None] = {}
        self._firms: Firms | None = None  # built on the first "the company"

    def _in_bucket(self, key: str, bucket: object) -> bool:
        found = self.result.sources.get(key)
        if found is None or not isinstance(bucket, tuple):
            return False
        what, value = bucket
        if what == "kind":
            return found.kind == value
        if what == "anonymous":
            return key in self.anonymous_keys and (value is None or found.head == value)
        if what == "document":
            return key in self.document_keys and found.head == value
        return key in self.document_keys and found.head in lx.STUDY_HEADS  # "study"

    # --- registration -----------------------------------------------------
    def _verbatim(self, mention: str, offset: int, sentence: Sentence) -> tuple[str, int]:
        """Return the mention as it stands in the text (search near the offset).

        The mention comes from this sentence (or the few hundred characters before it, for
        "the company"), so the search never needs to run over the whole text.
        """
        if self.text[offset : offset + len(mention)] == mention:
            return mention, offset
        found = self.text.find(mention, max(0, offset - 5), offset + len(mention) + REACH)
        if found >= 0:
            return mention, found
        found = self.text.find(mention, max(0, sentence.start - 3 * REACH), sentence.end)
        return (mention, found) if found >= 0 else (mention.strip(), offset)

    def _add(self, cand: Candidate, sentence: Sentence) -> str:
        kind = cand.kind
        if kind == "anonymous":
            # The first unnamed source sharing a modifier, or the same head and modifiers.
            merged = [self._first.get(("modifier", m)) for m in sorted(cand.modifiers)]
            if cand.head not in _GENERIC_HEADS:
                merged.append(self._first.get(("shape", cand.head, cand.modifiers)))
            earliest = min(
                (k for k in merged if k), key=lambda k: self.anonymous_keys[k], default=None
            )
            if earliest:
                return earliest
            key = f"anon:{cand.head}:{'-'.join(sorted(cand.modifiers))}:{self._anonymous_count}"
            self.anonymous_keys[key] = self._anonymous_count
            self._anonymous_count += 1
            for modifier in cand.modifiers:
                self._first.push(("modifier", modifier), key)
            self._first.push(("shape", cand.head, cand.modifiers), key)
            self._latest.push(("anonymous", cand.head), key)
            self._latest.push(("anonymous", None), key)
        elif kind == "document":
            key = self._latest.get(("document", cand.head)) or f"doc:{cand.name.lower()}"
            if key not in self.document_keys:
                self.document_keys.add(key)
                self._latest.push(("document", cand.head), key)
                if cand.head in lx.STUDY_HEADS:
                    self._latest.push(("study", None), key)
        elif kind == "named_person":
            key = f"person:{cand.name.split()[-1].lower()}"
        elif kind == "named_org":
            key = f"org:{cand.name.lower()}"
        else:
            key = f"{kind}:{cand.name.lower().removeprefix('the ')}"
        if key not in self.result.sources:
            mention, start = self._verbatim(cand.mention or cand.name, cand.offset, sentence)
            self._latest.push(("kind", kind), key)
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
            self.recent_people.pop(key, None)
            self.recent_people[key] = sentence.index
        return key

    def _drop(self, key: str) -> None:
        """Forget a source everywhere, so no later pronoun or coreference points at it."""
        self.result.sources.pop(key, None)
        self.recent_people.pop(key, None)
        self.anonymous_keys.pop(key, None)
        self.document_keys.discard(key)

    def _last_person(self) -> tuple[str, int] | None:
        """The named person who spoke last, with the sentence they spoke in."""
        return next(reversed(self.recent_people.items()), None)

    def _earlier_document(self, head: str) -> str | None:
        """The last document met with this head; any study for a study ('the research')."""
        if head in lx.STUDY_HEADS:
            return self._latest.get(("study", None))
        return self._latest.get(("document", head))

    def _resolve(self, cand: Candidate, sentence: Sentence) -> str | None:
        if cand.kind in ("pronoun", "coref_person"):
            # People are kept in the order they spoke, so if the last one spoke more than
            # three sentences back, everyone else did too.
            last = self._last_person()
            return last[0] if last and sentence.index - last[1] <= 3 else None
        if cand.kind == "coref_anon":
            generic = cand.head in {"source", "people", "person", "one"}
            key = self._latest.get(("anonymous", None if generic else cand.head))
            if key:
                return key
            if cand.head in {"source", "sources", "insider", "person", "people", "one"}:
                return None
            if cand.head in _ROLE_HEADS:
                # "the manager" with no unnamed manager before: a named one, or nobody.
                for key in islice(reversed(self.recent_people), _LOOK_BACK):
                    role = (self.result.sources[key].role or "").lower()
                    if cand.head in role:
                        return key
                return None
            cand.kind = "anonymous"
            return self._add(cand, sentence)
        if cand.kind == "coref_social":
            # "Videos under the hashtag ..." are the posts already met, if any.
            post = self._latest.get(("kind", "social_media"))
            if post:
                return post
            cand.kind = "social_media"
            return self._add(cand, sentence)
        if cand.kind == "coref_org":
            return self._resolve_org(cand, sentence)
        if cand.kind == "coref_doc":
            earlier = self._earlier_document(cand.head)
            if earlier:
                return earlier
            cand.kind = "document"
            if re.match(r"(?:the\s+)?minutes\b", cand.name, re.I) or cand.head in {
                "minutes", "records", "documents", "filing", "filings",
            }:
                cand.identified = True
            return self._add(cand, sentence)
        return self._add(cand, sentence)

    def _resolve_org(self, cand: Candidate, sentence: Sentence) -> str | None:
        """'the council said' is the council named earlier; 'the company', the last firm named."""
        head = cand.head
        for key, found in islice(reversed(self.result.sources.items()), _LOOK_BACK):
            in_role = head in (found.role or "").lower().split()
            if found.kind == "named_org" and head in found.name.lower() or (
                found.kind in ("named_org", "outlet") and in_role
            ):
                return key  # "the agency" after "Dravia's state news agency, Dravpress"
        entity = self.registry.org_with_word(head)
        if entity is None and head in GENERIC_ORG_HEADS:
            firm = self._latest_firm(sentence)
            if firm:
                cand = Candidate("named_org", name=firm[0], mention=firm[0], offset=firm[1])
                return self._add(cand, sentence)
            return self._latest.get(("kind", "named_org"))
        first = self._first_seen.get(entity.name) if entity is not None else None
        if entity is not None and first is None:
            first = self._first_seen[entity.name] = self.text.find(entity.name)
        if entity is not None and first is not None and first >= 0:
            named = Candidate("named_org", name=entity.name, mention=entity.name, offset=first)
            return self._add(named, sentence)
        cand.kind = "named_org"
        return self._add(cand, sentence)

    def _latest_firm(self, sentence: Sentence) -> tuple[str, int] | None:
        """The organisation 'the company' points back to: the last one named before it."""
        if self._firms is None:
            self._firms = Firms(self.text, self.registry)
        return self._firms.latest(sentence.start)

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
                    self._drop(key)
                keys = self.result.by_sentence.get(sentence.index, [])
                self.result.replace(sentence.index, [k for k in keys if k in known])
        self._inherit_quote_continuations()
        return self.result

    def _sentence(self, sentence: Sentence) -> None:
        keys: list[str] = []
        social_speaker_only: set[str] = set()
        for match in _ACCORDING.finditer(sentence.text):
            np = noun_phrase_after(sentence, match.end())
            if not np:
                continue
            for phrase, offset in _coordinated(np[0], np[1]):
                cand = classify(phrase, offset, self.registry)
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
            subject = subject_before(sentence, match.start())
            inverted = False
            if verb in _INVERTIBLE and char_before(sentence.text, match.start()) in _CLAUSE_ENDS:
                after = subject_after(sentence, match.end())
                if (
                    after
                    and len(after[0].split()) <= 10
                    and not _QUOTE_NEXT.match(sentence.text, match.end())
                    and looks_like_subject(after[0])
                    and not _FINITE_AUX.search(after[0])
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
            if subject[2] and not cand.role and cand.kind in ("named_person", "named_org", "outlet"):
                cand.role = subject[2]
                cand.kind = role_kind(subject[2]) or cand.kind
            self._published_in(cand, sentence)
            key = self._resolve(cand, sentence)
            if not key:
                continue
            if verb in lx.SOCIAL_VERBS and self._platform(sentence):
                social_speaker_only.add(key)
            keys.append(key)
            if verb in ("told", "tells", "said otherwise") or verb.startswith("told"):
                self._outlet_via(sentence, match.end(), key)
            elif _TO_OUTLET.match(sentence.text, match.end()):
                self._outlet_via(sentence, match.end(), key)
        for match in _CITING.finditer(sentence.text):
            np = noun_phrase_after(sentence, match.end())
            if not np:
                continue
            cand = classify(np[0], np[1], self.registry)
            if not cand or cand.kind in ("pronoun", "coref_person"):
                continue
            if (not keys or match.group("basis")) and cand.kind not in (
                "anonymous", "document", "outlet", "social_media"
            ):
                continue  # "citing Smith" with nobody citing, "based on its Blue Moon": too weak
            self._published_in(cand, sentence)
            key = self._resolve(cand, sentence)
            if key and (not keys or key != keys[-1]):
                cited = self.result.sources[key]
                if keys and not cited.via_key:
                    cited.via_key = keys[-1]
                keys.append(key)
        keys += self._quoted_by(sentence, keys)
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
                last = self._last_person()
                speakers = [last[0]] if last and sentence.index - last[1] <= 3 else []
            owner = self.result.sources[speakers[0]].name.split()[-1] if speakers else None
            name, mention, start = platform
            label = (
                f"{name} post"
                if name != "social media"
                else ("tweet" if "tweet" in mention.lower() else "social media post")
            )
            cand = Candidate(
                "social_media",
                name=f"{owner}'s {label}" if owner else label,
                mention=mention,
                offset=start,
            )
            key = self._add(cand, sentence)
            keys = [k for k in keys if k not in social_speaker_only] + [key]
            for dropped in social_speaker_only:
                if not self.result.used(dropped):
                    self._drop(dropped)
        for key in keys:
            if key in self.result.sources:
                self.result.attach(sentence.index, key)

    def _coordinated_people(self, phrase: str) -> list[str]:
        """'Both Hall and Haines said': two people already met, both speaking."""
        cleaned = re.sub(r"^(?:both|and|but)\s+", "", clean_phrase(phrase, 0)[0], flags=re.I)
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

    def _quoted_by(self, sentence: Sentence, keys: list[str]) -> list[str]:
        """A speaker heard through someone who quoted them: that one is the speaker's `via`."""
        added: list[str] = []
        passive = _QUOTED_BY.search(sentence.text)
        if passive:
            relay_at = sentence.start + passive.start("relay")
            relay = self._classify_key(passive.group("relay"), relay_at, sentence)
            subject = subject_before(sentence, passive.start())
            speaker = (
                self._classify_key(subject[0], subject[1], sentence, role=subject[2])
                if subject else None
            )
            added += self._link_via(speaker, relay)
        active = _QUOTED_AS.search(sentence.text)
        if active:
            subject = subject_before(sentence, active.start())
            relay = self._classify_key(subject[0], subject[1], sentence) if subject else None
            phrase = active.group("speaker")
            start = sentence.start + active.start("speaker")
            named = re.match(r"(?P<role>.+?),\s+(?P<name>[A-Z][^,]+?),?$", phrase)
            role = role_phrase(named.group("role")) if named else None
            if named and role:
                start += named.start("name")
                phrase = named.group("name")
            speaker = self._classify_key(phrase, start, sentence, role=role)
            added += self._link_via(speaker, relay)
        return [k for k in added if k not in keys]

    def _classify_key(
        self, phrase: str, offset: int, sentence: Sentence, *, role: str | None = None
    ) -> str | None:
        cand = classify(phrase, offset, self.registry)
        if not cand:
            return None
        if role and not cand.role and cand.kind == "named_person":
            cand.role = role
        return self._resolve(cand, sentence)

    def _link_via(self, speaker: str | None, relay: str | None) -> list[str]:
        keys = [k for k in (speaker, relay) if k]
        if speaker and relay and speaker != relay:
            found = self.result.sources[speaker]
            if not found.via_key:
                found.via_key = relay
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
            cand = Candidate(
                "document",
                name=f"{owner}'s {words}" if speaker.kind != "anonymous" else words,
                mention=match.group(0).strip(),
                offset=sentence.start + match.start(),
                head=words.split()[-1],
                identified=speaker.kind != "anonymous",
            )
            seen = _SEEN_BY.match(sentence.text, match.end())
            public = match.group("doc").split()[-1].lower() in _PUBLIC_DOCUMENTS or (
                _PUBLISHED_ONLINE.match(sentence.text, match.end())
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

    def _published_in(self, cand: Candidate, sentence: Sentence) -> None:
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
        cand.name = DETERMINER.sub("", cand.mention)
        cand.identified = True
        cand.kind = "document"

    def _outlet_via(self, sentence: Sentence, end: int, speaker_key: str) -> None:
        np = noun_phrase_after(sentence, end)
        if not np:
            return
        phrase = np[0].strip()
        if _OUTLET_BACK_REFERENCE.match(phrase):
            # "a source close to the couple told the paper": the outlet named before.
            outlet = self._latest.get(("kind", "outlet"))
            speaker = self.result.sources.get(speaker_key)
            if outlet and speaker and speaker.kind != "outlet" and not speaker.via_key:
                speaker.via_key = outlet
                self.result.attach(sentence.index, outlet)
            return
        runs = cap_sequences(phrase)
        if not runs:
            return
        name = DETERMINER.sub(
            "", phrase[runs[0][0] : runs[-1][1]] if len(runs) == 1 else runs[0][2]
        )
        name = strip_possessive(name)
        if not is_outlet(name) and not is_outlet(phrase):
            return
        start = np[1] + phrase.find(runs[0][2]) if runs[0][2] in phrase else np[1]
        if re.search(r"\bthe\s+$", phrase[: runs[0][0]], flags=re.I) or runs[0][2].startswith(
            "The "
        ):
            name = with_article(name)
        mention = strip_possessive(runs[0][2])
        outlet_key = self._add(
            Candidate("outlet", name=name, mention=mention, offset=start), sentence
        )
        speaker = self.result.sources.get(speaker_key)
        if speaker and speaker.kind != "outlet" and not speaker.via_key:
            speaker.via_key = outlet_key
        self.result.attach(sentence.index, outlet_key)

    def _documents_as_subjects(self, sentence: Sentence, keys: list[str]) -> list[str]:
        """Texts that carry a sentence without a speech verb: 'The research, which looked at'."""
        match = _STUDY_SUBJECT.match(sentence.text)
        if not match or any(
            self.result.sources.get(k, Found("", "", "", "", 0)).kind == "document" for k in keys
        ):
            return []
        cand = document_phrase(match.group(1), sentence.start + match.start(1))
        if not cand or cand.kind != "coref_doc":
            return []
        earlier = self._earlier_document(cand.head)
        return [earlier] if earlier else []

    def _platform(self, sentence: Sentence) -> tuple[str, str, int] | None:
        """The platform a sentence's post is on, worked out once per sentence."""
        if sentence.index not in self._platforms:
            self._platforms[sentence.index] = _platform(sentence)
        return self._platforms[sentence.index]

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
                and not FINITE_SPEECH.search(sentence.text)
            ):
                for key in previous:
                    self.result.attach(sentence.index, key)
            else:
                previous = []


def _platform(sentence: Sentence) -> tuple[str, str, int] | None:
    """Where a post was made: 'in a post on Facebook', 'his Instagram video', 'tweeted'.

    Each sentence-wide test runs once, not once per "on <Word>" in the sentence.
    """
    text = sentence.text
    on_x: bool | None = None
    social: bool | None = None
    for match in lx.SOCIAL_CONTEXT.finditer(text):
        platform = lx.SOCIAL_PLATFORMS.get(match.group(1).lower())
        if platform == "X" and on_x is None:
            on_x = bool(_ON_X.search(text))
        if not platform or (platform == "X" and not on_x):
            continue
        if social is None:
            social = bool(lx.SOCIAL_WORDS.search(text) or _SPEECH.search(text))
        if not social:
            continue
        mention = match.group(0)
        # "posted ... on Instagram": the verb after the last , . or ; before the platform.
        clause = max(text.rfind(",", 0, match.start()), text.rfind(".", 0, match.start()),
                     text.rfind(";", 0, match.start())) + 1
        lead = _POSTED.search(text, clause, match.start())
        start = sentence.start + match.start()
        if lead and len(lead.group(0)) < 60:
            start = sentence.start + lead.start()
            mention = text[lead.start() : match.end()]
        return platform, mention, start
    owned = _OWNED_POST.search(text)
    if owned and lx.SOCIAL_PLATFORMS.get(owned.group(1).lower()):
        return (
            lx.SOCIAL_PLATFORMS[owned.group(1).lower()],
            owned.group(0),
            sentence.start + owned.start(),
        )
    generic = _GENERIC_POST.search(text)
    if generic:
        return "social media", generic.group(0), sentence.start + generic.start()
    return None


def _coordinated(phrase: str, offset: int) -> list[tuple[str, int]]:
    """'three people familiar with the talks and a leaked document': two sources, not one."""
    parts = re.split(r"\s+and\s+(?=(?:an?|the|two|three|four|several|other|one)\s)", phrase)
    if len(parts) == 1:
        return [(phrase, offset)]
    found: list[tuple[str, int]] = []
    cursor = 0
    for part in parts:
        at = phrase.find(part, cursor)
        found.append((part, offset + at))
        cursor = at + len(part)
    return found


def _leaves_quote_open(text: str, open_quote: bool) -> bool:
    """Whether a double quotation is still open after this sentence ('said: "He left. Sad."').

    The last curly quote sets the state; each straight quote after it flips it.
    """
    last = max(text.rfind("“"), text.rfind("”"))
    if last >= 0:
        open_quote = text[last] == "“"
    return open_quote != (text.count('"', last + 1) % 2 == 1)


def _display_name(cand: Candidate) -> str:
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
        counted = re.match(r"(two|three|four|five|six|several|many|\d+)\s+(.+)", name, re.I)
        if counted:
            return f"{counted.group(1)} unnamed {counted.group(2)}"  # "two unnamed people"
        return f"unnamed {name}" if not name.lower().startswith(("unnamed", "one of")) else name
    if cand.kind == "document" and not cand.identified:
        return f"unidentified {name}" if not name.lower().startswith("unidentified") else name
    return name


def find_source_map(text: str, sentences: list[Sentence]) -> SourceMap:
    return SourceFinder(text, sentences).run()
