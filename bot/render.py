"""Reports as a short card: plain text for the terminal, HTML for Telegram.

Both come from one list of lines, most important first: the rating and its reason, the
finding on what the main claim rests on, the sources by kind, the claims by verifiability,
the top red flags, what to check next. In HTML every piece of model or article text is
escaped and no links are produced: a chat must never render markup or preview a URL a
model wrote.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from typing import Literal

from .models import Report

Section = Literal["claims", "sources", "next_steps"]
TELEGRAM_LIMIT = 4096

LABELS: dict[str, dict[str, str]] = {
    "en": {"rules": "rule-based analysis", "rating": "Credibility", "sources": "Sources", "claims": "Claims",
           "flags": "Red flags", "next": "Check next", "verifiable": "verifiable",
           "partly": "partly verifiable", "unverifiable": "unverifiable",
           "not_found": "not found in the article", "via": "via", "more": "and {n} more",
           "named_person": "named people", "named_org": "organisations",
           "anonymous": "anonymous", "outlet": "other outlets", "document": "documents",
           "social_media": "social posts", "offline": "offline analysis",
           "truncated": "article truncated for analysis", "forwarded": "Forwarded from"},
    "ru": {"rules": "по правилам", "rating": "Достоверность", "sources": "Источники", "claims": "Утверждения",
           "flags": "Тревожные признаки", "next": "Что проверить", "verifiable": "проверяемые",
           "partly": "частично проверяемые", "unverifiable": "непроверяемые",
           "not_found": "нет в статье", "via": "через", "more": "и ещё {n}",
           "named_person": "названные люди", "named_org": "организации",
           "anonymous": "анонимные", "outlet": "другие СМИ", "document": "документы",
           "social_media": "посты в соцсетях", "offline": "офлайн-анализ",
           "truncated": "статья сокращена для анализа", "forwarded": "Переслано из"},
    "uk": {"rules": "за правилами", "rating": "Достовірність", "sources": "Джерела", "claims": "Твердження",
           "flags": "Тривожні ознаки", "next": "Що перевірити", "verifiable": "перевірювані",
           "partly": "частково перевірювані", "unverifiable": "неперевірювані",
           "not_found": "немає в статті", "via": "через", "more": "і ще {n}",
           "named_person": "названі люди", "named_org": "організації",
           "anonymous": "анонімні", "outlet": "інші ЗМІ", "document": "документи",
           "social_media": "дописи в соцмережах", "offline": "офлайн-аналіз",
           "truncated": "статтю скорочено для аналізу", "forwarded": "Переслано з"},
    "de": {"rules": "regelbasiert", "rating": "Glaubwürdigkeit", "sources": "Quellen", "claims": "Behauptungen",
           "flags": "Warnzeichen", "next": "Als Nächstes prüfen", "verifiable": "überprüfbar",
           "partly": "teilweise überprüfbar", "unverifiable": "nicht überprüfbar",
           "not_found": "nicht im Artikel", "via": "über", "more": "und {n} weitere",
           "named_person": "namentlich genannte Personen", "named_org": "Organisationen",
           "anonymous": "anonym", "outlet": "andere Medien", "document": "Dokumente",
           "social_media": "Social-Media-Beiträge", "offline": "Offline-Analyse",
           "truncated": "Artikel für die Analyse gekürzt", "forwarded": "Weitergeleitet von"},
    "es": {"rules": "según las reglas", "rating": "Credibilidad", "sources": "Fuentes", "claims": "Afirmaciones",
           "flags": "Señales de alerta", "next": "Qué comprobar", "verifiable": "verificables",
           "partly": "parcialmente verificables", "unverifiable": "no verificables",
           "not_found": "no está en el artículo", "via": "vía", "more": "y {n} más",
           "named_person": "personas con nombre", "named_org": "organizaciones",
           "anonymous": "anónimas", "outlet": "otros medios", "document": "documentos",
           "social_media": "publicaciones en redes", "offline": "análisis sin conexión",
           "truncated": "artículo recortado para el análisis", "forwarded": "Reenviado de"},
    "fr": {"rules": "selon les règles", "rating": "Crédibilité", "sources": "Sources", "claims": "Affirmations",
           "flags": "Signaux d'alerte", "next": "À vérifier", "verifiable": "vérifiables",
           "partly": "en partie vérifiables", "unverifiable": "invérifiables",
           "not_found": "absent de l'article", "via": "via", "more": "et {n} de plus",
           "named_person": "personnes nommées", "named_org": "organisations",
           "anonymous": "anonymes", "outlet": "autres médias", "document": "documents",
           "social_media": "publications sur les réseaux", "offline": "analyse hors ligne",
           "truncated": "article tronqué pour l'analyse", "forwarded": "Transféré de"},
}
# One source of a kind, for "1 social post" and the Sources section's per-source lines.
SINGULAR: dict[str, dict[str, str]] = {
    "en": {"named_person": "named person", "named_org": "organisation", "anonymous": "anonymous",
           "outlet": "other outlet", "document": "document", "social_media": "social post"},
    "ru": {"named_person": "названный человек", "named_org": "организация",
           "anonymous": "анонимный", "outlet": "другое СМИ", "document": "документ",
           "social_media": "пост в соцсети"},
    "uk": {"named_person": "названа людина", "named_org": "організація",
           "anonymous": "анонімне", "outlet": "інше ЗМІ", "document": "документ",
           "social_media": "допис у соцмережі"},
    "de": {"named_person": "namentlich genannte Person", "named_org": "Organisation",
           "anonymous": "anonym", "outlet": "anderes Medium", "document": "Dokument",
           "social_media": "Social-Media-Beitrag"},
    "es": {"named_person": "persona con nombre", "named_org": "organización",
           "anonymous": "anónima", "outlet": "otro medio", "document": "documento",
           "social_media": "publicación en redes"},
    "fr": {"named_person": "personne nommée", "named_org": "organisation",
           "anonymous": "anonyme", "outlet": "autre média", "document": "document",
           "social_media": "publication sur les réseaux"},
}


# Removed from every rendered string. Bidi embeddings, overrides and isolates reorder all
# that follows them (a name can turn the rest of the card around, "moc.live" for
# "evil.com"); C0/C1 controls and NUL are never text, and ESC drives terminals; lone
# surrogates cannot be encoded at all. The marks LRM, RLM and ALM stay: right-to-left
# writing needs them and they reorder nothing beyond neutral characters next to them.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def safe_text(text: str) -> str:
    """`text` without bidi overrides, control characters (tab and newline stay) and lone
    surrogates: what the card shows is what the text says, in its order."""
    return _UNSAFE.sub("", text)


def kind_label(language: str | None, kind: str, count: int = 1) -> str:
    """'1 social post', '2 social posts': the kind's label agreeing with its count."""
    if count != 1:
        return labels(language)[kind]
    code = (language or "en").split("-")[0].lower()
    return SINGULAR.get(code, SINGULAR["en"])[kind]


