"""/start, /help, /settings, /privacy, /forget, and unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import base_language, t
from bot.storage import QUOTA_FIELDS, QuotaLimits

from .common import chat_language, esc, is_private, reply_html, services
from .group import is_admin


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        await reply_html(update.effective_message, esc(t(await chat_language(update, context),
                                                         "help")))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chats only: a command we do not have gets the short line on what we do."""
    if update.effective_message is not None:
        await reply_html(update.effective_message,
                         esc(t(await chat_language(update, context), "unsupported")))


async def privacy_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        days = services(context).settings.retention_days
        language = await chat_language(update, context)
        await reply_html(update.effective_message,
                         esc(t(language, "privacy", days=days) + "\n"
                             + t(language, "privacy_counters")))


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    language = await chat_language(update, context)
    if not await is_admin(update, context):
        await reply_html(message, esc(t(language, "admins_only")))
        return
    count = await services(context).storage.forget_chat(chat.id)
    await reply_html(message, esc(t(language, "forget_done", count=count)))


def _limit(value: int) -> str:
    """A quota as shown: 0 is no limit."""
    return str(value) if value > 0 else "∞"


def parse_settings_change(args: list[str]) -> dict[str, object] | None:
    """`language de|auto`, `threshold 1-5`, `quota user|chat hour|day N`, `autocheck on|off`."""
    words = [a.lower() for a in args]
    if len(words) == 2 and words[0] in {"language", "lang"}:
        if words[1] in {"auto", "default", "-"}:
            return {"language": None}
        code = base_language(words[1])
        return {"language": code} if code and code.isalpha() and len(code) <= 3 else None
    if len(words) == 2 and words[0] == "threshold" and words[1].isdigit() \
            and 1 <= int(words[1]) <= 5:
        return {"threshold": int(words[1])}
    if len(words) == 2 and words[0] == "autocheck" and words[1] in {"on", "off"}:
        return {"autocheck": words[1] == "on"}
    if len(words) == 4 and words[0] == "quota" and words[1] in {"user", "chat"} \
            and words[2] in {"hour", "day"} and words[3].isdigit():
        name = f"{words[1]}_per_{words[2]}"
        assert name in QUOTA_FIELDS
        return {name: int(words[3])}
    if len(words) == 3 and words[0] == "quota" and words[1] in {"user", "chat"} \
            and words[2] == "default":
        return {f"{words[1]}_per_hour": None, f"{words[1]}_per_day": None}
    return None


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Bare: a summary for anyone. With arguments: a change (admins only in groups)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    current = await svc.storage.chat_settings(chat.id)
    language = await chat_language(update, context, current)
    args = context.args or []
    if args:
        change = parse_settings_change(args)
        if change is None:
            await reply_html(message, esc(t(language, "settings_bad")))
            return
        if not is_private(chat) and not await is_admin(update, context):
            await reply_html(message, esc(t(language, "admins_only")))
            return
        current = await svc.storage.update_chat_settings(chat.id, **change)
        language = await chat_language(update, context, current)
    limits = QuotaLimits.effective(svc.settings, current)
    language_name = current.language or t(language, "auto")
    summary = t(language, "settings_summary", language=language_name,
                autocheck=t(language, "on" if current.autocheck else "off"),
                threshold=current.threshold, user_hour=_limit(limits.user_per_hour),
                user_day=_limit(limits.user_per_day), chat_hour=_limit(limits.chat_per_hour),
                chat_day=_limit(limits.chat_per_day))
    summary += "\n" + t(language, "settings_quota_help")
    prefix = t(language, "settings_saved") + "\n\n" if args else ""
    await reply_html(message, esc(prefix + summary))
