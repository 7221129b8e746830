"""Telegram update handlers: parse the update, call the engine, send the reply. Nothing else."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from . import buttons, check, commands, errors, group
from .common import SERVICES_KEY, Services

__all__ = ["SERVICES_KEY", "Services", "register"]


# New messages only. PTB's command handlers also take *edited* messages, so fixing a typo
# in "/check <link>" ran a second check and sent a second card (and cost quota); an edit
# is not a new request, and nothing here answers one.
NEW = filters.UpdateType.MESSAGE


def register(application: Application) -> None:
    """All handlers, in order; the first that matches an update handles it."""
    application.add_handler(CommandHandler(["start", "help"], commands.help_command, NEW))
    application.add_handler(CommandHandler("check", check.check_command, NEW))
    application.add_handler(CommandHandler("autocheck", group.autocheck_command, NEW))
    application.add_handler(CommandHandler("settings", commands.settings_command, NEW))
    application.add_handler(CommandHandler("privacy", commands.privacy_command, NEW))
    application.add_handler(CommandHandler("forget", commands.forget_command, NEW))
    application.add_handler(CallbackQueryHandler(buttons.on_button, pattern=buttons.PATTERN))
    application.add_handler(CallbackQueryHandler(buttons.on_unknown_button))
    application.add_handler(MessageHandler(NEW & filters.COMMAND & filters.ChatType.PRIVATE,
                                           commands.unknown_command))
    application.add_handler(MessageHandler(NEW & ~filters.COMMAND, check.on_message))
    application.add_error_handler(errors.on_error)
