"""Prompt files, one per role, shipped as package data so they load from a wheel install."""

from importlib.resources import files


def load(name: str) -> str:
    """Return the text of `prompts/<name>.md`."""
    return (files(__name__) / f"{name}.md").read_text(encoding="utf-8")
