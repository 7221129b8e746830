"""Benchmark credbot as several processes on one PostgreSQL database: `python bench/instances.py`.

Real processes (tests/instances.py: `credbot run --webhook-url ...` and `credbot worker`),
a fresh PostgreSQL database per scenario, the fake Bot API and a fake LLM answering every
analysis after a fixed latency, all on 127.0.0.1. Updates are POSTed to the webhook with the
secret header, as Telegram does. Measured:

1. overhead per check with the durable queue: update POSTed -> card at the fake Bot API,
   minus the LLM's fixed latency (median, p99), sequential checks of different articles in
   different chats; and how long the webhook takes to answer (the job written first);
2. a burst: N chats forward different articles at once, with one process (`credbot run`
   receiving and working) and with one receiver (`--no-worker`) plus two `credbot worker`
   processes; total time against the floor max(LLM latency, N / 30 messages per second),
   the peak sendMessage count in any 1 s window;
3. SIGKILL to card: a check's LLM call is held open, the process making it is killed, and
   the time until another worker's card arrives is taken (the job lease plus one analysis);
4. with `--baseline REV`: the same overhead and burst for the code at git revision REV (before
   the queue), run from an exported copy of that tree, for "what the queue adds".

Articles are the seed with a numbered first line, so each check misses the report cache and
costs one LLM call. Redis (the shared Telegram limit) is used when it answers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.instances import (
    REDIS_URL,
    Deployment,
    Process,
    article,
    missing_job_queue,
    postgres_problem,
    redis_problem,
    send_windows,
)

TELEGRAM_RATE = 30.0
COUNTERS_DELAY = 1.5  # seconds; PostgreSQL publishes its statistics about once a second
REDIS_DB = 8


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one live process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_now(d: Deployment) -> dict[str, float]:
    """CPU seconds so far of credbot's processes (with their analysis workers) and of the
    PostgreSQL backends serving this deployment's database; wall time is at the mercy of
    whatever else the machine runs, CPU time much less so."""
    ours = sum(cpu_seconds(pid) for p in d.processes if p.alive for pid in p.descendants())
    backends = d.db.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", d.db.name)
    [stats] = d.db.query("SELECT xact_commit + xact_rollback AS xacts, tup_inserted + "
                         "tup_updated + tup_deleted AS writes FROM pg_stat_database "
                         "WHERE datname = $1", d.db.name)
    return {"credbot": ours, "postgres": sum(cpu_seconds(row["pid"]) for row in backends),
            "xacts": float(stats["xacts"]), "writes": float(stats["writes"])}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def is_card(call: Any) -> bool:
    return bool(call.params.get("reply_markup"))


@contextlib.contextmanager
def exported_tree(revision: str) -> Iterator[Path]:
    """The repository at `revision`, as files in a temporary folder (git archive: the
    working tree and the repository are left alone)."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", revision, "bot", "handlers",
                           "prompts"], check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="credbot-baseline-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


