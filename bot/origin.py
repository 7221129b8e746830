"""Who forwarded an article to us is the chat's business, never the article's.

Reports are shared between chats: the same link or text is analysed once and answered from
storage everywhere. So a shared report holds only what came from the article itself, and the
forward's origin a chat gave us is stored with that chat (and deleted with it). This module
makes a chat's own view of a shared report, at the edge: the origin in `article.forwarded_from`
(the card's "Forwarded from", the JSON) and a first next step, in the report's language, to
look that origin up. The engine itself only ever sees the article's own origin (the
"Forwarded from" header of a public Telegram post), which is article data like its title.
"""

from __future__ import annotations

from .i18n import t
from .models import Article, Report


def with_origin(report: Report, origin: str | None) -> Report:
    """The report as the chat that forwarded it from `origin` sees it.

    No origin, or the one the article names itself (a public Telegram post that was itself
    forwarded, which the engine already reports), leaves the shared report as it is.
    """
    if not origin or origin == report.article.forwarded_from:
        return report
    view = report.model_copy(deep=True)
    view.article.forwarded_from = origin
    view.next_steps.insert(0, t(report.language, "next_forwarded", origin=origin))
    return view


def article_with_origin(article: Article, origin: str | None) -> Article:
    """The article as the chat that forwarded it sees it (for follow-up questions)."""
    if not origin or origin == article.forwarded_from:
        return article
    return article.model_copy(update={"forwarded_from": origin})
