"""A small local web site for tests: real HTTP on 127.0.0.1, pages and misbehaviours on demand.

Usage (works from sync and async tests alike; the server runs in its own thread):

    with LocalSite() as site:
        site.page("/story", "<html>...</html>")
        site.redirect("/old", "/story")
        site.page("/clip", b"...", content_type="video/mp4")
        site.drip("/slow", b"<html>...", interval=1.0)   # one byte per interval
        site.hang("/never")                                # accepts, never answers
        settings = make_settings(fetch_allow=[site.allow_entry])
        await fetch_article(site.url("/story"), settings)

`Sentinel` is a bare TCP listener that only counts connections, for asserting that a
refused URL opened none. Nothing here is mocked: the fetcher talks real HTTP to these.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_REASONS = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found",
            303: "See Other", 307: "Temporary Redirect", 308: "Permanent Redirect",
            403: "Forbidden", 404: "Not Found", 410: "Gone", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class Response:
    """What the site answers for one path. `drip` sends the body one byte per `drip` seconds;
    `hang` accepts the request and never answers."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    drip: float | None = None
    hang: bool = False


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]


class LocalSite:
    """An HTTP/1.1 server on 127.0.0.1 (optionally TLS) serving registered responses."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Response] = {}
        self.requests: list[Request] = []
        self._ssl = ssl_context
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self.host = "127.0.0.1"
        self.port = 0

    # --- lifecycle -------------------------------------------------------
    def start(self) -> "LocalSite":
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=5)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, 0, ssl=self._ssl)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def _stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> "LocalSite":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses -------------------------------------------------------
    @property
    def scheme(self) -> str:
        return "https" if self._ssl else "http"

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        """The URL of `path`; `host` puts a name in place of 127.0.0.1 (use with a stub resolver)."""
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    @property
    def allow_entry(self) -> str:
        """The `fetch_allow` entry that lets the fetcher reach this site."""
        return f"{self.host}:{self.port}"

    def hits(self, path: str) -> int:
        return sum(1 for request in self.requests if urlsplit(request.target).path == path)

    # --- content ---------------------------------------------------------
    def add(self, path: str, response: Response) -> None:
        """Serve `response` at `path` (a path with a query string matches only that query)."""
        self.routes[path] = response

    def page(self, path: str, body: str | bytes, *, content_type: str = "text/html; charset=utf-8",
             status: int = 200, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.add(path, Response(data, status, {"Content-Type": content_type, **(headers or {})}))

    def gzipped(self, path: str, body: bytes, *, content_type: str = "text/html; charset=utf-8") -> None:
        self.add(path, Response(gzip.compress(body), 200,
                                {"Content-Type": content_type, "Content-Encoding": "gzip"}))

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        self.add(path, Response(b"", status, {"Location": location}))

    def drip(self, path: str, body: bytes, *, interval: float = 1.0,
             content_type: str = "text/html; charset=utf-8") -> None:
        self.add(path, Response(body, 200, {"Content-Type": content_type}, drip=interval))

    def hang(self, path: str) -> None:
        self.add(path, Response(hang=True))

    # --- protocol --------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        self.requests.append(Request(method, target, headers))
        response = self.routes.get(target) or self.routes.get(urlsplit(target).path)
        if response is None:
            response = Response(b"<html><body><h1>Not found</h1></body></html>", 404,
                                {"Content-Type": "text/html"})
        try:
            await self._respond(writer, response)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _respond(self, writer: asyncio.StreamWriter, response: Response) -> None:
        if response.hang:
            await asyncio.sleep(3600)
        status_line = f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Status')}\r\n"
        headers = {"Content-Length": str(len(response.body)), "Connection": "close", **response.headers}
        head = status_line + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1"))
        if response.drip is None:
            writer.write(response.body)
            await writer.drain()
            return
        await writer.drain()
        for index in range(len(response.body)):
            writer.write(response.body[index:index + 1])
            await writer.drain()
            await asyncio.sleep(response.drip)


class Sentinel:
    """A TCP listener on 127.0.0.1 (and ::1 on the same port when possible) that counts connections.

    Point a refused URL at its port: `accepted()` must stay 0. The kernel completes the
    handshake of any connection into the listen backlog, so counting by draining the backlog
    at assertion time sees every connection ever made, with no thread and no race.
    """

    def __init__(self) -> None:
        self._sockets: list[socket.socket] = []
        self._count = 0
        self.port = 0

    def start(self) -> "Sentinel":
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.bind(("127.0.0.1", 0))
        self.port = v4.getsockname()[1]
        self._sockets.append(v4)
        try:
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            v6.bind(("::1", self.port))
            self._sockets.append(v6)
        except OSError:
            pass
        for sock in self._sockets:
            sock.listen(64)
            sock.setblocking(False)
        return self

    def accepted(self) -> int:
        """How many connections reached the listener so far."""
        for sock in self._sockets:
            while True:
                try:
                    conn, _ = sock.accept()
                except (BlockingIOError, InterruptedError):
                    break
                self._count += 1
                conn.close()
        return self._count

    def stop(self) -> None:
        for sock in self._sockets:
            sock.close()

    def __enter__(self) -> "Sentinel":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
