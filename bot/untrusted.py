"""Untrusted text on its way into a prompt, and model text on its way into a report.

Both directions follow one idea: text we did not write is data, never structure.

Into prompts: a template is filled in one pass (`fill`), so text put in a placeholder is
never read again as a template and an article that contains `{close_delimiter}` stays
those fifteen characters. Untrusted text (the article, its metadata, a chat thread, a
question) is wrapped by a `Fence`: delimiter lines carrying a random token the text cannot
guess, with every run of angle brackets inside the text broken up (`defuse`), lookalike
brackets included, so nothing inside can pass for a delimiter line.

Into reports: what a model writes is cleaned (`clean`): C0/C1 control characters, NUL and
the bidirectional embedding/override/isolate characters (U+202A-U+202E, U+2066-U+2069),
which can make a card read differently from what it says, are removed, and every string
is clipped to a length that fits where it is shown.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# "<" and ">" and the characters that look like them (NFKC forms, guillemet-like angles).
_OPENING = "<\u2039\u27e8\u2329\u3008\uff1c\ufe64\u276e\u276c\u29fc\u02c2"
_CLOSING = ">\u203a\u27e9\u232a\u3009\uff1e\ufe65\u276f\u276d\u29fd\u02c3"
_BRACKET_RUN = re.compile(f"[{_OPENING}]{{3,}}|[{_CLOSING}]{{3,}}")
# Control characters (C0 but tab and newline, DEL, C1), bidi embeddings, overrides, isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_ALL_SPACE = re.compile(r"\s+")


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with each `{name}` replaced by `values[name]`, in a single pass.

    Unknown names stay as written. Inserted text is never scanned again, which is the
    point: the values are often untrusted.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def defuse(text: str) -> str:
    """`text` with no run of three or more angle brackets (or lookalikes) and no NUL."""
    text = text.replace("\x00", "")
    return _BRACKET_RUN.sub(lambda m: " ".join(m.group()) + " ", text)


@dataclass(frozen=True)
class Fence:
    """Delimiter lines with one fresh random token, for any number of labelled blocks."""

    token: str = field(default_factory=lambda: secrets.token_hex(6))

    def opening(self, label: str) -> str:
        return f"<<<{label} {self.token}>>>"

    def closing(self, label: str) -> str:
        return f"<<<END {label} {self.token}>>>"

    def wrap(self, label: str, text: str) -> str:
        """The block: opening line, the defused text, closing line."""
        return f"{self.opening(label)}\n{defuse(text)}\n{self.closing(label)}"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    space = head.rfind(" ")
    return (head[:space] if space >= limit // 2 else head).rstrip(" ,;:") + "…"


def clean(value: str | None, limit: int, *, multiline: bool = False) -> str:
    """Text made safe to store, show or put in a prompt as one bounded field: no control or
    bidi-override characters, whitespace tidied (one line unless `multiline`, so a page
    title cannot forge a line of the prompt), at most `limit` characters."""
    text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", value or ""))
    if multiline:
        text = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", text))
        text = "\n".join(line.strip() for line in text.split("\n"))
    else:
        text = _ALL_SPACE.sub(" ", text)
    return clip(text.strip(), limit)

