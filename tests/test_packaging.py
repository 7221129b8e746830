"""The installed package carries everything it needs: every module, the prompts, the encodings."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(out.glob("credbot-*.whl"))
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
