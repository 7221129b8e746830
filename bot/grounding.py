"""Hold the model to the article and to the offline evidence.

A model's report is only as good as the model, and the article it reads can try to steer it
("rate this 5/5, cite Reuters"). Nothing here trusts the model's word: every rule below
checks it against the article's text or the offline evidence, and where they disagree the
more cautious reading wins and the report says so.

Rules, in the order `ground` applies them:

1. Quotes. A claim quote, hedge quote or source mention is looked up in the article after
   folding quotes, dashes, whitespace and case (`bot.text.normalise`). An exact folded match
   is replaced by the article's own span. Otherwise a fuzzy match is tried: at least
   FUZZY_THRESHOLD (90%) of the quote's characters must match in order, within an article
   span of 80-125% of the quote's length, and the span's neighbourhood must share half of
   the quote's words. That tolerates a dropped word, a changed apostrophe or a typo in a
   long quote, and rejects paraphrase and invention. A claim quote found nowhere is kept as
   the model wrote it with `grounded: false`, never shown as the article's words.
2. Sources. A source survives only if one of its strings (the mention first, then the
   name, then the name without a title before it) is found in the article as a specific
   span that names it:
   - specific: the span has a word that is not a function word ("the", "he", "it");
   - names it: the name's own words (its content words, without titles such as "General"
     and source words such as "spokesperson") all occur in the article, and, for every kind
     but `anonymous`, at least one occurs in the span. An anonymous source is its
     description ("a security source"): the specific span is enough.
   Anything else was invented, and is dropped with its references.
3. Kinds. Each surviving source is matched to the offline evidence's sources (overlapping
   spans, else shared name words). Kinds sit on a ladder of how checkable a source is:
   anonymous 0, outlet and social post 1, document 2, named person or organisation 3. Any
   disagreement is recorded (`evidence_kind` and a note); where the two readings are more
   than one rung apart, the lower (more cautious) kind is kept. A claim resting only on
   anonymous sources cannot be "verifiable": it becomes "partly".
4. Rating. Where the model's score and the offline score are more than one step apart, the
   lower one is kept, the rationale opens by saying so in the report's language, and a note
   records both. When the model's own score is the one set aside, its summary goes with it
   (it argues for that score) and the offline summary is shown.
5. Red flags the evidence proves by a span of the article (PROVEN_FLAGS: anonymous
   sourcing, a relayed report, aggregator boilerplate, a call to action) are never dropped:
   missing ones are added with the offline detail, and proven flags come first.

Work is bounded for any article and any answer: the article is folded once in linear time;
a fuzzy look-up considers at most MAX_WINDOWS windows of about the quote's length, found
through the quote's rarest words; quotes longer than MAX_FUZZY_CHARS are matched exactly or
not at all; one call does at most MAX_FUZZY_LOOKUPS fuzzy look-ups (later ones are exact
only), and repeated look-ups are answered from a cache.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from difflib import SequenceMatcher

from .models import Rating, Report, Source
from .text import normalise

FUZZY_THRESHOLD = 0.9
MAX_FUZZY_CHARS = 600
MAX_WINDOWS = 12
MAX_FUZZY_LOOKUPS = 40
PROVEN_FLAGS = ("anonymous_sourcing", "relayed_report", "aggregator_copy", "call_to_action")
_SPAN_RATIO = (0.8, 1.25)
_WORD = re.compile(r"\w+")
_WORD_SHARE = 0.5
_MIN_FUZZY = 12  # shorter strings: only exact matches mean anything
# Function words: a span of nothing else names nothing.
_STOP = {
    "a", "an", "the", "this", "that", "these", "those", "he", "she", "it", "they", "we", "i",
    "you", "him", "her", "them", "his", "its", "their", "our", "my", "your", "who", "whom",
    "which", "what", "and", "or", "but", "of", "in", "on", "at", "to", "by", "for", "from",
    "with", "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "do",
    "does", "did", "said", "says", "say", "told", "according", "one", "some", "other",
    "there", "here", "also", "not", "no", "so", "s",
}
# Words that describe a source rather than name it.
_GENERIC = _STOP | {
    "unnamed", "unidentified", "anonymous", "source", "sources", "spokesperson", "spokesman",
    "spokeswoman", "official", "officials", "people", "person", "report", "reports",
    "statement", "insider", "insiders", "expert", "experts", "senior", "former", "close",
    "familiar", "matter", "post", "posts", "account", "channel", "study", "document",
}
# Titles a model may add to a name the article gives bare ("General Sergei Ivanov").
_TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "gen", "general", "col", "colonel", "capt", "captain", "sgt", "sergeant", "lt",
    "lieutenant", "adm", "admiral", "president", "prime", "minister", "secretary", "senator",
    "sen", "rep", "representative", "judge", "justice", "mayor", "governor", "ambassador",
    "chancellor", "king", "queen", "prince", "princess", "rev", "reverend", "father",
    "bishop", "sheikh", "commander", "chief", "director", "chairman", "chairwoman", "ceo",
    "cllr", "councillor", "councilor", "deputy", "mp", "mep", "congressman", "congresswoman",
    "det", "detective", "insp", "inspector", "supt", "superintendent", "officer", "constable",
    "baron", "baroness", "rabbi", "imam", "archbishop", "cardinal", "pope", "dean",
}
KIND_RUNG = {"anonymous": 0, "outlet": 1, "social_media": 1, "document": 2,
             "named_org": 3, "named_person": 3}
# The rating line of the card opens with this when the readings disagree; the card shows
# the text up to the first ". " or "; ", so it has neither.
_DISAGREEMENT = {
    "en": "AI analysis {model}/5, rule-based reading {rules}/5: the more cautious is shown",
    "ru": "ИИ-анализ {model}/5, анализ по правилам {rules}/5: показана более осторожная оценка",
    "uk": "ШІ-аналіз {model}/5, аналіз за правилами {rules}/5: показано обережнішу оцінку",
    "de": "KI-Analyse {model}/5, regelbasierte Analyse {rules}/5: die vorsichtigere Bewertung "
          "wird gezeigt",
    "es": "Análisis de IA {model}/5, análisis por reglas {rules}/5: se muestra la valoración "
          "más prudente",
    "fr": "Analyse IA {model}/5, analyse par règles {rules}/5 : la note la plus prudente est "
          "affichée",
}


def _fold_char(ch: str) -> str:
    return " " if ch.isspace() else normalise(ch).lower()


class ArticleIndex:
    """The article folded once (lower case, plain quotes and dashes, single spaces), with a
    map from every folded character back to the original, so matches return verbatim spans.

    Linear and mostly in C: characters are folded through a table built per distinct
    character (`str.translate`); only the odd ones (folding to several characters or none)
    and runs of spaces break the one-to-one map, which is kept as a short list of segments.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        table: dict[int, str] = {}
        odd: list[str] = []  # characters that fold to no character or to several
        for ch in set(text):
            folded = _fold_char(ch)
            if len(folded) == 1:
                table[ord(ch)] = folded
            else:
                odd.append(ch)
        translated = text.translate(table)  # odd characters stay as they are, one for one
        breaks = re.compile(("[" + re.escape("".join(odd)) + "]|" if odd else "") + r"^ +| {2,}")
        out: list[str] = []
        self._starts: list[int] = []  # segment i: folded[_starts[i]:] maps from _origins[i]
        self._origins: list[int] = []
        self._steps: list[int] = []  # 1: one for one; 0: every character maps to the origin
        size = 0

        def emit(piece: str, origin: int, step: int) -> None:
            nonlocal size
            if piece:
                out.append(piece)
                self._starts.append(size)
                self._origins.append(origin)
                self._steps.append(step)
                size += len(piece)

        position = 0
        for match in breaks.finditer(translated):
            start = match.start()
            if match.group()[0] == " ":  # a run of spaces: its first one stays (not at the start)
                emit(translated[position:start + (1 if start else 0)], position, 1)
            else:
                emit(translated[position:start], position, 1)
                emit(_fold_char(match.group()), start, 0)
            position = match.end()
        emit(translated[position:], position, 1)
        self.folded = "".join(out)
        self._counts: Counter[str] | None = None
        self._cache: dict[str, tuple[int, int] | None] = {}
        self.fuzzy_budget = MAX_FUZZY_LOOKUPS
        self.windows_compared = 0  # the fuzzy work done, for tests and benchmarks

    # --- look-ups ----------------------------------------------------------------------
    def original(self, position: int) -> int:
        """The index in the article of the folded character at `position`."""
        i = bisect_right(self._starts, position) - 1
        return self._origins[i] + self._steps[i] * (position - self._starts[i])

    def span(self, start: int, end: int) -> str:
        """The original text behind folded[start:end]."""
        return self.text[self.original(start):self.original(end - 1) + 1]

    def locate(self, quote: str) -> str | None:
        """The article's own span for `quote`, or None when the article does not say it."""
        found = self.locate_position(quote)
        return self.span(*found) if found else None

    def locate_position(self, quote: str) -> tuple[int, int] | None:
        """(start, end) in the folded text of the best match for `quote`, or None."""
        needle = fold(quote)
        if needle in self._cache:
            return self._cache[needle]
        found = self._locate(needle)
        self._cache[needle] = found
        return found

    def _locate(self, needle: str) -> tuple[int, int] | None:
        if len(needle) < 3:
            return None
        position = self.folded.find(needle)
        if position >= 0:
            return position, position + len(needle)
        if not _MIN_FUZZY <= len(needle) <= MAX_FUZZY_CHARS or self.fuzzy_budget <= 0:
            return None
        self.fuzzy_budget -= 1
        return self._fuzzy(needle)

    # --- words -------------------------------------------------------------------------
    @property
    def counts(self) -> Counter[str]:
        """How often each folded word occurs, counted on first use."""
        if self._counts is None:
            self._counts = Counter(_WORD.findall(self.folded))
        return self._counts

    def has_word(self, word: str) -> bool:
        return self.counts[word] > 0

    def positions(self, word: str, limit: int) -> list[int]:
        """Up to `limit` start positions of `word` as a whole word, in text order."""
        found: list[int] = []
        folded = self.folded
        position = folded.find(word)
        tries = 0
        while position >= 0 and len(found) < limit and tries < 20 * limit:
            after = position + len(word)
            if not (_word_char(folded, position - 1) or _word_char(folded, after)):
                found.append(position)
            tries += 1
            position = folded.find(word, position + 1)
        return found

    # --- fuzzy matching ------------------------------------------------------------------
    def _fuzzy(self, needle: str) -> tuple[int, int] | None:
        """The best fuzzy match, looked for only near occurrences of the quote's rarest words.

        A match must share half of the quote's words (`_WORD_SHARE`). If the quote has n such
        words in the article and a match needs k of them, any match contains one of the
        n - k + 1 rarest: windows around their occurrences are the only candidates.
        """
        needle_words = set(_WORD.findall(needle))
        required = math.ceil(_WORD_SHARE * len(needle_words))
        present = sorted((w for w in needle_words if self.has_word(w)),
                         key=lambda w: self.counts[w])
        if not present or len(present) < required:
            return None
        reach = int(len(needle) * _SPAN_RATIO[1]) + 1
        # Where the match would start, for each occurrence of each anchor, rarest first.
        starts: list[int] = []
        for word in present[:len(present) - required + 1]:
            offsets = [m.start() for m in re.finditer(rf"\b{re.escape(word)}\b", needle)]
            starts.extend(p - o for p in self.positions(word, MAX_WINDOWS) for o in offsets)
            if len(starts) >= MAX_WINDOWS:
                break
        best: tuple[float, int, int] | None = None
        slack = reach - len(needle)  # how far insertions and deletions can shift a match
        for first, last in _clusters(sorted(starts[:MAX_WINDOWS]), slack):
            low = max(0, first - slack)
            window = self.folded[low:last + reach + slack]
            if len(needle_words & set(_WORD.findall(window))) < required:
                continue
            self.windows_compared += 1
            found = _match(needle, window)
            if found and (best is None or found[0] > best[0]):
                best = (found[0], low + found[1], low + found[2])
        return (best[1], best[2]) if best else None


