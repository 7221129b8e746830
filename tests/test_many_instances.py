"""Many instances, nothing lost: real `credbot run` and `credbot worker` processes on one
PostgreSQL database (issue 9).

One deployment per module (tests/instances.py): a fresh database, the fake Bot API, the fake
LLM and a local article site on 127.0.0.1, two webhook instances that only receive
(`--no-worker`) and `credbot worker` processes that work the jobs. Updates are POSTed to the
webhooks with Telegram's secret header, as Telegram sends them. Each test starts from the
same state (`cluster`): both webhooks up, at least one worker, the queue empty, and leaves
whatever it broke for the next test's fixture to mend.

Nothing here asserts a duration: timeouts are guards, and the times themselves (SIGKILL to
card, throughput, queue overhead) are measured by bench/instances.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from tests.instances import (
    REDIS_URL,
    Deployment,
    Process,
    article,
    article_page,
    missing_job_queue,
    postgres_problem,
    redis_problem,
    redis_setting_known,
    send_windows,
)

pytestmark = pytest.mark.postgres

LEASE = 3.0  # seconds; CREDBOT_JOB_LEASE for every process here
MAX_ATTEMPTS = 2  # CREDBOT_JOB_MAX_ATTEMPTS: a crash and its retry; each attempt costs seconds
TELEGRAM_RATE = 30  # sendMessage per second per bot token
RATE_TOLERANCE = 2  # arrival jitter at the fake: a send stamped 1.000 s after another may land inside
REDIS_DB = 7  # a database number of its own; the token is unique per run, so is the bucket


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    for problem in (postgres_problem(), missing_job_queue()):
        if problem:
            pytest.skip(problem)
    redis_url = f"{REDIS_URL}/{REDIS_DB}" if redis_problem() is None else None
    # Logging as deployed (no -v): what operators see is what the tests read.
    with Deployment(tmp_path_factory.mktemp("many"), lease=LEASE, max_attempts=MAX_ATTEMPTS,
                    redis_url=redis_url, verbose=False) as d:
        receivers = [d.start_webhook(name, worker=False, wait=False) for name in ("a", "b")]
        d.start_worker("w1")
        for process in receivers:  # started together: start-up is most of this module's time
            d.wait_listening(process)
        yield d


def live_workers(d: Deployment) -> list[Process]:
    return [p for p in d.processes if p.alive and p.args[-1] == "worker"]


def webhook(d: Deployment, name: str) -> Process:
    """The newest process started under `name`."""
    return [p for p in d.processes if p.name == name][-1]


@pytest.fixture
async def cluster(deployment: Deployment) -> Deployment:
    """The module's deployment in its usual state: webhooks a and b receiving, at least one
    worker, no job pending, no chat refusing cards."""
    d = deployment
    d.tg.refuse_cards.clear()
    d.tg.hold_cards.clear()
    d.tg.release()
    for name in ("a", "b"):
        process = webhook(d, name)
        if not process.alive:
            d.restart(process)
    if not live_workers(d):
        d.start_worker(f"w{len(d.processes)}")
    await d.wait_idle()
    return d


async def ensure_workers(d: Deployment, count: int) -> list[Process]:
    while len(live_workers(d)) < count:
        d.start_worker(f"w{len(d.processes)}")
    await d.wait_workers(count)
    return live_workers(d)


def failure(d: Deployment, what: str) -> str:
    return f"{what}\n{d.logs()}"


# --- the webhook's door ---------------------------------------------------------------------------
async def test_a_webhook_post_without_or_with_a_wrong_secret_gets_403_and_enqueues_nothing(
        cluster: Deployment) -> None:
    d = cluster
    mallory, alice = d.tg.user(5001, "Mallory"), d.tg.user(5002, "Alice")
    a, b = webhook(d, "a"), webhook(d, "b")
    failed_before = (await d.status())["failed_last_hour"]
    no_header = await d.post(a, d.text_update(mallory, "/privacy"), secret=None)
    wrong = await d.post(b, d.text_update(mallory, "/help"), secret="not-" + d.secret)
    empty = await d.post(a, d.text_update(mallory, "/help"), secret="")
    right = await d.post(b, d.text_update(alice, "/privacy"))
    await d.tg.wait_for("sendMessage", chat_id=alice["id"], timeout=30)
    status = await d.wait_idle()
    assert [no_header.status_code, wrong.status_code, empty.status_code] == [403, 403, 403]
    assert right.status_code == 200
    assert d.tg.calls_of(chat_id=mallory["id"], ok=None) == [], failure(d, "mallory was answered")
    assert status["failed_last_hour"] == failed_before, status


# --- a crash mid-check ------------------------------------------------------------------------------
async def test_a_worker_killed_during_the_llm_call_still_gives_exactly_one_card_and_one_quota_charge(
        cluster: Deployment) -> None:
    d = cluster
    alice = d.tg.user(1001, "Alice")
    d.llm.slow["Bulletin crash-1001"] = 20.0  # long enough to find and kill whoever asked
    mark = d.log_mark()
    response = await d.post(webhook(d, "a"), d.text_update(alice, article("crash-1001")))
    assert response.status_code == 200
    [request] = await d.wait_llm("Bulletin crash-1001", timeout=60)
    holder = d.holder_of(request)
    assert holder is not None and holder.args[-1] == "worker", failure(
        d, f"the LLM call was made by {holder and holder.name}, not by a worker")
    # Another worker is up before the crash: the job must come back to it by its lease
    # running out, not by anyone starting afresh.
    survivors = [p for p in await ensure_workers(d, 2) if p is not holder]
    holder.kill()
    d.llm.slow.clear()
    await d.tg.wait_for("sendMessage", chat_id=alice["id"], timeout=LEASE + 60,
                        where=lambda c: bool(c.params.get("reply_markup")))
    await d.wait_idle()
    assert survivors and all(p.alive for p in survivors), failure(d, "a survivor died")
    assert len(d.tg.cards(alice["id"])) == 1, failure(d, "not exactly one card")
    assert len(d.llm.about("Bulletin crash-1001")) == 2  # the killed call, and the retry's
    assert d.db.quota_charged(alice["id"]) == 1
    retries = [line for line in d.logs_since(mark).splitlines() if "retried" in line]
    assert len(retries) == 1, failure(d, "the retry is not logged once")


async def test_a_worker_killed_while_its_card_is_on_the_way_sends_one_card_after_one_analysis(
        cluster: Deployment) -> None:
    d = cluster
    await ensure_workers(d, 2)
    carol = d.tg.user(1101, "Carol")
    d.tg.hold_cards.add(carol["id"])  # the card's request is lost on the way...
    response = await d.post(webhook(d, "b"), d.text_update(carol, article("lost-card-1101")))
    assert response.status_code == 200
    holder = await d.wait_held(carol["id"])
    assert holder is not None and holder.args[-1] == "worker", failure(
        d, f"the card was sent by {holder and holder.name}, not by a worker")
    holder.kill()  # ...and its sender dies waiting for the answer
    d.tg.release()
    await d.tg.wait_for("sendMessage", chat_id=carol["id"], timeout=LEASE + 60,
                        where=lambda c: bool(c.params.get("reply_markup")))
    await d.wait_idle()
    assert len(d.tg.cards(carol["id"])) == 1, failure(d, "not exactly one card")
    assert len(d.llm.about("Bulletin lost-card-1101")) == 1  # the retry reuses the stored report
    assert d.db.quota_charged(carol["id"]) == 1


async def test_the_same_update_delivered_to_both_instances_is_one_job_and_one_card(
        cluster: Deployment) -> None:
    d = cluster
    dave = d.tg.user(1201, "Dave")
    update = d.text_update(dave, article("twice-1201"))
    # Telegram delivers again when it missed the first answer, possibly to another instance.
    responses = await asyncio.gather(d.post(webhook(d, "a"), update),
                                     d.post(webhook(d, "b"), update))
    assert [r.status_code for r in responses] == [200, 200]
    await d.tg.wait_for("sendMessage", chat_id=dave["id"], timeout=60,
                        where=lambda c: bool(c.params.get("reply_markup")))
    await d.wait_idle()
    assert len(d.tg.calls_of("sendMessage", chat_id=dave["id"])) == 1, failure(d, "twice")
    assert len(d.llm.about("Bulletin twice-1201")) == 1
    assert d.db.quota_charged(dave["id"]) == 1


# --- shared limits across instances ------------------------------------------------------------------
async def test_ten_chats_sending_the_same_article_at_once_across_both_instances_cost_one_llm_call(
        cluster: Deployment) -> None:
    d = cluster
    # Two workers that take one job at a time: while one analyses the article, the other
    # takes the next chat's job, so only a lock shared by the processes (not one process
    # collapsing its own jobs) can keep the LLM calls at one.
    for worker in live_workers(d):
        worker.terminate()
    narrow = [d.start_worker(f"one-at-a-time-{i}", CREDBOT_WORKER_JOBS="1") for i in (1, 2)]
    try:
        for worker in narrow:
            await d.wait_registered(worker)
        d.site.page("/news/same-story", article_page("Same story for ten chats"))
        link = d.site.url("/news/same-story")
        d.llm.slow["Same story for ten chats"] = 3.0  # the others arrive while it runs
        people = [d.tg.user(2000 + i, f"Reader{i}") for i in range(10)]
        instances = [webhook(d, "a"), webhook(d, "b")]
        updates = [d.text_update(person, f"is this true? {link}") for person in people]
        responses = await asyncio.gather(*(d.post(instances[i % 2], update)
                                           for i, update in enumerate(updates)))
        assert [r.status_code for r in responses] == [200] * 10
        [request] = await d.wait_llm("Same story for ten chats", timeout=60)
        assert d.holder_of(request) in narrow
        for person in people:
            await d.tg.wait_for("sendMessage", chat_id=person["id"], timeout=60,
                                where=lambda c: bool(c.params.get("reply_markup")))
        await d.wait_idle()
    finally:
        d.llm.slow.clear()
        for worker in narrow:
            worker.terminate()
    assert len(d.llm.about("Same story for ten chats")) == 1, failure(d, "more than one LLM call")
    assert [len(d.tg.cards(p["id"])) for p in people] == [1] * 10


async def test_a_burst_of_200_checks_across_instances_stays_within_30_send_message_per_second(
        cluster: Deployment) -> None:
    d = cluster
    if d.redis_url is None:
        pytest.skip(f"needs Redis for the shared Telegram rate limit: {redis_problem()}")
    if not redis_setting_known(d.redis_url):
        pytest.skip("needs CREDBOT_REDIS_URL (a Telegram rate limit shared through Redis)")
    await ensure_workers(d, 2)
    mark = d.tg.mark()
    people = [d.tg.user(10_000 + i, f"Burst{i}") for i in range(200)]
    instances = [webhook(d, "a"), webhook(d, "b")]
    # One article: after its one analysis every card is ready at once, which presses the
    # shared limit hardest (and keeps 200 analyses off this module's clock).
    updates = [d.text_update(person, article("burst")) for person in people]
    responses = await asyncio.gather(*(d.post(instances[i % 2], update)
                                       for i, update in enumerate(updates)))
    assert [r.status_code for r in responses] == [200] * 200
    chats = {p["id"] for p in people}
    deadline = time.monotonic() + 180
    while len({c.chat_id for c in d.tg.cards(after=0) if c.chat_id in chats}) < len(chats):
        assert time.monotonic() < deadline, failure(d, "the burst did not finish")
        await asyncio.sleep(0.1)
    await d.wait_idle()
    sends = [c.time for c in d.tg.calls[mark:] if c.method == "sendMessage"]
    peak = send_windows(sends)
    assert peak <= TELEGRAM_RATE + RATE_TOLERANCE, f"{peak} sendMessage within one second"
    assert all(len(d.tg.cards(chat)) == 1 for chat in chats)


# --- restarts and failures -----------------------------------------------------------------------------
async def test_jobs_queued_while_nothing_works_are_answered_once_a_process_restarts(
        cluster: Deployment) -> None:
    d = cluster
    for worker in live_workers(d):
        worker.terminate()
    people = [d.tg.user(3000 + i, f"Waiting{i}") for i in range(3)]
    a, b = webhook(d, "a"), webhook(d, "b")
    for i, person in enumerate(people):
        response = await d.post((a, b)[i % 2], d.text_update(person, article(f"queued-{i}")))
        assert response.status_code == 200
    status = await d.status()
    assert status["queued"] == 3, status
    assert status["oldest_queued_age"] >= 0, status
    # The receiver dies too, after acknowledging: the jobs are in the database, not in it.
    a.kill()
    assert all(d.tg.cards(p["id"]) == [] for p in people)  # nothing worked them yet
    restarted = d.start_webhook("a-restarted", worker=True, port=a.port)
    try:
        for person in people:
            await d.tg.wait_for("sendMessage", chat_id=person["id"], timeout=60,
                                where=lambda c: bool(c.params.get("reply_markup")))
        await d.wait_idle()
        assert [len(d.tg.cards(p["id"])) for p in people] == [1, 1, 1]
    finally:
        assert restarted.terminate() is not None


async def test_a_job_failing_on_every_attempt_ends_with_one_clear_message_and_a_refund(
        cluster: Deployment) -> None:
    d = cluster
    bob = d.tg.user(4001, "Bob")
    d.tg.refuse_cards.add(bob["id"])  # every card to Bob meets a 502, every attempt
    before = (await d.status())["failed_last_hour"]
    mark = d.log_mark()
    await d.post(webhook(d, "b"), d.text_update(bob, article("doomed-4001")))
    [told] = await d.tg.wait_for("sendMessage", chat_id=bob["id"], timeout=120)
    status = await d.wait_idle()
    delivered = d.tg.calls_of("sendMessage", chat_id=bob["id"])
    refused = d.tg.calls_of("sendMessage", chat_id=bob["id"], ok=False)
    assert delivered == [told], failure(d, "not exactly one message")
    assert not told.params.get("reply_markup")
    assert "Traceback" not in told.text and 0 < len(told.text) < 500
    assert len(refused) >= MAX_ATTEMPTS, "the card was not tried on every attempt"
    retries = [line for line in d.logs_since(mark).splitlines() if "retried" in line]
    assert len(retries) == MAX_ATTEMPTS - 1, failure(d, "each retry is not logged once")
    assert status["failed_last_hour"] == before + 1, status
    assert d.db.quota_charged(bob["id"]) == 0  # refunded: the check never reached Bob
