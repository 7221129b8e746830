"""Telegram update handlers: parse the update, call the engine, send the reply. Nothing else."""