def _word_char(text: str, position: int) -> bool:
    """Whether text[position] is a word character as `\\w` means it (outside: no)."""
    if not 0 <= position < len(text):
        return False
    ch = text[position]
    return ch.isalnum() or ch == "_"


def _clusters(starts: list[int], gap: int) -> list[tuple[int, int]]:
    """Candidate start positions grouped when close, as (first, last) pairs."""
    out: list[tuple[int, int]] = []
    for start in starts:
        if out and start - out[-1][1] <= gap and start - out[-1][0] <= 2 * gap + 1:
            out[-1] = (out[-1][0], start)
        else:
            out.append((start, start))
    return out


def _match(needle: str, window: str) -> tuple[float, int, int] | None:
    """(score, start, end) of `needle` in `window` when close enough, else None."""
    matcher = SequenceMatcher(None, needle, window, autojunk=False)
    # Cheap upper bounds first: most windows are nowhere near the quote.
    bound = 2 * FUZZY_THRESHOLD * len(needle)
    if matcher.real_quick_ratio() * (len(needle) + len(window)) < bound:
        return None
    if matcher.quick_ratio() * (len(needle) + len(window)) < bound:
        return None
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return None
    score = sum(b.size for b in blocks) / len(needle)
    start, end = blocks[0].b, blocks[-1].b + blocks[-1].size
    ratio = (end - start) / len(needle)
    if score >= FUZZY_THRESHOLD and _SPAN_RATIO[0] <= ratio <= _SPAN_RATIO[1]:
        return score, start, end
    return None


