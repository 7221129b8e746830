"""Group administration: who counts as an admin, and /autocheck on|off."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ContextTypes

from bot.i18n import t

from .common import chat_language, esc, is_private, reply_html, services

ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Private chats: yes. Groups: an admin per getChatMember, or an anonymous admin
    (a message sent as the group itself, `sender_chat == chat`)."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None:
        return False
    if is_private(chat):
        return True
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


async def bot_sees_all_messages(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
    """Privacy mode off, or the bot is an admin here (admins get every message)."""
    if context.bot.can_read_all_group_messages:
        return True
    member = await context.bot.get_chat_member(chat_id, context.bot.id)
    return member.status in ADMIN_STATUSES


async def autocheck_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    chat_settings = await svc.storage.chat_settings(chat.id)
    language = await chat_language(update, context, chat_settings)
    if is_private(chat):
        await reply_html(message, esc(t(language, "autocheck_private")))
        return
    choice = (context.args or [""])[0].lower()
    if choice not in {"on", "off"}:
        await reply_html(message, esc(t(language, "autocheck_usage")))
        return
    if not await is_admin(update, context):
        await reply_html(message, esc(t(language, "admins_only")))
        return
    updated = await svc.storage.update_chat_settings(chat.id, autocheck=choice == "on")
    if not updated.autocheck:
        await reply_html(message, esc(t(language, "autocheck_off")))
        return
    threshold = (t(language, "autocheck_threshold", threshold=updated.threshold)
                 if updated.threshold < 5 else "")
    text = t(language, "autocheck_on", threshold=threshold)
    if not await bot_sees_all_messages(context, chat.id):
        text += "\n" + t(language, "autocheck_privacy")
    await reply_html(message, esc(text))
