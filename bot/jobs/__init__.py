"""Durable work: every Telegram update is a job in the database before Telegram hears "got it".

Why: `credbot run` used to handle updates in memory, so a crash (or a deploy's SIGKILL)
between receiving a message and sending its card lost the message, its quota already spent,
and a single process was all there could be. Now:

- **Ingress** (`ingress.DurableUpdateQueue`): PTB's Updater (long polling) and its webhook
  handler both hand each update to `application.update_queue.put()` *before* they acknowledge
  it (polling moves its offset past an update only after every put of the batch returned;
  the webhook answers 200 only after `post()` returns, and an exception there is a 500, so
  Telegram delivers again). Our queue stores each update as a job by then (a webhook's at
  once; a polled batch in one transaction just before the next getUpdates carries the
  offset past it) and never feeds PTB's in-process dispatcher. A redelivered update has
  the same key (`bot_id:update_id`) and is not stored twice.
- **Workers** (`runtime.Worker`) claim jobs with a lease, rebuild the `Update` and run it
  through `application.process_update`, i.e. the same handlers as before, inside a job
  context (`context.JobContext`: the key, the attempt, a send counter, the failure).
  `credbot run` has one in its process (unless `--no-worker`); `credbot worker` is only that.
- **Backends** (`queue`): on PostgreSQL the queue is pgqueuer (a maintained library:
  asyncpg-native like our driver, heartbeat leases, dedupe keys, LISTEN/NOTIFY wake-ups);
  on SQLite, the embedded one-process default, a small queue on our own `credbot_jobs`
  table. Both sit behind one `JobQueue` interface, so handlers and workers are one path.
- **Bookkeeping** (`tables`, `store`): `credbot_jobs` holds every job's state on both
  backends (attempts are counted at the *start* of each attempt, so crashes count too),
  `credbot_job_sends` what each job sent (`ledger`: a retried job never posts its card
  twice), `credbot_quota_charges` what each job was charged (once; refunded if the job
  finally fails), `credbot_workers` who is alive (`credbot status`).
"""