def fold(value: str) -> str:
    """How quotes are compared: normalised, lower case, without a wrapping pair of quote
    marks or trailing punctuation (models add and drop those freely)."""
    folded = normalise(value).lower().strip()
    while len(folded) > 2 and folded[0] == folded[-1] and folded[0] in "\"'":
        folded = folded[1:-1].strip()
    return folded.rstrip(" .,;:").lstrip(" ,;:")


def locate(quote: str, text: str) -> str | None:
    """The article's own span for `quote` in `text`, or None (one-off look-up)."""
    return ArticleIndex(text).locate(quote)


# --- the rules ------------------------------------------------------------------------------
def ground(report: Report, text: str, evidence: Report) -> Report:
    """A copy of `report` held to `text` and to the offline `evidence` (rules above).

    A plain module-level function of picklable values, so it can run in a process pool.
    """
    report = report.model_copy(deep=True)
    article = ArticleIndex(text)
    ground_claims(report, article)
    ground_sources(report, article)
    hedges = []
    for hedge in report.hedges:
        if article.locate(hedge.marker) is None:
            continue  # a hedge word the article does not use
        hedges.append(hedge.model_copy(update={"quote": article.locate(hedge.quote) or hedge.marker}))
    report.hedges = hedges
    compare_kinds(report, evidence, article)
    bound_rating(report, evidence)
    keep_proven_flags(report, evidence)
    return report


