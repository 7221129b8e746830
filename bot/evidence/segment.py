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
    """
    sentences: list[Sentence] = []
    offset = 0
    paragraph = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            line_start = offset + (len(line) - len(line.lstrip()))
            body = line.strip()
            pieces = []
            cursor = 0
            for match in _BOUNDARY.finditer(body):
                if _ABBREVIATIONS.search(body[: match.start()].rstrip("’'\"”)] ")):
                    continue
                pieces.append((cursor, match.start() + len(match.group(0).rstrip())))
                cursor = match.end()
            pieces.append((cursor, len(body)))
            for start, end in pieces:
                chunk = body[start:end].strip()
                if not chunk:
                    continue
                real_start = (
                    line_start + start + (len(body[start:end]) - len(body[start:end].lstrip()))
                )
                sentences.append(
                    Sentence(len(sentences), real_start, real_start + len(chunk), chunk, paragraph)
                )
            paragraph += 1
        offset += len(line)
    return _mark_headline(sentences) if headline else sentences


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
