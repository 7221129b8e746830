"""CPU-heavy steps in worker processes, each bounded in time and memory.

Extraction (trafilatura), the offline evidence analysis and grounding are pure Python: they
hold the GIL for as long as they run, so a thread does not help. Run on the event loop, a
400 KB page written as one paragraph kept every other chat waiting for minutes. Here they
run in a shared process pool instead, and the event loop only waits for a future.

Decisions, and why:

- **One pool per process, one worker per core** (`CREDBOT_WORKERS`, 0 = the cores this
  process may use), created on first use, so the offline CLI start-up and the tests that
  never analyse anything pay nothing. The bot and the CLI share the code path.
- **forkserver, never fork.** The bot has an event loop and threads (the executor's own
  manager thread, database drivers); forking such a process copies locks that other threads
  held at that instant. The fork server is a fresh single-threaded process; it imports the
  analysis modules once, and each worker forks from it in milliseconds. Where there is no
  fork server (Windows) workers are spawned. Either way a worker starts fresh and imports
  the main module, so a script using the engine runs it under `if __name__ == "__main__":`.
- **A deadline inside the worker** (`CREDBOT_ANALYSIS_TIMEOUT`, per step): a SIGALRM timer
  raises `_Deadline`, a BaseException, so no library's `except Exception` can swallow it, and
  it fires again every half second until the step ends. Only the step's own run counts: the
  parent admits at most one step per worker, so a step never starts its clock while queued
  behind others.
- **A hard deadline in the parent** (the step's deadline plus a grace for worker start-up):
  a worker stuck in C code, where signals wait, is killed with its pool and the pool
  replaced. Steps that were running beside it fail with BrokenProcessPool and are retried
  once on the new pool (they are pure functions); a step that breaks the pool twice fails.
- **A memory cap per worker** (`CREDBOT_WORKER_MEMORY_MB`, RLIMIT_AS set in the worker at
  start): a hostile page raises MemoryError in its worker instead of growing the bot. The
  default is about three times what extracting a 5 MB page needs.

Callers get the step's own result or exception, or a `WorkError` saying which bound was hit;
they turn it into the user's sentence (bot.fetch for pages, bot.engine for analyses).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:  # the workers never need the settings (pydantic-settings, dotenv)
    from .settings import Settings

try:
    import resource
except ImportError:  # Windows: no RLIMIT_AS; the deadline still holds
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

T = TypeVar("T")
Reason = Literal["timeout", "memory", "crashed"]


def grace(timeout: float) -> float:
    """Seconds the parent waits beyond a step's own deadline before it kills the pool: room
    for a worker's start-up (the first one starts the fork server, which imports the
    analysis modules) and for moving the data. Half the deadline, 2 s to 10 s."""
    return min(10.0, max(2.0, timeout / 2))


PRELOAD = ["bot.offload", "bot.models", "bot.evidence", "bot.grounding"]
"""Imported once by the fork server, so every worker starts with them loaded and shares
their memory pages. Not bot.extract: trafilatura doubles the fork server's start-up, which
every `credbot check` of a text would wait for; a worker imports it with its first page."""

_REFIRE = 0.5  # seconds between repeated alarms once a step is past its deadline


@dataclass(frozen=True)
class Limits:
    """What a pool is made with; settings asking for other limits get a new pool."""

    workers: int
    memory_mb: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.workers or cpu_count(), settings.worker_memory_mb)


class WorkError(Exception):
    """A step did not finish: it ran past its deadline, past its memory cap, or its worker
    died. `reason` says which; the caller words the message for the user."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: Reason = reason


def cpu_count() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