def ground_claims(report: Report, article: ArticleIndex) -> None:
    for claim in report.claims:
        span = article.locate(claim.quote)
        claim.grounded = span is not None
        if span:
            claim.quote = span
    ungrounded = sum(not c.grounded for c in report.claims)
    if ungrounded:
        report.notes.append(f"{ungrounded} claim quote(s) from the model were not found in the "
                            "article and are marked as such.")


def ground_sources(report: Report, article: ArticleIndex) -> None:
    """Keep the sources the article names (rule 2); drop the others and their references."""
    kept: list[Source] = []
    dropped: set[str] = set()
    for source in report.sources:
        candidates = (source.mention, source.name, bare_name(source.name))
        span = next((s for s in candidates if names_source(s, source, article)), None)
        if span is None:
            dropped.add(source.id)
            report.notes.append(f"Dropped a source the article does not name: {source.name}.")
            continue
        source.mention = article.locate(span) or span
        kept.append(source)
    report.sources = kept
    for source in report.sources:
        if source.via in dropped:
            source.via = None
    for claim in report.claims:
        claim.source_ids = [s for s in claim.source_ids if s not in dropped]


def names_source(candidate: str, source: Source, article: ArticleIndex) -> bool:
    """Whether `candidate` is a specific span of the article that names `source`."""
    span = article.locate(candidate)
    if span is None:
        return False
    span_words = set(_WORD.findall(fold(span)))
    if not span_words - _STOP:
        return False
    own = name_words(source.name)
    if not all(article.has_word(w) for w in own):
        return False  # the name, or part of it, is not the article's
    if source.kind == "anonymous" or not own:
        return True  # a description ("a security source", "the ministry") is its own span
    return bool(own & span_words)


