"""`credbot check | fetch | run | worker | status`: the command line, one of the engine's two
edges (`worker` and `status` are the job queue's, bot.jobs.process).

Errors become one line on stderr and an exit code, never a traceback:
0 done; 1 an unexpected error (one line; -v logs where); 2 bad input (empty, binary, too
long, unfetchable link, bad settings); 3 the LLM is configured but failed (the offline
report is still printed).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from pathlib import Path

from pydantic import ValidationError

from . import __version__, logsafe
from .errors import CredbotError, InputError
from .render import card_text
from .settings import Settings

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_LLM = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="credbot", description="How well is this article sourced?")
    parser.add_argument("--version", action="version", version=f"credbot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="analyse an article: a file, a link, or - for stdin")
    check.add_argument("source", help="path to a text file, a URL, or - for standard input")
    check.add_argument("--json", action="store_true", help="print the full report as JSON")
    check.add_argument("--lang", default=None, help="language of the reply (e.g. en, ru, de)")
    check.add_argument("--offline", action="store_true", help="never call the LLM")

    fetch = commands.add_parser("fetch", help="show what credbot extracts from a link")
    fetch.add_argument("url")
    fetch.add_argument("--json", action="store_true", help="print the extracted article as JSON")

    run = commands.add_parser("run", help="start the Telegram bot")
    run.add_argument("--webhook-url", default=None, help="public HTTPS URL for webhook mode")
    run.add_argument("--listen", default="0.0.0.0", help="address to listen on (webhook mode)")
    run.add_argument("--port", type=int, default=8443, help="port to listen on (webhook mode)")
    run.add_argument("--no-worker", action="store_true",
                     help="only receive updates; `credbot worker` processes work them")

    commands.add_parser("worker", help="work checks from the queue (no webhook, no polling)")

    status = commands.add_parser("status", help="queue depth, oldest job, live workers")
    status.add_argument("--json", action="store_true", help="print the figures as JSON")

    db = commands.add_parser("db", help="the database's schema")
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply the migrations now (every start does too)")
    return parser


_URL_WITH_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:(?://|[^\\/])")


def _exists(path: Path) -> bool:
    """Whether `path` exists; False for what cannot name a file at all (over the system's
    name length, a NUL byte), so a long link or text never reaches an OSError."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _shown(source: str, limit: int = 80) -> str:
    return source if len(source) <= limit else source[: limit - 1] + "…"


def _read_source(source: str, settings: Settings) -> str:
    from .engine import read_input

    if source == "-":
        return read_input(sys.stdin.buffer.read(), settings)
    path = Path(source)
    exists = _exists(path)
    if not exists and _URL_WITH_SCHEME.match(source):
        from .fetch import parse_link

        parse_link(source)  # "ftp:", "data:", "file:" get the fetcher's own refusal
        return source
    if not exists and " " not in source and "." in source:
        from .engine import link_of

        if link_of(source):  # a bare link such as example.org/story
            return source
    if not exists or not path.is_file():
        raise InputError(f"No such file: {_shown(source)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {_shown(source)}: {exc.strerror or 'unreadable'}.") from None
    return read_input(data, settings)


async def _check(args: argparse.Namespace, settings: Settings) -> int:
    from .engine import analyze, load_article

    text = _read_source(args.source, settings)
    article = await load_article(text, settings)
    report = await analyze(article, settings, language=args.lang, offline=args.offline)
    print(report.model_dump_json(indent=2) if args.json else card_text(report))
    if report.llm_error:
        print(f"credbot: {report.llm_error} Showing the offline analysis.", file=sys.stderr)
        return EXIT_LLM
    return EXIT_OK


async def _fetch(args: argparse.Namespace, settings: Settings) -> int:
    from .fetch import fetch_article
    from .urls import find_url

    url = find_url(args.url)
    if url is None:
        raise InputError(f"That is not a link: {args.url}")
    article = await fetch_article(url, settings)
    if args.json:
        print(article.model_dump_json(indent=2))
    else:
        for field in ("title", "url", "site", "author", "published", "language"):
            value = getattr(article, field)
            if value:
                print(f"{field}: {value}")
        print()
        print(article.text)
    return EXIT_OK


def _run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from .app import run_bot
    except ImportError:
        print("credbot: the Telegram bot is not part of this version.", file=sys.stderr)
        return 1
    if args.command == "worker":
        from .jobs.process import run_worker

        return run_worker(settings)
    return run_bot(settings, webhook_url=args.webhook_url, listen=args.listen, port=args.port,
                   worker=not args.no_worker)


def _setting_names(exc: ValidationError) -> str:
    """The environment names of the settings that failed, e.g. CREDBOT_LLM_TIMEOUT."""
    names = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else ""
        info = Settings.model_fields.get(field)
        alias = getattr(info, "validation_alias", None) if info else None
        choices = getattr(alias, "choices", None)
        env = str(choices[0]) if choices else f"CREDBOT_{field.upper()}" if field else "?"
        names.append(f"{env} ({err.get('msg', 'invalid')})")
    return ", ".join(dict.fromkeys(names))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"credbot: invalid setting {_setting_names(exc)}. See .env.example.", file=sys.stderr)
        return EXIT_INPUT
    logsafe.install(settings)  # -v logs HTTP requests, whose URLs may carry passwords
    try:
        if args.command == "check":
            return asyncio.run(_check(args, settings))
        if args.command == "fetch":
            return asyncio.run(_fetch(args, settings))
        if args.command == "status":
            from .jobs.process import status

            return status(settings, as_json=args.json)
        if args.command == "db":
            from .migrations.cli import db_upgrade

            return db_upgrade(settings)
        return _run(args, settings)
    except CredbotError as exc:
        print(f"credbot: {exc.user_message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if args.verbose:
            logging.getLogger("credbot.cli").exception("unexpected error")
        print(f"credbot: unexpected error ({type(exc).__name__}); run with -v for details.",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
