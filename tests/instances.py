"""Real credbot processes sharing one PostgreSQL database: a harness for tests and benchmarks.

A `Deployment` owns everything a many-instance run needs, all on 127.0.0.1: a fresh
PostgreSQL database (created, then dropped), the fake Bot API, a fake LLM that remembers
which client connection each request came on, a local article site, and any number of real
`credbot run --webhook-url ...` and `credbot worker` processes started from the working
tree with one shared environment. Updates reach the processes the way Telegram sends them:
an HTTP POST to a webhook with the secret header.

    with Deployment(tmp_path) as d:
        a = d.start_webhook("a", worker=False)
        w = d.start_worker("w1")
        alice = d.tg.user(1, "Alice")
        await d.post(a, d.text_update(alice, "some article ..."))
        await d.tg.wait_for("sendMessage", chat_id=1, timeout=30)
        holder = d.holder_of(d.llm.completions[-1])   # which process made that LLM call
        holder.kill()                                  # SIGKILL, as a crash

Nothing is mocked: the processes are the installed code, the database is the real server.
Every process writes its log to a file (never a pipe, which fills and stalls the process);
`Deployment.logs()` gives the tails for an assertion message. The module checks nothing
itself; tests and `bench/instances.py` decide what to assert or measure.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import enum
import functools
import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx

from tests.fake_llm import Behaviour, FakeLLM, RecordedRequest, delay, reply
from tests.fake_telegram import Call, FakeTelegram, _ApiError
from tests.local_site import LocalSite

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
SEED_TEXT = REPO / "examples" / "putin-coup-tabloid.txt"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
PG_ADMIN_DSN = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
REDIS_URL = os.environ.get("CREDBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
QUOTAS = {f"CREDBOT_{scope}_CHECKS_PER_{period}": "0"  # 0 = no limit; still counted
          for scope in ("USER", "CHAT") for period in ("HOUR", "DAY")}


# --- what is available ----------------------------------------------------------------------
def blocking(make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 30.0) -> T:
    """Run a coroutine to completion from sync or async code alike (in its own thread and
    loop, so a test's running loop is never re-entered)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result(timeout=timeout)


def postgres_problem() -> str | None:
    """None if the PostgreSQL server takes connections as user postgres, else why not."""
    import asyncpg  # type: ignore[import-untyped]

    async def probe() -> None:
        conn = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_DSN), timeout=3)
        await conn.close()

    try:
        blocking(probe)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        return (f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} as user {PG_USER} "
                f"({type(exc).__name__})")
    return None


def redis_problem(url: str = REDIS_URL) -> str | None:
    """None if Redis answers PING at `url`, else why not."""
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except (OSError, redis.RedisError) as exc:
        return f"Redis is not reachable at {url} ({type(exc).__name__})"
    return None


