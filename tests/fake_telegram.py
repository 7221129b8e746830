"""A fake Telegram Bot API server for tests and benchmarks: real HTTP on 127.0.0.1.

The real `telegram.ext.Application` is pointed at it with `TELEGRAM_API_BASE_URL`
(`fake.base_url`, the token appended as python-telegram-bot does). Tests push updates
(messages, forwards, button presses) and await the bot's outgoing calls:

    with FakeTelegram() as tg:
        settings = make_settings(telegram_bot_token=tg.token, telegram_api_base_url=tg.base_url)
        alice = tg.user(1, "Alice")
        tg.message(tg.private_chat(alice), alice, "some text")
        call = await tg.wait_for("sendMessage", chat_id=alice["id"])

It checks what Telegram checks and tests care about: the token (401), texts over 4,096
characters after entity parsing (400 "message is too long"), malformed or unsupported HTML
(400 "can't parse entities"), and it answers 429 with `retry_after` on demand. The server
runs in its own thread, so it works for async tests, sync tests and subprocesses alike.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import html
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_JSON_PARAMS = {"reply_markup", "link_preview_options", "reply_parameters", "commands", "scope",
                "allowed_updates", "entities", "caption_entities"}
_INT_PARAMS = {"chat_id", "message_id", "user_id", "offset", "limit", "draft_id",
               "reply_to_message_id"}
_FLOAT_PARAMS = {"timeout"}
_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "tg-spoiler", "span", "blockquote", "tg-emoji"}
# Methods that put a message (or its edit) in a chat: the ones flood limits are about.
_RAW_HTML = "__raw_html__"  # a failure body sent as this HTML, not as JSON
MESSAGE_METHODS = {"sendMessage", "editMessageText", "sendDocument", "sendPhoto",
                   "editMessageReplyMarkup"}


@dataclass
class Call:
    """One request the bot made, with its decoded parameters and what the fake answered."""

    method: str
    params: dict[str, Any]
    status: int
    result: Any
    time: float  # time.monotonic() when it arrived
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def ok(self) -> bool:
        return self.status == 200


class _TelegramHTML(HTMLParser):
    """Validates Telegram-flavoured HTML and measures the text it would display."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.error = self.error or f"unsupported start tag \"{tag}\""
            return
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f"unexpected end tag \"{tag}\""
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> tuple[str, str | None, list[str]]:
    """(visible text, error or None, link targets) for a Telegram HTML message."""
    parser = _TelegramHTML()
    # A bare "<" or "&" that is not an entity is an error in Telegram; html.parser is lenient,
    # so check the raw text first.
    for index, char in enumerate(text):
        if char == "<" and not (text[index + 1:index + 2].isalpha() or text[index + 1:index + 2] == "/"):
            return html.unescape(text), f"unexpected \"<\" at byte offset {index}", []
    parser.feed(text)
    parser.close()
    if parser.stack and not parser.error:
        parser.error = f"can't find end tag corresponding to start tag \"{parser.stack[-1]}\""
    return "".join(parser.text), parser.error, parser.links


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram:
    """The server plus helpers to make users, chats, messages and button presses."""

    def __init__(self, *, token: str = "123456:TEST-token_abcdefghijklmnopqrstuv",
                 bot_id: int = 999000, bot_username: str = "credbot_test_bot",
                 can_read_all_group_messages: bool = False) -> None:
        self.token = token
        self.bot = {"id": bot_id, "is_bot": True, "first_name": "credbot",
                    "username": bot_username}
        self.can_read_all_group_messages = can_read_all_group_messages
        self.calls: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self.chat_messages: dict[int, dict[int, dict[str, Any]]] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.commands: list[dict[str, Any]] = []
        self.webhook_deleted = 0
        self.webhook: dict[str, Any] | None = None
        self._failures: dict[str, deque[tuple[int, dict[str, Any]]]] = {}
        self._passing: dict[str, int] = {}  # calls let through before the failures start
        self._next_update = itertools.count(1)
        self.last_update_id = 0
        self._generation = 0  # bumped by revoke_token: pending long polls return at once
        self._next_message: dict[int, itertools.count] = {}
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/bot"

    def start(self) -> "FakeTelegram":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeTelegram":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- people and chats --------------------------------------------------------
    @staticmethod
    def user(user_id: int, first_name: str = "User", *, language_code: str | None = "en",
             username: str | None = None, last_name: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (("language_code", language_code), ("username", username),
                           ("last_name", last_name)):
            if value:
                user[key] = value
        return user

    @staticmethod
    def private_chat(user: dict[str, Any]) -> dict[str, Any]:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    @staticmethod
    def group_chat(chat_id: int, title: str = "A group") -> dict[str, Any]:
        return {"id": chat_id, "type": "supergroup", "title": title}

    @staticmethod
    def channel(chat_id: int, title: str, username: str | None = None) -> dict[str, Any]:
        chat = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember answers: "creator", "administrator", "member", "left", ..."""
        self.members[(chat_id, user_id)] = status

    # --- incoming updates ---------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update["update_id"] = self.last_update_id = next(self._next_update)
            self.updates.append(update)
            self._cond.notify_all()
        return update

    def _new_message_id(self, chat_id: int) -> int:
        counter = self._next_message.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def message(self, chat: dict[str, Any], sender: dict[str, Any] | None, text: str | None = None,
                *, caption: str | None = None, entities: list[dict[str, Any]] | None = None,
                forward_origin: dict[str, Any] | None = None,
                reply_to: dict[str, Any] | None = None, sender_chat: dict[str, Any] | None = None,
                photo: bool = False, sticker: bool = False, voice: bool = False,
                push: bool = True) -> dict[str, Any]:
        """A message from a person (or, with `sender_chat`, posted as a chat) to the bot."""
        with self._cond:
            message_id = self._new_message_id(chat["id"])
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                                   "chat": chat}
        if sender is not None:
            message["from"] = sender
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        if text is not None:
            message["text"] = text
            if entities is None and text.startswith("/"):
                command = text.split()[0]
                entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
            if entities:
                message["entities"] = entities
        if caption is not None:
            message["caption"] = caption
        if photo:
            message["photo"] = [{"file_id": "photo1", "file_unique_id": "p1", "width": 90,
                                 "height": 90}]
        if sticker:
            message["sticker"] = {"file_id": "st1", "file_unique_id": "s1", "type": "regular",
                                  "width": 512, "height": 512, "is_animated": False,
                                  "is_video": False}
        if voice:
            message["voice"] = {"file_id": "v1", "file_unique_id": "v1", "duration": 2}
        if forward_origin is not None:
            message["forward_origin"] = forward_origin
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        with self._cond:
            self.chat_messages.setdefault(chat["id"], {})[message_id] = message
        if push:
            self.push_update({"message": message})
        return message

    def edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """The user edits their `message` to `text` (an `edited_message` update)."""
        with self._cond:
            stored = self.chat_messages[message["chat"]["id"]][message["message_id"]]
            stored["text"] = text
            stored["edit_date"] = int(time.time())
            edited = dict(stored)
        self.push_update({"edited_message": edited})
        return edited

    def press(self, message: dict[str, Any], data: str, user: dict[str, Any]) -> dict[str, Any]:
        """Press an inline button with `data` under the bot's `message`."""
        query = {"id": f"cq{time.monotonic_ns()}", "from": user, "chat_instance": "ci",
                 "message": self.current(message), "data": data}
        return self.push_update({"callback_query": query})

    # --- failures on demand ----------------------------------------------------------
    def fail_next(self, method: str, *, status: int = 429, retry_after: int = 1,
                  description: str | None = None, times: int = 1,
                  html_page: str | None = None, after: int = 0) -> None:
        """The next `times` calls of `method` fail (429 Too Many Requests by default), once
        `after` more calls of it have gone through.

        `html_page` answers with that HTML instead of JSON, as a proxy in front of the Bot
        API does (nginx's "502 Bad Gateway" page)."""
        body: dict[str, Any] = {"ok": False, "error_code": status,
                                "description": description or (
                                    f"Too Many Requests: retry after {retry_after}"
                                    if status == 429 else "Bad Request")}
        if status == 429:
            body["parameters"] = {"retry_after": retry_after}
        if html_page is not None:
            body = {_RAW_HTML: html_page}
        with self._cond:
            for _ in range(times):
                self._failures.setdefault(method, deque()).append((status, body))
            self._passing[method] = after

    def revoke_token(self, new_token: str = "1:revoked-token") -> None:
        """What @BotFather's /revoke does: the old token gets 401 from now on, pending long
        polls included (they return empty, and the next one is refused)."""
        with self._cond:
            self.token = new_token
            self._generation += 1
            self._cond.notify_all()

    # --- observing ---------------------------------------------------------------------
    def calls_of(self, method: str | None = None, *, chat_id: int | None = None,
                 ok: bool | None = True) -> list[Call]:
        with self._cond:
            calls = list(self.calls)
        return [c for c in calls if (method is None or c.method == method)
                and (chat_id is None or c.chat_id == chat_id) and (ok is None or c.ok == ok)]

    def current(self, message: dict[str, Any]) -> dict[str, Any]:
        """The latest state of a message (after the bot's edits)."""
        with self._cond:
            return dict(self.chat_messages[message["chat"]["id"]][message["message_id"]])

    async def wait_for(self, method: str, *, chat_id: int | None = None,
                       where: Callable[[Call], bool] | None = None, count: int = 1,
                       timeout: float = 5.0, after: int = 0) -> list[Call]:
        """Wait until the bot has made `count` successful matching calls (index >= `after`)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                calls = self.calls[after:]
            found = [c for c in calls if c.method == method and c.ok
                     and (chat_id is None or c.chat_id == chat_id) and (where is None or where(c))]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, c.chat_id, c.status, c.text[:60]) for c in calls]
                raise AssertionError(f"timed out waiting for {count} × {method} "
                                     f"(chat {chat_id}); calls so far: {seen}")
            await asyncio.sleep(0.005)

    def mark(self) -> int:
        """An index into `calls`, for `wait_for(..., after=mark)`."""
        with self._cond:
            return len(self.calls)

    # --- the API ------------------------------------------------------------------------
    def _dispatch(self, method: str, params: dict[str, Any],
                  files: dict[str, tuple[str, bytes]]) -> tuple[int, dict[str, Any]]:
        with self._cond:
            queue = self._failures.get(method)
            if queue and self._passing.get(method):
                self._passing[method] -= 1
            elif queue:
                return queue.popleft()
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            result = handler(params, files) if method == "sendDocument" else handler(params)
        except _ApiError as exc:
            return exc.status, {"ok": False, "error_code": exc.status, "description": exc.description}
        return 200, {"ok": True, "result": result}

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self.bot, "can_join_groups": True,
                "can_read_all_group_messages": self.can_read_all_group_messages,
                "supports_inline_queries": False}

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_deleted += 1
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands = params.get("commands") or []
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset") or 0
        limit = params.get("limit") or 100
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._cond:
            generation = self._generation
            while True:
                if self._generation != generation:
                    return []
                while self.updates and self.updates[0]["update_id"] < offset:
                    self.updates.popleft()
                if self.updates or self._stopping.is_set():
                    return list(itertools.islice(self.updates, 0, limit))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _api_sendMessageDraft(self, params: dict[str, Any]) -> bool:
        return True

    def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params["user_id"]
        status = self.members.get((params["chat_id"], user_id), "member")
        member: dict[str, Any] = {"status": status, "user": self.user(user_id)}
        if status == "creator":
            member["is_anonymous"] = False
        if status == "administrator":
            member.update({name: True for name in (
                "can_be_edited", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info",
                "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories")})
            member["is_anonymous"] = False
        return member

    def _check_text(self, text: str | None, parse_mode: str | None, limit: int = TEXT_LIMIT) -> None:
        if not text or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        visible = text
        if parse_mode and parse_mode.upper() == "HTML":
            visible, problem, _ = parse_html(text)
            if problem:
                raise _ApiError(400, f"Bad Request: can't parse entities: {problem}")
        if utf16_len(visible) > limit:
            raise _ApiError(400, "Bad Request: message is too long")

    def _bot_message(self, chat_id: int, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        with self._cond:
            known = self.chat_messages.get(chat_id, {})
            chat = next((m["chat"] for m in known.values()), None) or {
                "id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                **({"first_name": "User"} if chat_id > 0 else {"title": "A group"})}
            message: dict[str, Any] = {"message_id": self._new_message_id(chat_id),
                                       "date": int(time.time()), "chat": chat, "from": self.bot,
                                       **content}
            reply_to = (params.get("reply_parameters") or {}).get("message_id") or params.get(
                "reply_to_message_id")
            if reply_to and reply_to in known:
                message["reply_to_message"] = known[reply_to]
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            self.chat_messages.setdefault(chat_id, {})[message["message_id"]] = message
            return message

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_text(params.get("text"), params.get("parse_mode"))
        return self._bot_message(params["chat_id"], params, text=params["text"])

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_text(params.get("text"), params.get("parse_mode"))
        with self._cond:
            message = self.chat_messages.get(params["chat_id"], {}).get(params["message_id"])
            if message is None or message.get("from", {}).get("id") != self.bot["id"]:
                raise _ApiError(400, "Bad Request: message to edit not found")
            markup = params.get("reply_markup")
            if message.get("text") == params["text"] and message.get("reply_markup") == markup:
                raise _ApiError(400, "Bad Request: message is not modified")
            message["text"] = params["text"]
            if markup is not None:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            message["edit_date"] = int(time.time())
            return dict(message)

    def _api_sendDocument(self, params: dict[str, Any],
                          files: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
        if "document" not in files:
            raise _ApiError(400, "Bad Request: there is no document in the request")
        if params.get("caption"):
            self._check_text(params["caption"], params.get("parse_mode"), CAPTION_LIMIT)
        name, data = files["document"]
        document = {"file_id": f"doc{time.monotonic_ns()}", "file_unique_id": "d1",
                    "file_name": name, "mime_type": "application/json", "file_size": len(data)}
        content: dict[str, Any] = {"document": document}
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self._bot_message(params["chat_id"], params, **content)

    # --- HTTP plumbing ----------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm and the client's
            # delayed ACK that costs ~40 ms per call, which no real Bot API server adds.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._handle(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._handle(self.rfile.read(length) if length else b"")

            def _handle(self, raw: bytes) -> None:
                arrived = time.monotonic()
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith("/bot"):
                    self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                if not self.path.startswith(prefix):
                    self._send(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                method = self.path[len(prefix):].split("?")[0]
                params, files = _decode(self.headers.get("Content-Type") or "", raw)
                status, body = fake._dispatch(method, params, files)
                call = Call(method, params, status, body.get("result", body), arrived, files)
                with fake._cond:
                    fake.calls.append(call)
                self._send(status, body)

            def _send(self, status: int, body: dict[str, Any]) -> None:
                raw = body.get(_RAW_HTML)
                data = raw.encode() if raw is not None else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html" if raw is not None
                                     else "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connection bursts (a bot opening 100 connections at
    # once) and the client's SYN retry adds a second; Telegram's servers don't do that.
    request_queue_size = 512


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _value(name: str, value: str) -> Any:
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            return value
    if name in _FLOAT_PARAMS:
        return float(value)
    return value


def _decode(content_type: str, raw: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Form or multipart body -> (params, files), the way python-telegram-bot encodes them."""
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename is not None:
                files[name] = (filename, payload)
            else:
                params[name] = _value(name, payload.decode("utf-8"))
    elif raw:
        if content_type.startswith("application/json"):
            params = json.loads(raw)
        else:
            for name, values in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items():
                params[name] = _value(name, values[-1])
    return params, files


# --- running the real bot against the fake ---------------------------------------------------
class RunningBot:
    """The real Application, long-polling the fake, inside the test's event loop."""

    def __init__(self, settings: Any, tg: FakeTelegram, **build: Any) -> None:
        self.settings = settings
        self.tg = tg
        self.build = build  # extra build_application arguments (e.g. rate_limiter)
        self.application: Any = None
        self._context: Any = None

    @property
    def services(self) -> Any:
        from handlers import SERVICES_KEY

        return self.application.bot_data[SERVICES_KEY]

    @property
    def storage(self) -> Any:
        return self.services.storage

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every update pushed so far was fetched and fully handled (to assert
        that something did *not* happen, without guessing a delay)."""
        target = self.tg.last_update_id
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:  # twice in a row: a task just taken from the queue has started
            confirmed = any(c.method == "getUpdates" and (c.params.get("offset") or 0) > target
                            for c in self.tg.calls_of("getUpdates"))
            busy = (self.application.update_queue.qsize()
                    or self.application.update_processor.current_concurrent_updates
                    or await self.jobs_pending())
            quiet = quiet + 1 if confirmed and not busy else 0
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not become idle")
            await asyncio.sleep(0.05)

    async def jobs_pending(self) -> int:
        """Updates stored as jobs and not yet worked to the end (bot.jobs)."""
        from bot.jobs.runtime import runtime_of

        runtime = runtime_of(self.application)
        return await runtime.pending() if runtime is not None else 0

    async def __aenter__(self) -> "RunningBot":
        from bot.app import build_application, running

        self.application = build_application(self.settings, **self.build)
        # Short long-polls so stopping is quick; the fake answers as soon as updates arrive.
        self._context = running(self.application, poll_timeout=1.0)
        await self._context.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._context.__aexit__(*exc)


def bot_settings(make_settings: Callable[..., Any], tg: FakeTelegram, **overrides: Any) -> Any:
    """Settings pointing the bot at `tg` (and at nothing else unless overridden)."""
    return make_settings(telegram_bot_token=tg.token, telegram_api_base_url=tg.base_url,
                         **overrides)
