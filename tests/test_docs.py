"""The README, `.ci/run` and `.env.example` stay in step with the code."""

from __future__ import annotations

import re

from bot.settings import Settings
from tests.conftest import REPO


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def _shell_blocks(markdown: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", markdown, flags=re.S)]


def _env_names() -> list[str]:
    names = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if alias is not None:
            names.append(alias.choices[0])  # type: ignore[union-attr]
        else:
            names.append(f"CREDBOT_{name.upper()}")
    return names


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = _shell_blocks(_readme())[1]
    ci_lines = [
        line.strip()
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert ci_lines[-1] == test_command


def test_quickstart_checks_the_seed_article_shipped_in_the_repo() -> None:
    quickstart = _shell_blocks(_readme())[0]
    path = re.search(r"credbot check (\S+)", quickstart)
    assert path is not None
    assert (REPO / path.group(1)).is_file()


def test_every_setting_is_in_env_example_with_a_comment() -> None:
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    for env_name in _env_names():
        index = next((i for i, line in enumerate(lines) if line.startswith(f"{env_name}=")), None)
        assert index is not None, f"{env_name} missing from .env.example"
        # A setting may share the comment of the group of settings just above it.
        above = index - 1
        while above >= 0 and re.match(r"[A-Z_]+=", lines[above]):
            above -= 1
        assert above >= 0 and lines[above].startswith("#"), f"{env_name} has no comment"


def test_every_setting_is_in_the_readme_table() -> None:
    readme = _readme()
    for env_name in _env_names():
        assert f"`{env_name}`" in readme, f"{env_name} missing from the README's settings table"
