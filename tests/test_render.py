"""bot.render: the concise card (plain and Telegram HTML) and the expandable sections."""

from __future__ import annotations

import html
import re

import pytest

from bot import evidence
from bot.models import Article, ArticleInfo, Claim, Rating, RedFlag, Report, Source
from bot.render import TELEGRAM_LIMIT, card_html, card_text, clip_html, section_html
from tests.conftest import SEED_TEXT

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "blockquote"}
EVIL = '<script>alert(1)</script> <a href="https://evil.example/x">click</a> AT&T &amp; &lt;b&gt;'


def seed_report() -> Report:
    return evidence.analyze(Article(text=SEED_TEXT.read_text(encoding="utf-8")))


def tags(markup: str) -> set[str]:
    return {m.lower() for m in re.findall(r"</?\s*([a-zA-Z][\w-]*)", markup)}


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def evil_report(language: str = "en", claims: int = 3) -> Report:
    return Report(
        analyzer="llm", model="m", language=language, article=ArticleInfo(title=EVIL),
        summary=f"Summary {EVIL}.", rating=Rating.from_score(2, f"Because {EVIL}"),
        claims=[Claim(id=f"c{i}", text=EVIL, quote=f"quote {i} {EVIL}", grounded=i % 2 == 0,
                      source_ids=["s1"], verifiability="partly", check=EVIL)
                for i in range(claims)],
        sources=[Source(id="s1", name=f"Name {EVIL}", kind="anonymous", role=EVIL, mention=EVIL)],
        red_flags=[RedFlag(code="anonymous_sourcing", detail=EVIL)],
        next_steps=[f"Step {EVIL}"],
    )


def test_seed_card_leads_with_the_relayed_anonymous_source() -> None:
    card = card_text(seed_report())
    assert len(card) <= 900
    head = "\n".join(card.splitlines()[:2]).lower()
    assert "anonymous source" in head and "mirror" in head
    assert "relayed" in head
    assert card.splitlines()[0].startswith("Credibility: 1/5")


def test_seed_card_lists_the_named_checkable_statements() -> None:
    card = card_text(seed_report())
    for name in ("Zelensky", "Kadyrov", "Wallace"):
        assert name in card


def test_seed_html_card_fits_telegram_card_size() -> None:
    markup = card_html(seed_report())
    assert len(visible(markup)) <= 1000
    assert tags(markup) <= ALLOWED_TAGS
    assert "Mirror" in visible(markup)


def test_model_output_is_escaped_everywhere_in_html() -> None:
    report = evil_report()
    outputs = [card_html(report)] + [section_html(report, s) for s in ("claims", "sources", "next_steps")]
    for markup in outputs:
        assert "<script" not in markup.lower()
        assert "<a " not in markup.lower() and "<a>" not in markup.lower()
        assert tags(markup) <= ALLOWED_TAGS, tags(markup)
        assert "&lt;script&gt;" in markup
        # "&amp;" written by the model is shown as typed, not decoded into "&".
        assert "AT&amp;T" in markup
        assert "&amp;amp;" in markup and "&amp;lt;b&amp;gt;" in markup
    sources = section_html(report, "sources")
    assert '&lt;a href="https://evil.example/x"&gt;' in sources


def test_ungrounded_quotes_are_not_presented_as_the_articles_words() -> None:
    report = evil_report(claims=2)  # c0 grounded, c1 not
    claims = section_html(report, "claims")
    blocks = claims.split("\n• ")
    ungrounded = next(b for b in blocks if "quote 1" in b)
    grounded = next(b for b in blocks if "quote 0" in b)
    assert "not found in the article" in ungrounded
    assert "“quote 1" not in ungrounded
    assert "“quote 0" in grounded and "not found" not in grounded
    assert "not found in the article" in card_text(report)


def test_sections_stay_within_telegrams_limit_and_say_what_was_left_out() -> None:
    report = evil_report(claims=200)
    markup = section_html(report, "claims")
    assert len(markup) <= TELEGRAM_LIMIT
    assert re.search(r"and \d+ more", markup)
    assert tags(markup) <= ALLOWED_TAGS
    # Whole items only: every opened tag is closed.
    for tag in ALLOWED_TAGS:
        assert markup.count(f"<{tag}>") == markup.count(f"</{tag}>")


def test_empty_sections_render() -> None:
    report = evil_report(claims=0)
    report.next_steps = []
    assert section_html(report, "claims").startswith("<b>Claims</b>")
    assert section_html(report, "next_steps").startswith("<b>Check next</b>")


@pytest.mark.parametrize(("language", "label"), [
    ("en", "Credibility"), ("ru", "Достоверность"), ("uk", "Достовірність"),
    ("de", "Glaubwürdigkeit"), ("es", "Credibilidad"), ("fr", "Crédibilité"),
    ("pt-BR", "Credibility"), ("xx", "Credibility"),
])
def test_labels_follow_the_report_language_with_english_fallback(language: str, label: str) -> None:
    report = seed_report()
    report.language = language
    assert card_text(report).startswith(label)
    assert card_html(report).startswith(f"<b>{label}")


def test_card_html_respects_a_smaller_limit() -> None:
    markup = card_html(seed_report(), limit=300)
    assert len(visible(markup)) <= 300
    assert markup.startswith("<b>Credibility")


def test_clip_html_never_cuts_a_tag_or_an_entity() -> None:
    markup = "<b>Hello &amp; wel</b>come <i>to &lt;script&gt; land</i> &#8212; end " * 3
    for limit in range(1, len(markup) + 5):
        clipped = clip_html(markup, limit)
        assert len(clipped) <= max(limit, 1)
        assert re.search(r"&[#\w]*$", re.sub(r"(</\w+>)+$", "", clipped).rstrip("…")) is None
        assert re.search(r"<[^>]*$", clipped) is None
        for tag in ("b", "i"):
            assert clipped.count(f"<{tag}>") == clipped.count(f"</{tag}>")
    assert clip_html(markup, len(markup)) == markup