_KIND_ORDER = ("anonymous", "outlet", "named_person", "named_org", "document", "social_media")


def labels(language: str | None) -> dict[str, str]:
    code = (language or "en").split("-")[0].lower()
    return LABELS.get(code, LABELS["en"])


def _first_sentence(text: str, limit: int = 220) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text.strip(), flags=re.DOTALL)
    sentence = match.group(1) if match else text.strip()
    return _clip(sentence, limit)


def _first_clause(text: str, limit: int) -> str:
    clause = re.split(r"(?<=[.;])\s", text.strip(), maxsplit=1)[0].rstrip(";")
    return _clip(clause, limit)


def _sentences(text: str, count: int, limit: int) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return _clip(" ".join(parts[:count]), limit)


def _clip(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _source_line(report: Report, names_per_kind: int = 3) -> str:
    lab = labels(report.language)
    by_kind: dict[str, list[str]] = {}
    for source in report.sources:
        name = _clip(source.name, 60)
        if source.via and (via := report.source(source.via)):
            name = f"{name} ({lab['via']} {_clip(via.name, 40)})"
        by_kind.setdefault(source.kind, []).append(name)
    parts = []
    for kind in _KIND_ORDER:
        names = by_kind.get(kind)
        if not names:
            continue
        shown = ", ".join(_clip(n, 60) for n in names[:names_per_kind])
        more = f", {lab['more'].format(n=len(names) - names_per_kind)}" if len(names) > names_per_kind else ""
        parts.append(f"{len(names)} {kind_label(report.language, kind, len(names))}: {shown}{more}")
    return "; ".join(parts) if parts else "—"


def _claims_line(report: Report) -> str:
    lab = labels(report.language)
    counts = Counter(c.verifiability for c in report.claims)
    parts = [f"{counts[v]} {lab[v]}" for v in ("verifiable", "partly", "unverifiable") if counts[v]]
    ungrounded = sum(not c.grounded for c in report.claims)
    if ungrounded:
        parts.append(f"{ungrounded} {lab['not_found']}")
    return " · ".join(parts) if parts else "—"


def _card_lines(report: Report) -> list[tuple[str | None, str]]:
    """(label, text) pairs in order of importance; label None for a plain line."""
    lab = labels(report.language)
    rating = report.rating
    lines: list[tuple[str | None, str]] = [
        (lab["rating"], f"{rating.score}/5 ({rating.label}) — {_first_clause(rating.rationale, 110)}"),
        (None, _sentences(report.summary, 2, 300)),
        (lab["sources"], _clip(_source_line(report), 240)),
        (lab["claims"], _claims_line(report)),
    ]
    if report.red_flags:
        flags = ", ".join(_clip(f.code.replace("_", " "), 40) for f in report.red_flags[:4])
        lines.append((lab["flags"], flags))
    if report.next_steps:
        lines.append((lab["next"], _clip(report.next_steps[0], 180)))
    tail = []
    if report.article.forwarded_from:
        tail.append(f"{lab['forwarded']} {_clip(report.article.forwarded_from, 60)}")
    if report.analyzer == "offline":
        tail.append(lab["offline"])
    if report.article.truncated:
        tail.append(lab["truncated"])
    if tail:
        lines.append((None, " · ".join(tail)))
    return lines


def card_text(report: Report) -> str:
    """The concise card for a terminal (no escape sequence of an article reaches it)."""
    return "\n".join(safe_text(f"{label}: {text}" if label else text)
                     for label, text in _card_lines(report))


def _e(text: str) -> str:
    return html.escape(safe_text(text), quote=False)


def card_html(report: Report, *, limit: int = 1000) -> str:
    """The card in Telegram HTML, at most `limit` characters of visible text."""
    out: list[str] = []
    visible = 0
    for label, text in _card_lines(report):
        line_visible = len(text) + (len(label) + 2 if label else 0)
        if out and visible + line_visible > limit:
            break
        out.append(f"<b>{_e(label)}:</b> {_e(text)}" if label else f"<i>{_e(text)}</i>")
        visible += line_visible + 1
    return "\n".join(out)


def section_html(report: Report, section: Section) -> str:
    """One expanded part of the report for a Telegram button, within Telegram's limit."""
    lab = labels(report.language)
    items: list[str] = []
    if section == "claims":
        title = lab["claims"]
        for claim in report.claims:
            quote = (f"“{_e(_clip(claim.quote, 300))}”" if claim.grounded
                     else f"<s>{_e(_clip(claim.quote, 200))}</s> ({_e(lab['not_found'])})")
            sources = ", ".join(_clip(s.name, 60) for sid in claim.source_ids
                                if (s := report.source(sid)))
            line = f"• <b>{_e(lab[claim.verifiability])}</b>: {quote}"
            if sources:
                line += f"\n  ← {_e(_clip(sources, 120))}"
            if claim.check:
                line += f"\n  ✓ {_e(_clip(claim.check, 200))}"
            items.append(line)
    elif section == "sources":
        title = lab["sources"]
        for source in report.sources:
            line = (f"• <b>{_e(_clip(source.name, 100))}</b> — "
                    f"{_e(kind_label(report.language, source.kind))}")
            if source.role:
                line += f", {_e(_clip(source.role, 80))}"
            if source.via and (via := report.source(source.via)):
                line += f" ({_e(lab['via'])} {_e(_clip(via.name, 100))})"
            if source.evidence_kind:
                line += f" [{_e(lab['rules'])}: {_e(kind_label(report.language, source.evidence_kind))}]"
            line += f"\n  “{_e(_clip(source.mention, 160))}”"
            items.append(line)
    else:
        title = lab["next"]
        items = [f"{i}. {_e(_clip(step, 400))}" for i, step in enumerate(report.next_steps, 1)]
    return _fit(f"<b>{_e(title)}</b>", items, lab)


def _fit(title: str, items: list[str], lab: dict[str, str], limit: int = TELEGRAM_LIMIT - 96) -> str:
    """Join whole items only, so no tag or entity is ever cut; say how many were left out.
    Measured in UTF-16 units, as Telegram does (an emoji counts two)."""
    out = [title]
    size = utf16_len(title)
    for i, item in enumerate(items):
        cost = utf16_len(item) + 1
        if size + cost > limit:
            out.append(f"… {_e(lab['more'].format(n=len(items) - i))}")
            break
        out.append(item)
        size += cost
    return "\n".join(out) if items else title + "\n—"


_HTML_PIECE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);"
                         r"|[^<&]+|[<&]")


