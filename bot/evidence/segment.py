"""Sentences with their offsets in the original text, so every quote is a verbatim span."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? (optionally followed by closing quotes) before white space and
# something that can start a sentence. Abbreviations like "Mr." and initials stay inside.
_BOUNDARY = re.compile(r"(?<=[.!?…])[’'\"”)\]]*\s+(?=[‘'\"“(\[]?[A-Z0-9⚡🔴])")
_ABBREVIATIONS = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Gen|Col|Lt|Sgt|Capt|Rev|Gov|Sen|Rep|No|vs|etc|Inc|Ltd|"
    r"Co|Corp|U\.S|U\.K|e\.g|i\.e|[A-Z])\.$"
)


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int
    is_headline: bool = False


def split_sentences(text: str, *, headline: bool = True) -> list[Sentence]:
    """Split on lines (paragraphs), then on sentence ends; offsets index into `text`.

    `headline=False` when the title came apart from the text (a fetched page's metadata).
    Linear in the text: an abbreviation is looked for in the few characters before each
    boundary, never in the whole line before it, and no "sentence" is longer than
    `LONGEST_SENTENCE` (see `_cut`).
    """
    sentences: list[Sentence] = []
    offset = 0
    paragraph = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            line_start = offset + (len(line) - len(line.lstrip()))
            body = stripped
            pieces = []
            cursor = 0
            for match in _BOUNDARY.finditer(body):
                # The boundary follows . ! ? or …; "Corp." is the longest abbreviation, so
                # eight characters hold it and the word boundary before it.
                if _ABBREVIATIONS.search(body, max(0, match.start() - 8), match.start()):
                    continue
                pieces.append((cursor, match.start() + len(match.group(0).rstrip())))
                cursor = match.end()
            pieces.append((cursor, len(body)))
            for start, end in pieces:
                for real_start, chunk in _cut(body, start, end):
                    sentences.append(
                        Sentence(len(sentences), line_start + real_start,
                                 line_start + real_start + len(chunk), chunk, paragraph)
                    )
            paragraph += 1
        offset += len(line)
    return _mark_headline(sentences) if headline else sentences


# No English sentence comes near this: the longest of 181 real news articles has about 600
# characters (a Russian recipe's has 2,071). A longer run without a sentence end is a list,
# a table or hostile input; cutting it at a space bounds every per-sentence step.
LONGEST_SENTENCE = 3000


def _cut(body: str, start: int, end: int) -> list[tuple[int, str]]:
    """The stripped sentence in body[start:end] with its offset, in pieces of at most
    LONGEST_SENTENCE characters cut at the last space that fits (anywhere if none does)."""
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    found: list[tuple[int, str]] = []
    while end - start > LONGEST_SENTENCE:
        cut = body.rfind(" ", start + 1, start + LONGEST_SENTENCE)
        cut = cut if cut > start else start + LONGEST_SENTENCE
        stop = cut
        while body[stop - 1].isspace():
            stop -= 1
        found.append((start, body[start:stop]))
        start = cut
        while body[start].isspace():
            start += 1
    if end > start:
        found.append((start, body[start:end]))
    return found


def _mark_headline(sentences: list[Sentence]) -> list[Sentence]:
    """The first line is a headline when it is short and stands above more text.

    A headline may hold two sentences ("Is it over? Star 'quits'"), so the whole line counts.
    """
    first = [s for s in sentences if s.paragraph == 0]
    words = sum(len(s.text.split()) for s in first)
    if first and len(first) < len(sentences) and words <= 30 and len(first) <= 3:
        for head in first:
            sentences[head.index] = Sentence(head.index, head.start, head.end, head.text, 0, True)
    return sentences