def bare_name(name: str) -> str:
    """The name without the titles and articles before it ("Councillor Tom Hale" -> "Tom Hale")."""
    words = name.split()
    while words and re.sub(r"\W", "", words[0]).lower() in _TITLES | _STOP:
        words.pop(0)
    return " ".join(words)


def name_words(name: str) -> set[str]:
    """The words that make a name this name: no function, source or title words."""
    return {w for w in _WORD.findall(fold(name)) if len(w) > 1} - _GENERIC - _TITLES


def _match_score(source: Source, other: Source, article: ArticleIndex) -> float:
    """How surely two sources are the same: overlapping mentions in the text (2), else the
    share of name words in common (0-1)."""
    mine, theirs = article.locate_position(source.mention), article.locate_position(other.mention)
    if mine and theirs and mine[0] < theirs[1] and theirs[0] < mine[1]:
        return 2.0
    words, other_words = name_words(source.name), name_words(other.name)
    if not words or not other_words:
        words = words | name_words(source.mention)
        other_words = other_words | name_words(other.mention)
    if not words or not other_words:
        return 0.0
    return len(words & other_words) / max(len(words), len(other_words))


def compare_kinds(report: Report, evidence: Report, article: ArticleIndex) -> None:
    """Where the model and the offline evidence type the same source differently, say so;
    more than one rung apart, keep the more cautious kind (rule 3)."""
    for source in report.sources:
        scored = [(_match_score(source, other, article), other) for other in evidence.sources]
        score, other = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        if other is None or score < 0.5 or other.kind == source.kind:
            continue
        model_kind = source.kind
        source.evidence_kind = other.kind
        note = (f"Source “{source.name}”: the AI analysis says {model_kind.replace('_', ' ')}, "
                f"the rule-based analysis says {other.kind.replace('_', ' ')}")
        if KIND_RUNG[model_kind] - KIND_RUNG[other.kind] > 1:
            source.kind = other.kind
            note += "; the more cautious reading is kept"
        report.notes.append(note + ".")
    kinds = {s.id: s.kind for s in report.sources}
    lowered = 0
    for claim in report.claims:
        if (claim.verifiability == "verifiable" and claim.source_ids
                and all(kinds.get(i) == "anonymous" for i in claim.source_ids)):
            claim.verifiability = "partly"
            lowered += 1
    if lowered:
        report.notes.append(f"{lowered} claim(s) resting only on anonymous sources are marked "
                            "partly verifiable, not verifiable.")


def bound_rating(report: Report, evidence: Report) -> None:
    """More than one step from the offline score, the lower score is kept (rule 4)."""
    model, rules = report.rating.score, evidence.rating.score
    if abs(model - rules) <= 1:
        return
    language = (report.language or "en").split("-")[0].lower()
    opening = _DISAGREEMENT.get(language, _DISAGREEMENT["en"]).format(model=model, rules=rules)
    if model > rules:
        report.rating = Rating.from_score(rules, f"{opening}. {evidence.rating.rationale}")
        report.summary = evidence.summary
    else:
        report.rating = Rating.from_score(model, f"{opening}. {report.rating.rationale}")
    report.notes.append(f"The AI analysis rated the sourcing {model}/5 and the rule-based analysis "
                        f"{rules}/5; the lower rating is kept.")


def keep_proven_flags(report: Report, evidence: Report) -> None:
    """The red flags the evidence proves stay, first (rule 5)."""
    mine = {f.code: f for f in report.red_flags}
    theirs = {f.code: f for f in evidence.red_flags}
    proven = [mine.get(code) or theirs[code] for code in PROVEN_FLAGS if code in theirs]
    added = [f.code for f in proven if f.code not in mine]
    codes = {f.code for f in proven}
    report.red_flags = proven + [f for f in report.red_flags if f.code not in codes]
    if added:
        report.notes.append("Red flags the rule-based analysis proves from the text were kept: "
                            + ", ".join(code.replace("_", " ") for code in added) + ".")


