"""`credbot run` refuses a database it cannot use in one line and exit 1, before anything else.

Real processes against the fake Bot API (so a start that gets past the database would
go on running): PostgreSQL where nothing listens, a SQLite file in a missing folder, and
SQLite companions (-shm) that cannot be written.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram


def run_with_database(url: str, cwd: Path) -> subprocess.CompletedProcess:
    with FakeTelegram() as tg:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "TELEGRAM_BOT_TOKEN": tg.token,
               "TELEGRAM_API_BASE_URL": tg.base_url, "CREDBOT_DATABASE_URL": url}
        try:
            return subprocess.run([sys.executable, "-m", "bot", "run"], cwd=cwd, env=env,
                                  capture_output=True, text=True, timeout=60, check=False)
        except subprocess.TimeoutExpired as exc:  # it started: the database was accepted
            raise AssertionError(f"the bot started: {exc.stderr!r}") from None


def one_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def free_port() -> int:
    with socket.socket() as sock:  # bound and closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_postgres_down_gives_one_line_without_the_password(tmp_path: Path) -> None:
    port = free_port()
    done = run_with_database(f"postgresql+asyncpg://credbot:pg-s3cret-pw@127.0.0.1:{port}/test",
                             tmp_path)
    line = one_line(done)
    assert line.startswith(f"credbot: cannot connect to the database at 127.0.0.1:{port}/test")
    assert "pg-s3cret-pw" not in done.stderr


def test_sqlite_in_a_missing_folder_gives_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    done = run_with_database(f"sqlite+aiosqlite:///{missing / 'credbot.db'}", tmp_path)
    assert one_line(done) == (f"credbot: the database folder {missing} does not exist "
                              "(CREDBOT_DATABASE_URL).")


def _wal_database(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()


def test_an_shm_file_that_cannot_be_written_gives_one_line_naming_it(tmp_path: Path) -> None:
    # Root ignores file modes, so the -shm file is made immutable (chattr +i) instead.
    database = tmp_path / "credbot.db"
    _wal_database(database)
    shm = tmp_path / "credbot.db-shm"
    shm.write_bytes(b"")
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(shm)], capture_output=True,
                                        check=False).returncode != 0:
        pytest.skip("chattr +i is not available here (no CAP_LINUX_IMMUTABLE or no chattr)")
    try:
        done = run_with_database(f"sqlite+aiosqlite:///{database}", tmp_path)
    finally:
        subprocess.run([chattr, "-i", str(shm)], check=False)
    assert one_line(done).startswith(f"credbot: cannot write the database file {shm} (")


def test_a_folder_where_the_shm_file_should_be_gives_one_line(tmp_path: Path) -> None:
    database = tmp_path / "credbot.db"
    _wal_database(database)
    (tmp_path / "credbot.db-shm").mkdir()
    done = run_with_database(f"sqlite+aiosqlite:///{database}", tmp_path)
    assert one_line(done) == (f"credbot: the database file {tmp_path / 'credbot.db-shm'} "
                              "is not a regular file.")