def test_every_language_has_every_label() -> None:
    from bot.render import LABELS

    for language, labels in LABELS.items():
        assert set(labels) == set(LABELS["en"]), language


def test_sources_section_shows_where_the_rules_disagree() -> None:
    report = evil_report()
    report.sources[0].kind = "named_person"
    report.sources[0].evidence_kind = "anonymous"
    markup = section_html(report, "sources")
    assert "named person" in markup and "rule-based analysis: anonymous" in markup


def test_source_kinds_agree_with_their_count_in_every_language() -> None:
    from bot.render import LABELS, SINGULAR, kind_label

    assert set(SINGULAR) == set(LABELS)
    for language, singular in SINGULAR.items():
        for kind, label in singular.items():
            assert kind_label(language, kind, 1) == label
            assert kind_label(language, kind, 2) == LABELS[language][kind]
    assert kind_label("en", "social_media", 1) == "social post"
    assert kind_label("en", "named_person", 3) == "named people"


# --- cutting Telegram HTML ----------------------------------------------------------------

def _random_markup(rng, size: int) -> str:
    words = ["plain", "AT&amp;T", "&lt;tag&gt;", "&#8212;", "🙂🙂", "ünïcode", "\n", "\n\n",
             "x" * 300, "a b c", "«quoted»"]
    out = []
    while sum(map(len, out)) < size:
        choice = rng.random()
        if choice < 0.15:
            tag = rng.choice(["b", "i", "s", "code"])
            out.append(f"<{tag}>{rng.choice(words)} {rng.choice(words)}</{tag}>")
        elif choice < 0.2:
            out.append(f'<a href="https://example.org/{rng.randint(1, 9)}">{rng.choice(words)}</a>')
        else:
            out.append(rng.choice(words) + " ")
    return "".join(out)


def _telegram_visible(markup: str) -> str:
    from tests.fake_telegram import parse_html

    text, error, _ = parse_html(markup)
    assert error is None, (error, markup)
    return text


def test_split_html_gives_valid_messages_within_the_limit_that_keep_all_the_text() -> None:
    import random

    from bot.render import split_html, utf16_len

    rng = random.Random(8)
    for size, limit in ((5000, 4096), (12000, 4096), (3000, 500), (2000, 97)):
        for _ in range(20):
            markup = _random_markup(rng, size)
            parts = split_html(markup, limit, max_parts=1000)
            assert all(utf16_len(part) <= limit for part in parts)
            joined = "".join(_telegram_visible(part) for part in parts)
            assert joined == _telegram_visible(markup)


def test_split_html_prefers_line_ends_and_caps_the_number_of_messages() -> None:
    from bot.render import split_html

    lines = [f"line {i} " + "word " * 60 for i in range(100)]
    parts = split_html("\n".join(lines), 4096, max_parts=20)
    assert len(parts) > 1 and all(part.endswith("\n") for part in parts[:-1])
    assert "".join(parts) == "\n".join(lines)
    assert len(split_html("word " * 10000, 4096, max_parts=2)) == 2
    assert split_html("word " * 10000, 4096, max_parts=2)[-1].endswith("…")


def test_clip_html_cuts_inside_a_long_line_in_utf16_units() -> None:
    from bot.render import utf16_len

    answer = "<i>" + "🙂 a long answer without line breaks " * 200 + "</i>"
    clipped = clip_html(answer, 4096)
    assert utf16_len(clipped) <= 4096
    assert clipped.startswith("<i>🙂 a long answer") and clipped.endswith("…</i>")
    assert len(_telegram_visible(clipped)) > 3000


def test_a_huge_via_name_is_clipped_and_every_source_is_still_listed() -> None:
    huge = "The Very Long Outlet " * 250
    report = evil_report()
    report.sources = [
        Source(id="s1", name=huge, kind="outlet", mention="the outlet"),
        Source(id="s2", name="A security source", kind="anonymous", mention="a source", via="s1"),
        Source(id="s3", name="Another source", kind="anonymous", mention="another", via="s1"),
        Source(id="s4", name="Minister", kind="named_person", role=huge, mention="minister"),
    ]
    markup = section_html(report, "sources")
    shown = visible(markup)
    assert "more" not in shown
    for name in ("A security source", "Another source", "Minister"):
        assert name in shown
    assert len(markup) < 1500
    assert len(card_text(report)) < 1200


def test_bidi_overrides_and_controls_never_reach_a_rendered_string() -> None:
    hostile = "Name\u202e moc.live\u2066x\u2069\x00\x1b[2J\x07\ud800 end"
    report = evil_report()
    report.sources[0].name = hostile
    report.sources[0].role = hostile
    report.claims[0].quote = hostile
    report.summary = hostile
    report.next_steps = [hostile]
    report.article.forwarded_from = hostile
    rendered = [card_text(report), card_html(report)] + [
        section_html(report, section) for section in ("claims", "sources", "next_steps")]
    unsafe = set("\u202e\u2066\u2069\x00\x1b\x07\ud800")
    for text in rendered:
        assert not unsafe & set(text), text
        text.encode("utf-8")  # no lone surrogate left
    assert "Name moc.livex[2J end" in visible(section_html(report, "sources"))
    keep = "\u200f\u05e9\u05dc\u05d5\u05dd\u200e and a\ttab"  # RLM, Hebrew, LRM stay
    report.summary = keep
    assert keep.replace("\t", " ") in card_text(report)