class Scenario:
    """One deployment with its processes, and the numbers taken from it."""

    def __init__(self, workdir: Path, args: argparse.Namespace, *, lease: float | None = None,
                 tree: Path | None = None) -> None:
        extra = {"CREDBOT_WORKERS": "0"}  # analysis processes: one per core, as deployed
        if tree is not None:
            extra["PYTHONPATH"] = str(tree)
        redis_url = f"{REDIS_URL}/{REDIS_DB}" if redis_problem() is None else None
        self.d = Deployment(workdir, lease=lease, max_attempts=3,
                            llm_latency=args.llm_latency, redis_url=redis_url, verbose=False,
                            extra_env=extra)
        self.args = args
        self.serial = 0
        self.chat = 100_000

    def __enter__(self) -> Self:
        self.d.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.d.close()

    def next_update(self, marker: str = "") -> tuple[int, dict[str, Any]]:
        self.serial += 1
        self.chat += 1
        user = self.d.tg.user(self.chat, f"User{self.chat}")
        return self.chat, self.d.text_update(user, article(f"{marker}{self.serial}"))

    async def overhead(self, receiver: Process, checks: int) -> dict[str, list[float]]:
        """Milliseconds per check, one check at a time: `overhead` (update -> card minus the
        LLM latency) and its parts: `answered` (the webhook's 200), `typing` (first chat
        action), `to_llm` (the LLM request's arrival), `after_llm` (LLM answer -> card)."""
        tg, latency = self.d.tg, self.args.llm_latency
        parts: dict[str, list[float]] = {name: [] for name in (
            "overhead", "answered", "typing", "to_llm", "after_llm", "cpu_credbot",
            "cpu_postgres", "cpu_xacts", "cpu_writes")}
        cpu_before: dict[str, float] = {}
        idle: dict[str, float] = {}  # per second, with nothing to do (heartbeats, polls)
        started = 0.0
        for index in range(checks + 3):  # the first three warm up imports and pools
            if index == 3:
                idle = await self.idle_rates()
                cpu_before, started = cpu_now(self.d), time.monotonic()
            chat, update = self.next_update("seq-")
            marker = f"Bulletin seq-{self.serial}."
            mark = tg.mark()
            posted = time.monotonic()
            response = await self.d.post(receiver, update)
            answered = time.monotonic()
            assert response.status_code == 200, response.text
            [card] = await tg.wait_for("sendMessage", chat_id=chat, after=mark, timeout=60,
                                       where=is_card)
            if index < 3:
                continue
            [action] = tg.calls_of("sendChatAction", chat_id=chat)[:1] or [card]
            [asked] = self.d.llm.about(marker)[:1]
            parts["overhead"].append((card.time - posted - latency) * 1000)
            parts["answered"].append((answered - posted) * 1000)
            parts["typing"].append((action.time - posted) * 1000)
            parts["to_llm"].append((asked.time - posted) * 1000)
            parts["after_llm"].append((card.time - asked.time - latency) * 1000)
        if checks:
            await asyncio.sleep(COUNTERS_DELAY)  # the last check's bookkeeping, the counters
            cpu_after, elapsed = cpu_now(self.d), time.monotonic() - started
            for name in ("credbot", "postgres", "xacts", "writes"):
                spent = cpu_after[name] - cpu_before[name] - idle[name] * elapsed
                parts[f"cpu_{name}"].append(spent * 1000 / checks)
                parts[f"idle_{name}"] = [idle[name]]
        return parts

    async def idle_rates(self, seconds: float = 5.0) -> dict[str, float]:
        """What the deployment spends per second doing nothing (heartbeats, queue polls,
        counters), so per-check figures can leave it out."""
        await asyncio.sleep(COUNTERS_DELAY)
        before, start = cpu_now(self.d), time.monotonic()
        await asyncio.sleep(seconds)
        after, elapsed = cpu_now(self.d), time.monotonic() - start
        return {name: (after[name] - before[name]) / elapsed for name in before}

    async def burst(self, receivers: list[Process], size: int) -> dict[str, float]:
        tg = self.d.tg
        mark = tg.mark()
        updates = [self.next_update("burst-") for _ in range(size)]
        chats = {chat for chat, _ in updates}
        start = time.monotonic()
        responses = await asyncio.gather(*(self.d.post(receivers[i % len(receivers)], update)
                                           for i, (_, update) in enumerate(updates)))
        acked = time.monotonic() - start
        assert all(r.status_code == 200 for r in responses)
        deadline = start + 300
        while True:
            cards = {c.chat_id: c.time for c in tg.calls[mark:]
                     if c.method == "sendMessage" and c.ok and is_card(c) and c.chat_id in chats}
            if len(cards) == len(chats):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(cards)} of {len(chats)} cards\n{self.d.logs()}")
            await asyncio.sleep(0.02)
        sends = [c.time for c in tg.calls[mark:] if c.method == "sendMessage"]
        total = max(cards.values()) - start
        floor = max(self.args.llm_latency, size / TELEGRAM_RATE)
        return {"total": total, "floor": floor, "ratio": total / floor,
                "peak": float(send_windows(sends)), "acked": acked,
                "first": min(cards.values()) - start}

    async def kill_to_card(self, receiver: Process, rounds: int) -> list[tuple[float, str]]:
        """Seconds from SIGKILL of the process making a check's LLM call to that check's card."""
        d = self.d
        results = []
        for round_ in range(rounds):
            marker = f"Bulletin kill-{round_}-"
            d.llm.slow[marker] = 120.0
            chat, update = self.next_update(f"kill-{round_}-")
            assert (await d.post(receiver, update)).status_code == 200
            [request] = await d.wait_llm(marker, timeout=60)
            holder = d.holder_of(request)
            assert holder is not None, "nobody holds the LLM call"
            holder.kill()
            killed = time.monotonic()
            d.llm.slow.clear()
            [card] = await d.tg.wait_for("sendMessage", chat_id=chat, timeout=300, where=is_card)
            results.append((card.time - killed, holder.name))
            d.start_worker(f"w-after-{round_}")  # back to two workers for the next round
            await d.wait_idle(timeout=120)
        return results


