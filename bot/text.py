"""Small text utilities shared by the analyzers, grounding and rendering."""

from __future__ import annotations

import re
import unicodedata

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2026": "...",
    }
)

_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Fold typographic quotes, dashes, ellipses and whitespace so spans can be compared.

    NFKC first so compatibility forms (full-width letters, ligatures) compare equal.
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_MAP)
    return _WS.sub(" ", text).strip()


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text: NUL bytes, or mostly control characters."""
    if not data:
        return False
    if b"\x00" in data[:8192]:
        return True
    sample = data[:8192]
    try:
        decoded = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still text.
        if exc.start < len(sample) - 4:
            return True
        decoded = sample[: exc.start].decode("utf-8")
    controls = sum(1 for ch in decoded if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    return controls > max(8, len(decoded) // 50)
