"""The installed package carries everything it needs: every module, the prompts, the encodings."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    return next(out.glob("credbot-*.whl"))


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_contains_every_module_of_the_source_tree(wheel_names: set[str]) -> None:
    for package in ("bot", "handlers", "prompts"):
        for path in (REPO / package).rglob("*.py"):
            name = path.relative_to(REPO).as_posix()
            assert name in wheel_names, f"{name} is missing from the wheel"


def test_wheel_contains_prompts_and_bundled_encodings(wheel_names: set[str]) -> None:
    prompts = {p.relative_to(REPO).as_posix() for p in (REPO / "prompts").glob("*.md")}
    assert prompts and prompts <= wheel_names
    assert "bot/encodings/o200k_base.tiktoken.gz" in wheel_names
    assert "bot/encodings/cl100k_base.tiktoken.gz" in wheel_names


def test_tests_and_build_output_stay_out_of_the_wheel(wheel_names: set[str]) -> None:
    assert not any(name.startswith(("tests/", "bench/", "build/")) for name in wheel_names)


def test_wheel_contains_the_migrations(wheel_names: set[str]) -> None:
    folder = REPO / "bot" / "migrations"
    expected = {p.relative_to(REPO).as_posix() for p in folder.glob("versions/*.py")}
    assert expected and expected <= wheel_names
    assert {"bot/migrations/env.py", "bot/migrations/script.py.mako"} <= wheel_names


def test_the_installed_wheel_migrates_a_new_database_to_the_newest_revision(
        wheel: Path, tmp_path: Path) -> None:
    """Alembic finds env.py and the versions inside the installed package, no alembic.ini."""
    from bot.migrations import head

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    script = (
        "import asyncio, sys, bot\n"
        "from bot.storage import Storage\n"
        "assert bot.__file__.startswith(sys.argv[1]), bot.__file__\n"
        "store = Storage('sqlite+aiosqlite:///' + sys.argv[2])\n"
        "print(asyncio.run(store.init()))\n"
        "asyncio.run(store.close())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(target), str(tmp_path / "new.db")],
        check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == head()