def show_overhead(label: str, parts: dict[str, list[float]]) -> None:
    overheads = parts["overhead"]
    print(f"{label}: overhead per check (update -> card minus LLM) median "
          f"{statistics.median(overheads):.1f} ms, p99 {percentile(overheads, 0.99):.1f} ms; "
          "medians of its parts: " + ", ".join(
              f"{name} {statistics.median(parts[name]):.1f} ms"
              for name in ("answered", "typing", "to_llm", "after_llm"))
          + f"; per check, idle background left out: CPU credbot "
          f"{parts['cpu_credbot'][0]:.1f} ms, PostgreSQL {parts['cpu_postgres'][0]:.1f} ms; "
          f"{parts['cpu_xacts'][0] / 1000:.1f} transactions, "
          f"{parts['cpu_writes'][0] / 1000:.1f} rows written; idle: "
          f"{parts['idle_xacts'][0]:.1f} transactions/s, CPU credbot "
          f"{parts['idle_credbot'][0] * 1000:.1f} ms/s, PostgreSQL "
          f"{parts['idle_postgres'][0] * 1000:.1f} ms/s")


def show_burst(label: str, size: int, result: dict[str, float] | None) -> None:
    if result is None:
        return
    print(f"{label}: burst of {size} in {result['total']:.2f} s (first card "
          f"{result['first']:.2f} s, all {size} acknowledged in {result['acked']:.2f} s); floor "
          f"{result['floor']:.2f} s; ratio {result['ratio']:.2f}x; peak sendMessage in any 1 s: "
          f"{result['peak']:.0f}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm-latency", type=float, default=1.0, help="seconds per LLM answer")
    parser.add_argument("--checks", type=int, default=30, help="sequential checks for overhead")
    parser.add_argument("--burst", type=int, default=100, help="chats in the burst (0: none)")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILL rounds")
    parser.add_argument("--lease", type=float, default=None,
                        help="CREDBOT_JOB_LEASE for the SIGKILL rounds (default: the setting's)")
    parser.add_argument("--baseline", metavar="REV", help="also measure the code at git REV")
    parser.add_argument("--only", choices=("one", "two", "kill", "baseline"), action="append",
                        help="run only these scenarios")
    args = parser.parse_args()
    wanted = set(args.only or ("one", "two", "kill", "baseline"))
    queue_wanted = bool(wanted & {"one", "two", "kill"})
    for problem in (postgres_problem(), missing_job_queue() if queue_wanted else None):
        if problem:
            print(f"bench/instances.py: {problem}", file=sys.stderr)
            return 2
    print(f"credbot many-instance benchmark (PostgreSQL, LLM latency {args.llm_latency:.2f} s, "
          f"Redis {'on' if redis_problem() is None else 'off'}, fakes on 127.0.0.1)")
    with tempfile.TemporaryDirectory(prefix="credbot-bench-") as tmp:
        root = Path(tmp)
        if args.baseline and "baseline" in wanted:
            with exported_tree(args.baseline) as tree, \
                    Scenario(root / "baseline", args, tree=tree) as s:
                solo = s.d.start_webhook("solo")
                show_overhead(f"baseline {args.baseline}, one process", await s.overhead(
                    solo, args.checks))
                show_burst(f"baseline {args.baseline}, one process", args.burst,
                           await s.burst([solo], args.burst) if args.burst else None)
        if "one" in wanted:
            with Scenario(root / "one", args) as s:
                solo = s.d.start_webhook("solo")
                show_overhead("queue, one process", await s.overhead(solo, args.checks))
                show_burst("queue, one process (receives and works)", args.burst,
                           await s.burst([solo], args.burst) if args.burst else None)
        if "two" in wanted:
            with Scenario(root / "two", args) as s:
                front = s.d.start_webhook("front", worker=False)
                s.d.start_worker("w1")
                s.d.start_worker("w2")
                await s.d.wait_workers(2)
                show_overhead("queue, receiver + two workers", await s.overhead(
                    front, args.checks))
                show_burst("queue, receiver + two workers", args.burst,
                           await s.burst([front], args.burst) if args.burst else None)
        if "kill" in wanted:
            with Scenario(root / "kill", args, lease=args.lease) as s:
                front = s.d.start_webhook("front", worker=False)
                s.d.start_worker("w1")
                s.d.start_worker("w2")
                await s.d.wait_workers(2)
                await s.overhead(front, 0)  # warm up both sides
                results = await s.kill_to_card(front, args.kills)
                lease = s.d.env.get("CREDBOT_JOB_LEASE", "default")
                print(f"SIGKILL to card (lease {lease} s, LLM {args.llm_latency:.2f} s): "
                      + ", ".join(f"{seconds:.2f} s" for seconds, _ in results)
                      + f"; median {statistics.median(s for s, _ in results):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