def cli_commands() -> dict[str, set[str]]:
    """credbot's subcommands and the long options of each, read from its own parser."""
    import argparse

    from bot import cli

    parser = cli._parser()
    commands: dict[str, set[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                commands[name] = {option for a in sub._actions for option in a.option_strings}
    return commands


def missing_job_queue() -> str | None:
    """What of the durable job queue's command line does not exist yet (None: all of it)."""
    commands = cli_commands()
    missing = []
    if "worker" not in commands:
        missing.append("`credbot worker`")
    if "--no-worker" not in commands.get("run", set()):
        missing.append("`credbot run --no-worker`")
    if "--json" not in commands.get("status", set()):
        missing.append("`credbot status --json`")
    return f"needs {', '.join(missing)}" if missing else None


def redis_setting_known(url: str = REDIS_URL) -> bool:
    """Whether the settings read CREDBOT_REDIS_URL (the shared Telegram rate limit)."""
    from bot.settings import Settings

    previous = os.environ.get("CREDBOT_REDIS_URL")
    os.environ["CREDBOT_REDIS_URL"] = url
    try:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        if previous is None:
            del os.environ["CREDBOT_REDIS_URL"]
        else:
            os.environ["CREDBOT_REDIS_URL"] = previous
    return url in {_plain(getattr(settings, name)) for name in type(settings).model_fields}


def _plain(value: object) -> str:
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if callable(reveal) else value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the database -----------------------------------------------------------------------------
class FreshDatabase:
    """A database of its own on the shared server: CREATE DATABASE now, DROP on `drop()`."""

    def __init__(self, prefix: str = "credbot_many") -> None:
        self.name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"

    @property
    def url(self) -> str:
        """For CREDBOT_DATABASE_URL."""
        return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.name}"

    @property
    def dsn(self) -> str:
        return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.name}"

    def create(self) -> Self:
        self._drop_orphans()
        blocking(lambda: self._admin(f'CREATE DATABASE "{self.name}"'))
        return self

    def _drop_orphans(self) -> None:
        """Drop the databases of earlier runs on this machine whose process is gone (a run
        killed before its teardown leaves its database behind; the name holds the pid)."""
        prefix = self.name.rsplit("_", 2)[0]
        rows = self.query_admin("SELECT datname FROM pg_database WHERE datname LIKE $1",
                                f"{prefix}\\_%")
        for name in (row["datname"] for row in rows):
            parts = name[len(prefix) + 1:].split("_")
            if len(parts) == 2 and parts[0].isdigit() and not Path(f"/proc/{parts[0]}").exists():
                blocking(functools.partial(
                    self._admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def query_admin(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """Rows of one statement on the server's `postgres` database."""
        import asyncpg  # type: ignore[import-untyped]

        async def run() -> list[dict[str, Any]]:
            conn = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                return [dict(row) for row in await conn.fetch(sql, *args)]
            finally:
                await conn.close()

        return blocking(run)

    def drop(self) -> None:
        blocking(lambda: self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    async def _admin(self, statement: str) -> None:
        import asyncpg  # type: ignore[import-untyped]

        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    def query(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """Rows of one statement, as dicts (from sync or async code)."""
        import asyncpg  # type: ignore[import-untyped]

        async def run() -> list[dict[str, Any]]:
            conn = await asyncpg.connect(self.dsn)
            try:
                return [dict(row) for row in await conn.fetch(sql, *args)]
            finally:
                await conn.close()

        return blocking(run)

    def tables(self) -> set[str]:
        return {row["tablename"] for row in self.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}

    def quota_charged(self, user_id: int) -> int:
        """Checks counted against `user_id`, over every hourly window (each check counts once
        in exactly one hour window)."""
        if "credbot_quota_counters" not in self.tables():
            return 0
        [row] = self.query("SELECT coalesce(sum(count), 0) AS n FROM credbot_quota_counters "
                           "WHERE scope = 'user' AND subject_id = $1 AND period = 'hour'", user_id)
        return int(row["n"])


# --- the fakes, as this harness needs them ------------------------------------------------------
def analysis_for(request: RecordedRequest) -> dict[str, Any]:
    """A valid analysis whose quote is the article's first words (so it is grounded)."""
    user = request.content("user")
    body = user.split(">>>", 2)[-1] if ">>>" in user else user
    words = [w for w in body.split() if w.isascii() and w.isalpha()][:6]
    quote = " ".join(words) or "the article"
    return {
        "summary": "The main claim rests on one unnamed source.",
        "rating": {"score": 2, "rationale": "Thin sourcing."},
        "claims": [{"id": "c1", "text": "The main claim.", "quote": quote, "source_ids": ["s1"],
                    "verifiability": "unverifiable", "hedges": [], "check": "Find the original."}],
        "sources": [{"id": "s1", "name": "unnamed source", "kind": "anonymous", "role": None,
                     "mention": quote, "via": None}],
        "hedges": [], "red_flags": [{"code": "anonymous_sourcing", "detail": "Unnamed."}],
        "next_steps": ["Look for the original report."],
    }


class PeerLLM(FakeLLM):
    """The fake LLM, answering every analysis after `latency` seconds (longer for requests
    whose article contains a marker in `slow`), and remembering the client port of each
    request so `Deployment.holder_of` can name the process that made it."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.slow: dict[str, float] = {}  # marker in the article -> seconds
        self.peers: dict[int, int] = {}  # id(request) -> the client's TCP port
        self._peer = threading.local()
        super().__init__(default=self._answer)
        self._server.socket.listen(512)  # 100 checks connecting at once: no SYN drops

    def _answer(self, request: RecordedRequest) -> Behaviour:
        text = request.content("user")
        seconds = max([s for marker, s in self.slow.items() if marker in text], default=self.latency)
        return delay(seconds, reply(analysis_for(request)))

    def _handler_class(self) -> Any:
        base = super()._handler_class()
        fake = self

        class Handler(base):  # type: ignore[misc,valid-type]
            disable_nagle_algorithm = True  # as the fake Bot API: no ~40 ms stalls

            def do_POST(self) -> None:
                fake._peer.port = self.client_address[1]
                super().do_POST()

        return Handler

    def _next(self, request: RecordedRequest) -> Any:
        with self._lock:
            self.peers[id(request)] = getattr(self._peer, "port", 0)
        return super()._next(request)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def about(self, marker: str) -> list[RecordedRequest]:
        """The analysis requests whose prompt contains `marker`."""
        return [r for r in self.completions if marker in r.content("user")]


class ClusterTelegram(FakeTelegram):
    """The fake Bot API with a unique token (a shared Redis bucket is per token, so other
    runs on this machine never share ours), and two troubles on demand:

    - `refuse_cards`: chats whose cards get a 502, so a check there fails on every attempt
      while plain messages (the failure notice) go out;
    - `hold_cards`: chats whose next card is held unanswered and never delivered (a request
      lost on the way), until `release()`; `held` says which chat and client port, so the
      process that sent it can be found and killed mid-send.
    """

    def __init__(self) -> None:
        self.refuse_cards: set[int] = set()
        self.hold_cards: set[int] = set()
        self.held: list[tuple[int, int]] = []  # (chat id, client port) of each held card
        self._peer = threading.local()
        self._holding: list[threading.Event] = []
        super().__init__(token=f"{secrets.randbelow(10**9) + 10**9}:TEST-{secrets.token_hex(12)}")

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def _handler_class(self) -> Any:
        base = super()._handler_class()
        fake = self

        class Handler(base):  # type: ignore[misc,valid-type]
            def do_POST(self) -> None:
                fake._peer.port = self.client_address[1]
                super().do_POST()

        return Handler

    def _dispatch(self, method: str, params: dict[str, Any],
                  files: dict[str, tuple[str, bytes]]) -> tuple[int, dict[str, Any]]:
        chat = params.get("chat_id")
        if method == "sendMessage" and params.get("reply_markup") and chat in self.hold_cards:
            released = threading.Event()
            with self._cond:
                self.hold_cards.discard(chat)
                self.held.append((chat, getattr(self._peer, "port", 0)))
                self._holding.append(released)
            released.wait(timeout=120)
            return 504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
        return super()._dispatch(method, params, files)

    def release(self) -> None:
        """Let every held card go (each answered 504, none delivered)."""
        with self._cond:
            holding, self._holding = self._holding, []
        for event in holding:
            event.set()

    def stop(self) -> None:
        self.release()
        super().stop()

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("chat_id") in self.refuse_cards and params.get("reply_markup"):
            raise _ApiError(502, "Bad Gateway")
        return super()._api_sendMessage(params)

    def cards(self, chat_id: int | None = None, *, after: int = 0) -> list[Call]:
        """Cards delivered (a sendMessage with buttons), optionally in one chat."""
        return [c for c in self.calls_of("sendMessage", chat_id=chat_id)[after:]
                if c.params.get("reply_markup")]


# --- processes ------------------------------------------------------------------------------------
class Process:
    """One real credbot process: its command, its log file, and ways to end it."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], cwd: Path,
                 *, port: int | None = None, webhook_url: str | None = None) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.cwd = cwd
        self.port = port
        self.webhook_url = webhook_url
        self.log_path = cwd / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None
        self.killed_at: float | None = None

    def start(self) -> Self:
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.args}\n".encode())
            log.flush()
            # A session of its own: the process and its analysis workers are one group, which
            # `close` ends together (a SIGKILLed process leaves its children behind).
            self.popen = subprocess.Popen([sys.executable, "-m", "bot", *self.args],
                                          cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                          stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        self.killed_at = None
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was never started"
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def kill(self) -> None:
        """SIGKILL the process itself (a crash: no handler runs, nothing is released)."""
        if self.alive:
            self.killed_at = time.monotonic()
            os.kill(self.pid, signal.SIGKILL)
            assert self.popen is not None
            self.popen.wait(timeout=10)

    def terminate(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait (a drain); SIGKILL if it does not end in `timeout`."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        return self.popen.returncode

    def reap_group(self) -> None:
        """SIGKILL whatever is left of this process's group (its orphaned workers)."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)

    def log(self, tail: int = 4000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return text[-tail:]

    def descendants(self) -> list[int]:
        """This process and its children, grandchildren... (from /proc)."""
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo.extend(int(c) for c in task.read_text().split())
        return found


def socket_inodes(local_port: int, remote_port: int) -> set[str]:
    """Inodes of the TCP sockets from 127.0.0.1:`local_port` to `remote_port` (/proc/net)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if (int(local.rsplit(":", 1)[1], 16) == local_port
                        and int(remote.rsplit(":", 1)[1], 16) == remote_port):
                    inodes.add(inode)
    return inodes


def pid_with_socket(pids: Iterable[int], inodes: set[str]) -> int | None:
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            with contextlib.suppress(OSError):
                if os.readlink(fd) in wanted:
                    return pid
    return None


class Own(enum.Enum):
    """`Deployment.post`'s default: the deployment's own secret."""

    SECRET = "own"


OWN = Own.SECRET


# --- the deployment ---------------------------------------------------------------------------------
class Deployment:
    """Fakes, a fresh database and the processes, with one environment for all of them."""

    def __init__(self, workdir: Path, *, lease: float | None = 3.0, max_attempts: int = 3,
                 llm_latency: float = 0.0, redis_url: str | None = None, verbose: bool = True,
                 extra_env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.tg = ClusterTelegram()
        self.llm = PeerLLM(latency=llm_latency)
        self.site = LocalSite()
        self.db = FreshDatabase()
        self.secret = "s3cret-" + secrets.token_urlsafe(16)
        self.redis_url = redis_url
        self.verbose = verbose
        self.processes: list[Process] = []
        self._update_ids = itertools.count(1)
        self._lease = lease
        self._max_attempts = max_attempts
        self._extra_env = dict(extra_env or {})
        # One HTTP client per event loop (pytest-asyncio gives each test its own); making one
        # costs ~50 ms of CPU (its TLS context), which a burst of posts must not pay each time.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = \
            weakref.WeakKeyDictionary()

    # lifecycle
    def __enter__(self) -> Self:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db.create()
        self.tg.start()
        self.llm.start()
        self.site.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for process in self.processes:
            process.terminate(timeout=15)
        for process in self.processes:
            process.reap_group()
        for stop in (self.site.stop, self.llm.stop, self.tg.stop, self.db.drop):
            with contextlib.suppress(Exception):
                stop()

    @property
    def env(self) -> dict[str, str]:
        """The environment every process gets (a copy)."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.workdir),
               "TELEGRAM_BOT_TOKEN": self.tg.token, "TELEGRAM_API_BASE_URL": self.tg.base_url,
               "TELEGRAM_WEBHOOK_SECRET": self.secret,
               "OPENAI_BASE_URL": self.llm.url, "CREDBOT_MODEL": "gpt-4o-mini",
               "CREDBOT_LLM_BACKOFF_BASE": "0",
               "CREDBOT_DATABASE_URL": self.db.url,
               "CREDBOT_JOB_MAX_ATTEMPTS": str(self._max_attempts),
               "CREDBOT_FETCH_ALLOW": self.site.allow_entry,
               "CREDBOT_WORKERS": "1",  # analysis processes per instance: 2 cores, many instances
               **QUOTAS}
        if self._lease is not None:  # None: the setting's default
            env["CREDBOT_JOB_LEASE"] = f"{self._lease:g}"
        if self.redis_url:
            env["CREDBOT_REDIS_URL"] = self.redis_url
        env.update(self._extra_env)
        return env

    def _verbosity(self) -> list[str]:
        return ["-v"] if self.verbose else []

    def start_webhook(self, name: str, *, worker: bool = True, port: int | None = None,
                      wait: bool = True) -> Process:
        """`credbot run` receiving updates on a webhook (and working jobs unless not `worker`)."""
        port = port or free_port()
        url = f"http://127.0.0.1:{port}/hook/{name}"
        args = [*self._verbosity(), "run", "--webhook-url", url, "--listen", "127.0.0.1",
                "--port", str(port), *([] if worker else ["--no-worker"])]
        process = Process(name, args, self.env, self.workdir, port=port, webhook_url=url)
        self.processes.append(process.start())
        if wait:
            self.wait_listening(process)
        return process

    def restart(self, process: Process, *, wait: bool = True) -> Process:
        """The same command again (same port, same name, log appended)."""
        process.terminate(timeout=15)
        process.start()
        if wait and process.port is not None:
            self.wait_listening(process)
        return process

    def start_worker(self, name: str, **env: str) -> Process:
        """`credbot worker`: works jobs, receives nothing (`env`: settings of its own)."""
        process = Process(name, [*self._verbosity(), "worker"], {**self.env, **env},
                          self.workdir)
        self.processes.append(process.start())
        return process

    async def wait_registered(self, process: Process, timeout: float = 60.0) -> None:
        """Until `process` is among the live workers `credbot status` counts (the
        credbot_workers table names each by its pid)."""
        deadline = time.monotonic() + timeout
        while True:
            if not process.alive:
                raise AssertionError(f"{process.name} ended:\n{process.log()}")
            if "credbot_workers" in self.db.tables() and self.db.query(
                    "SELECT 1 FROM credbot_workers WHERE pid = $1", process.pid):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{process.name} is not a registered worker after "
                                     f"{timeout} s\n{self.logs()}")
            await asyncio.sleep(0.1)

    def wait_listening(self, process: Process, timeout: float = 60.0) -> None:
        """Until the webhook port takes connections (or the process has ended: an error)."""
        assert process.port is not None
        deadline = time.monotonic() + timeout
        while True:
            if not process.alive:
                raise AssertionError(f"{process.name} ended with {process.returncode} before "
                                     f"listening:\n{process.log()}")
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", process.port), timeout=1):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{process.name} is not listening after {timeout} s:\n"
                                     f"{process.log()}")
            time.sleep(0.05)

    # updates
    def text_update(self, user: dict[str, Any], text: str, *,
                    chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """A message update as Telegram would post it (the fake knows the message too)."""
        message = self.tg.message(chat or self.tg.private_chat(user), user, text, push=False)
        return {"update_id": next(self._update_ids), "message": message}

    async def post(self, process: Process, update: dict[str, Any], *,
                   secret: str | None | Own = OWN) -> httpx.Response:
        """POST `update` to `process`'s webhook with the secret header: the deployment's by
        default, `secret=None` for no header, any string for that (wrong) one."""
        assert process.webhook_url is not None, f"{process.name} has no webhook"
        headers = {"Content-Type": "application/json"}
        if isinstance(secret, Own):
            headers[SECRET_HEADER] = self.secret
        elif secret is not None:
            headers[SECRET_HEADER] = secret
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = httpx.AsyncClient(
                timeout=30, limits=httpx.Limits(max_connections=256))
        return await client.post(process.webhook_url, content=json.dumps(update),
                                 headers=headers)

    # observing
    async def status(self) -> dict[str, Any]:
        """`credbot status --json`, run as a user would."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "status", "--json", cwd=self.workdir, env=self.env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        if proc.returncode != 0:
            raise AssertionError(f"credbot status --json exited {proc.returncode}: "
                                 f"{err.decode(errors='replace')[-2000:]}")
        return dict(json.loads(out))

    async def wait_idle(self, timeout: float = 60.0) -> dict[str, Any]:
        """Until no job is queued or running (twice in a row); the last status."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while True:
            status = await self.status()
            quiet = quiet + 1 if status["queued"] == 0 and status["running"] == 0 else 0
            if quiet >= 2:
                return status
            if time.monotonic() > deadline:
                raise AssertionError(f"jobs still pending after {timeout} s: {status}\n"
                                     f"{self.logs()}")
            await asyncio.sleep(0.2)

    async def wait_workers(self, count: int, timeout: float = 60.0) -> dict[str, Any]:
        """Until `credbot status` counts at least `count` workers."""
        deadline = time.monotonic() + timeout
        while True:
            status = await self.status()
            if status["workers"] >= count:
                return status
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} workers wanted, status says {status}\n"
                                     f"{self.logs()}")
            await asyncio.sleep(0.2)

    def holder_of(self, request: RecordedRequest) -> Process | None:
        """The live process (or one of its children) whose connection carried `request`."""
        return self.holder_of_port(self.llm.peers.get(id(request), 0), self.llm.port)

    def holder_of_port(self, client_port: int, server_port: int) -> Process | None:
        """The live process (or one of its children) with a connection from `client_port`
        to `server_port` on 127.0.0.1."""
        if not client_port:
            return None
        inodes = socket_inodes(client_port, server_port)
        for process in self.processes:
            if process.alive and pid_with_socket(process.descendants(), inodes) is not None:
                return process
        return None

    async def wait_held(self, chat_id: int, timeout: float = 60.0) -> Process | None:
        """Until a card for `chat_id` is held at the fake Bot API; the process sending it."""
        deadline = time.monotonic() + timeout
        while not (found := [port for chat, port in self.tg.held if chat == chat_id]):
            if time.monotonic() > deadline:
                raise AssertionError(f"no card for chat {chat_id} in {timeout} s\n{self.logs()}")
            await asyncio.sleep(0.01)
        return self.holder_of_port(found[0], self.tg.port)

    async def wait_llm(self, marker: str, count: int = 1, timeout: float = 30.0
                       ) -> list[RecordedRequest]:
        """Until `count` analysis requests about `marker` have arrived."""
        deadline = time.monotonic() + timeout
        while len(found := self.llm.about(marker)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} LLM requests about {marker!r} "
                                     f"in {timeout} s\n{self.logs()}")
            await asyncio.sleep(0.01)
        return found

    def log_mark(self) -> dict[Path, int]:
        """Where every log file ends now, for `logs_since`."""
        return {p.log_path: p.log_path.stat().st_size for p in self.processes
                if p.log_path.exists()}

    def logs_since(self, mark: dict[Path, int]) -> str:
        """What every process logged after `mark` (all files, one after the other)."""
        parts = []
        for path in dict.fromkeys(p.log_path for p in self.processes):
            with contextlib.suppress(FileNotFoundError), path.open("rb") as log:
                log.seek(mark.get(path, 0))
                parts.append(log.read().decode("utf-8", errors="replace"))
        return "".join(parts)

    def logs(self, tail: int = 3000) -> str:
        """Every process's log tail, for an assertion message."""
        return "\n".join(f"--- {p.name} (pid {p.pid if p.popen else '-'}, "
                         f"{'alive' if p.alive else f'exit {p.returncode}'}):\n{p.log(tail)}"
                         for p in self.processes)


def article(marker: str) -> str:
    """The seed article (a real tabloid story, long enough to be checked), made distinct by a
    first line naming `marker` (so each marker misses the report cache)."""
    return f"Bulletin {marker}.\n" + SEED_TEXT.read_text(encoding="utf-8")


def article_page(title: str) -> str:
    """The seed article as an HTML page, for the local site."""
    paragraphs = "".join(f"<p>{line}</p>" for line in
                         SEED_TEXT.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{paragraphs}</article></body></html>")


def send_windows(times: list[float], width: float = 1.0) -> int:
    """The most calls inside any `width`-second window (each window starting at a call)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - width:
            start += 1
        best = max(best, end - start + 1)
    return best
