"""The worker pool: steps run in other processes, and every bound gives a clear outcome.

Real worker processes throughout (bot.offload's own pool); the steps are builtins or the
small module-level functions below, which the workers import by name.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from bot import offload
from bot.errors import NotAnArticleError
from bot.extract import plain_article


KILLED_PARENT = """
import asyncio, os, signal
from bot import offload
from bot.settings import Settings

async def main():
    print(await offload.run(Settings(_env_file=None), os.getpid), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no exit hook runs

asyncio.run(main())
"""


async def gone(pid: int) -> bool:
    """Wait (up to a generous guard) until no process has `pid`."""
    for _ in range(3000):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        await asyncio.sleep(0.01)
    return False


def deaf_sleep(seconds: float) -> None:
    """Sleep with SIGALRM blocked: a step stuck where the worker's own deadline can't reach it,
    as in a long C call."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)


async def test_a_step_runs_in_another_process(make_settings) -> None:
    assert await offload.run(make_settings(), os.getpid) != os.getpid()


async def test_a_steps_own_error_comes_back_as_itself(make_settings) -> None:
    with pytest.raises(NotAnArticleError) as caught:
        await offload.run(make_settings(), plain_article, "too short", "https://example.org/x")
    assert "couldn't find an article" in caught.value.user_message


async def test_a_step_past_its_deadline_is_stopped_and_the_worker_serves_the_next(
        make_settings) -> None:
    settings = make_settings(workers=1, analysis_timeout=0.5)
    with pytest.raises(offload.WorkError) as caught:
        await offload.run(settings, time.sleep, 600)
    assert caught.value.reason == "timeout"
    first = await offload.run(settings, os.getpid)
    assert await offload.run(settings, os.getpid) == first  # the same worker, still alive


async def test_a_step_over_the_memory_cap_fails_and_the_next_step_runs(make_settings) -> None:
    settings = make_settings(workers=1, worker_memory_mb=256)
    with pytest.raises(offload.WorkError) as caught:
        await offload.run(settings, bytearray, 2 * 1024 ** 3)
    assert caught.value.reason == "memory"
    assert await offload.run(settings, bytearray, 10) == bytearray(10)


async def test_a_worker_that_dies_fails_its_step_and_the_pool_is_replaced(make_settings) -> None:
    settings = make_settings(workers=1)
    with pytest.raises(offload.WorkError) as caught:
        await offload.run(settings, os._exit, 3)
    assert caught.value.reason == "crashed"
    assert await offload.run(settings, os.getpid) != os.getpid()


async def test_a_worker_deaf_to_its_deadline_is_killed_and_waiting_steps_get_a_new_pool(
        make_settings) -> None:
    settings = make_settings(workers=1, analysis_timeout=0.5)
    stuck_pid = await offload.run(settings, os.getpid)
    stuck, waiting = await asyncio.gather(offload.run(settings, deaf_sleep, 600),
                                          offload.run(settings, os.getpid),
                                          return_exceptions=True)
    assert isinstance(stuck, offload.WorkError) and stuck.reason == "timeout"
    assert isinstance(waiting, int) and waiting != stuck_pid
    assert await gone(stuck_pid)  # killed and reaped, not left running


async def test_a_killed_parent_leaves_no_worker_behind() -> None:
    parent = subprocess.run([sys.executable, "-c", KILLED_PARENT], capture_output=True,
                            text=True, timeout=120)
    assert parent.returncode == -signal.SIGKILL
    assert await gone(int(parent.stdout))