async def run(settings: Settings, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in a worker process, within the settings' bounds.

    `fn` and its arguments must pickle (module-level functions, pydantic models, str).
    Raises what `fn` raises, or WorkError.
    """
    limits = Limits.of(settings)
    for attempt in (1, 2):
        pool = _pool_for(limits)
        try:
            return await pool.call(fn, args, kwargs, settings.analysis_timeout)
        except BrokenProcessPool as exc:
            _discard(pool)
            if attempt == 2:
                raise WorkError("crashed", str(exc)) from None
            log.warning("a worker process died; retrying the step on a new pool")
    raise AssertionError("unreachable")


def shutdown() -> None:
    """Stop the pool: at once (workers killed) when steps are still running, else cleanly.

    Runs at interpreter exit before concurrent.futures' own hook, which would otherwise wait
    for a running step to end (up to its deadline) before the process can exit.
    """
    with _lock:
        pool = _state.pool
        _state.pool = None
    if pool is not None:
        busy = bool(pool.pending)
        pool.close(kill=busy, wait=not busy)


# --- the pool ---------------------------------------------------------------------------------

class _Pool:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.executor = ProcessPoolExecutor(max_workers=limits.workers, mp_context=_context(),
                                            initializer=_init_worker,
                                            initargs=(limits.memory_mb,))
        self.pending: set[Future[Any]] = set()
        self.closed = False
        self._pending_lock = threading.Lock()
        # asyncio primitives belong to one event loop; tests run one loop per test.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary())

    def _slot(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        slot = self._slots.get(loop)
        if slot is None:
            slot = self._slots[loop] = asyncio.Semaphore(self.limits.workers)
        return slot

    async def call(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
                   timeout: float) -> T:
        loop = asyncio.get_running_loop()
        slot = self._slot(loop)
        await slot.acquire()
        # Submitted from a thread: starting a worker may wait for the fork server to boot
        # (it imports the analysis modules), which must not stall the event loop.
        future = await asyncio.to_thread(self._submit, loop, slot, fn, args, kwargs, timeout)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout + grace(timeout))
        except TimeoutError:
            log.error("a worker ignored its %g s deadline; killing the pool", timeout)
            _discard(self, kill=True)
            raise WorkError("timeout", "the worker did not stop") from None
        except _Deadline:
            raise WorkError("timeout") from None
        except MemoryError:
            raise WorkError("memory") from None

    def _submit(self, loop: asyncio.AbstractEventLoop, slot: asyncio.Semaphore,
                fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
                timeout: float) -> Future[T]:
        """Hand the step to the executor; the slot is released when the step really ends,
        even if the caller stopped waiting, so no step's deadline counts time spent queued
        behind another."""
        try:
            if self.closed:  # replaced while this step waited for a slot: take the new pool
                raise BrokenProcessPool("the pool was replaced")
            future = self.executor.submit(_call, fn, args, kwargs, timeout)
        except BaseException:
            self._release(loop, slot)
            raise
        with self._pending_lock:
            self.pending.add(future)
        future.add_done_callback(lambda done: self._finished(done, loop, slot))
        return future

    def _finished(self, future: Future[Any], loop: asyncio.AbstractEventLoop,
                  slot: asyncio.Semaphore) -> None:
        with self._pending_lock:
            self.pending.discard(future)
        self._release(loop, slot)

    @staticmethod
    def _release(loop: asyncio.AbstractEventLoop, slot: asyncio.Semaphore) -> None:
        try:
            loop.call_soon_threadsafe(slot.release)
        except RuntimeError:  # that event loop is closed: nobody waits on its slots
            pass

    def close(self, *, kill: bool = False, wait: bool = False, cancel: bool = True) -> None:
        """Stop taking steps; `kill` the workers at once (steps still running fail)."""
        self.closed = True
        if kill:
            # Private, but stable since 3.2: the executor keeps no other handle on its workers.
            processes = getattr(self.executor, "_processes", None) or {}
            for process in list(processes.values()):
                process.kill()
        self.executor.shutdown(wait=wait and not kill, cancel_futures=cancel)


@dataclass
class _State:
    pool: _Pool | None = None
    exit_hook: bool = False


_state = _State()
_lock = threading.Lock()


def _pool_for(limits: Limits) -> _Pool:
    with _lock:
        old = _state.pool
        if old is not None and old.limits == limits:
            return old
        _state.pool = pool = _Pool(limits)
        if not _state.exit_hook:
            _register_exit_hook()
            _state.exit_hook = True
    if old is not None:  # other bounds (tests use several): the old pool finishes its steps
        old.close(cancel=False)
    return pool


def _discard(pool: _Pool, *, kill: bool = False) -> None:
    """Forget a broken (or hung: `kill`) pool; the next step starts a new one."""
    with _lock:
        if _state.pool is pool:
            _state.pool = None
    pool.close(kill=kill)


def _register_exit_hook() -> None:
    # threading's exit hooks run last-registered first, and before atexit; concurrent.futures
    # registered its own (which waits for running steps) when it was imported, above.
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        import atexit

        atexit.register(shutdown)
    else:
        register(shutdown)


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


# --- inside a worker --------------------------------------------------------------------------
#
# One SIGALRM timer does two jobs. During a step it is the step's deadline. Between steps it
# ticks every IDLE_CHECK seconds to see whether the parent is still there: a parent that is
# killed (SIGKILL, the OOM killer, a SIGTERM without a handler, as in the CLI) runs no exit
# hook, and its idle workers would otherwise wait on their task queue for ever (each holds
# both ends of it) and keep the fork server alive with them. The parent's end of the
# start-up pipe closes when it dies, which `parent_process().sentinel` sees. A timer rather
# than a watcher thread: a thread costs ~70 MB of the address space the memory cap counts.

IDLE_CHECK = 1.0  # seconds between checks for a parent that is gone


class _Deadline(BaseException):
    """A step ran past its deadline (raised inside the worker by SIGALRM)."""


_armed = False
_parent_sentinel: int | None = None


def _init_worker(memory_mb: int) -> None:
    global _parent_sentinel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parent = multiprocessing.parent_process()
    _parent_sentinel = parent.sentinel if parent is not None else None
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _on_alarm)
        _idle()
    if memory_mb and resource is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _idle() -> None:
    signal.setitimer(signal.ITIMER_REAL, IDLE_CHECK, IDLE_CHECK)


def _on_alarm(signum: int, frame: object) -> None:
    if _armed:
        raise _Deadline
    if _parent_sentinel is not None and multiprocessing.connection.wait([_parent_sentinel], 0):
        os._exit(1)


def _call(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
          timeout: float) -> T:
    global _armed
    timer = hasattr(signal, "setitimer")
    _armed = True
    if timer:
        signal.setitimer(signal.ITIMER_REAL, timeout, _REFIRE)
    try:
        return fn(*args, **kwargs)
    finally:
        _armed = False
        if timer:
            _idle()