def utf16_len(text: str) -> int:
    """Telegram measures texts in UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, room: int) -> int:
    """How many characters of `text` fit in `room` UTF-16 units, ending at a line or word end
    when one is in the second half (a cut mid-word only when nothing else is near)."""
    head = text[:max(room, 0)].encode("utf-16-le")[: max(room, 0) * 2]
    n = len(head.decode("utf-16-le", errors="ignore"))  # never half a surrogate pair
    if n >= len(text):
        return n
    for mark in ("\n", " "):
        at = text.rfind(mark, 0, n)
        if at >= n // 2:
            return at + 1
    return n


def _chunks(markup: str, limit: int) -> Iterator[tuple[str, str]]:
    """(body, closing tags) pairs of at most `limit` UTF-16 units together, in order.

    Never inside a tag or an entity; tags open at a cut are closed there and opened again
    in the next chunk. Lazy and linear: each piece of the markup is looked at once.
    """
    body: list[str] = []
    size = 0
    has_text = False
    open_tags: list[tuple[str, str]] = []  # (name, the opening tag as written)
    closing_size = 0

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(open_tags))

    def restart() -> None:
        nonlocal body, size, has_text
        body = [tag for _, tag in open_tags]
        size = sum(utf16_len(tag) for tag in body)
        has_text = False

    for match in _HTML_PIECE.finditer(markup):
        piece = match.group(0)
        if match.group(2):  # a tag
            name = match.group(2).lower()
            if match.group(1):
                for i in range(len(open_tags) - 1, -1, -1):
                    if open_tags[i][0] == name:
                        closing_size -= len(name) + 3
                        del open_tags[i]
                        break
            else:
                if has_text and size + utf16_len(piece) + len(name) + 3 + closing_size > limit:
                    yield "".join(body), closing()
                    restart()
                open_tags.append((name, piece))
                closing_size += len(name) + 3
            body.append(piece)
            size += utf16_len(piece)
            continue
        if piece.startswith("&") and len(piece) > 1:  # an entity: whole or not at all
            if has_text and size + len(piece) + closing_size > limit:
                yield "".join(body), closing()
                restart()
            body.append(piece)
            size += len(piece)
            has_text = True
            continue
        cost = utf16_len(piece)
        while size + cost + closing_size > limit:
            cut = _prefix(piece, limit - size - closing_size)
            if cut == 0 and not has_text:
                cut = 1  # a limit smaller than the tags themselves: keep moving
            if cut:
                body.append(piece[:cut])
                has_text = has_text or bool(piece[:cut].strip())
            if has_text:
                yield "".join(body), closing()
                restart()
            piece = piece[cut:]
            cost = utf16_len(piece)
        if piece:
            body.append(piece)
            size += cost
            has_text = has_text or bool(piece.strip())
    if has_text:
        yield "".join(body), closing()


def split_html(markup: str, limit: int = TELEGRAM_LIMIT, *, max_parts: int = 8) -> list[str]:
    """Telegram HTML as messages of at most `limit` UTF-16 units each, cut at a line or word
    end where one is near, never inside a tag or an entity (open tags closed and reopened).

    At most `max_parts` messages; if the text needs more, the last one ends with "…".
    """
    if utf16_len(markup) <= limit:
        return [markup] if markup.strip() else []
    chunks: list[tuple[str, str]] = []
    for chunk in _chunks(markup, limit - 1):  # room for a closing ellipsis
        if len(chunks) == max_parts:
            chunks[-1] = (_with_ellipsis(*chunks[-1]), "")
            break
        chunks.append(chunk)
    return [body + closing for body, closing in chunks]


def _with_ellipsis(body: str, closing: str) -> str:
    return body.rstrip() + "…" + closing


def clip_html(markup: str, limit: int = TELEGRAM_LIMIT) -> str:
    """Cut Telegram HTML to at most `limit` UTF-16 units without splitting a tag or an entity.

    Cut inside a line when need be (a long paragraph keeps its beginning rather than becoming
    a lone "…"); tags still open at the cut are closed, and an ellipsis marks it. For text
    the caller already escaped (e.g. a follow-up answer built with `html.escape`).
    """
    if utf16_len(markup) <= limit:
        return markup
    first = next(_chunks(markup, limit - 1), None)
    clipped = _with_ellipsis(*first) if first else "…"
    return clipped if utf16_len(clipped) <= limit else "…"
