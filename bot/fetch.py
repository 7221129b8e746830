"""Fetching a link a stranger typed, without letting it reach a private network.

Every hop goes through the same steps: parse the URL (http/https, allowed port,
no credentials), resolve the host once, refuse it if ANY address is blocked
(bot.netguard), then connect to the address that was checked while sending the
real Host header and TLS server name, so a second DNS answer (rebinding) can't
swap the destination. Redirects are followed by hand and each hop is checked
again. One deadline covers resolution, connection, headers and body; the body
is decoded by our own bounded decoders so gzip and brotli bombs stop at the cap.

Every failure is a FetchError (or BlockedURLError / NotAnArticleError) carrying one
sentence for the user.

Extraction, the CPU-heavy half, runs in a worker process (bot.offload) with its own
deadline (CREDBOT_ANALYSIS_TIMEOUT) and memory cap (CREDBOT_WORKER_MEMORY_MB), after the
fetch deadline: a page that is cheap to send can still be costly to read.
"""

from __future__ import annotations

import asyncio
import codecs
import functools
import re
import socket
import ssl
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import brotli  # type: ignore[import-untyped]
import certifi
import httpx
import idna
from charset_normalizer import from_bytes

from . import offload
from .errors import BlockedURLError, FetchError, NotAnArticleError
from .models import Article
from .netguard import IPAddress, ends_in_number, is_allowed, is_blocked, parse_ip
from .settings import Settings
from .text import looks_binary

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""(host, port) -> the host's IP addresses as strings. Tests inject a stub one."""

MAX_REDIRECTS = 5
ALLOWED_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_CHARS = re.compile(r"^[a-z0-9_.-]+$")
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
# WHATWG encoding labels: browsers read these labels as the wider encoding.
_ENCODING_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "shift_jis": "cp932", "shift-jis": "cp932",
    "sjis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932", "gb2312": "gb18030",
    "gbk": "gb18030", "euc-kr": "cp949", "x-user-defined": "cp1252",
}

BLOCKED_PRIVATE = "That address is on a private network, so I won't open it."
INVALID_LINK = "That link is not a valid web address."
BAD_REDIRECT = "The site redirected to an address that is not valid, so I won't follow it."
LOCATION = "credbot.location"
"""Where `_take_location` keeps a response's Location header, out of httpx's reach."""


@dataclass(frozen=True)
class Link:
    """A URL taken apart and checked: what to connect to and what to call it."""

    url: str  # the URL as the site knows it (real host name)
    scheme: str
    host: str  # ASCII (IDNA) host name or canonical IP text
    port: int
    target: str  # path and query, percent-encoded
    literal: IPAddress | None

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


@dataclass(frozen=True)
class Page:
    """A fetched page: the final URL, its media type, and its body decoded to text."""

    url: str
    status: int
    media_type: str
    text: str
    encoding: str
    content_language: str | None = None


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _size(limit: int) -> str:
    if limit >= 1_000_000:
        return f"{limit / 1_000_000:g} MB"
    return f"{limit / 1000:g} kB"


def parse_link(url: str) -> Link:
    """Take a URL apart, refusing what no fetch may use: other schemes, credentials, bad hosts."""
    url = url.strip()
    if any(ord(ch) < 32 or ch == "\x7f" for ch in url):
        raise BlockedURLError("That link contains control characters, so I won't open it.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BlockedURLError(INVALID_LINK) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BlockedURLError("I only open http and https links.")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise BlockedURLError("That link has a user name or password in it, so I won't open it.")
    hostname = parts.hostname or ""
    literal = parse_ip(hostname)
    if literal is not None:
        host = str(literal)
    else:
        host = _ascii_host(hostname)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    target = f"{path}?{query}" if parts.query else path
    port = port if port is not None else _DEFAULT_PORTS[scheme]
    shown = f"[{host}]" if ":" in host else host
    netloc = shown if port == _DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    return Link(f"{scheme}://{netloc}{target}", scheme, host, port, target, literal)


def _ascii_host(hostname: str) -> str:
    name = hostname.rstrip(".")
    if not name or ends_in_number(name):
        raise BlockedURLError(INVALID_LINK)
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        if not name.isascii():
            raise BlockedURLError(INVALID_LINK) from None
        ascii_name = name.lower()  # e.g. underscores, which real sites do use
    if not _HOST_CHARS.match(ascii_name):
        raise BlockedURLError(INVALID_LINK)
    return ascii_name


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer for `host`, through the event loop (never blocking it)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


async def resolve_checked(link: Link, settings: Settings, resolver: Resolver | None = None
                          ) -> list[IPAddress]:
    """The addresses to connect to for `link`, after the port and private-network checks.

    Raises BlockedURLError before anything is resolved when the port is not allowed, and
    after resolution when ANY address is blocked (one private answer taints the name).
    """
    network_ok, port_ok = is_allowed(link.host, link.port, settings.fetch_allow)
    if link.port not in settings.fetch_ports and not port_ok:
        allowed = " and ".join(str(port) for port in settings.fetch_ports) or "none"
        raise BlockedURLError(
            f"I only open links on the usual web ports ({allowed}), not port {link.port}."
        )
    if link.literal is not None:
        addresses: list[IPAddress] = [link.literal]
    else:
        try:
            answers = await (resolver or system_resolver)(link.host, link.port)
        except (OSError, UnicodeError):
            answers = []
        addresses = [address for address in map(parse_ip, answers) if address is not None]
        if not addresses:
            raise FetchError(f"I could not find the site {link.host}.")
    if not network_ok and any(is_blocked(address) for address in addresses):
        raise BlockedURLError(BLOCKED_PRIVATE)
    return list(dict.fromkeys(addresses))


@functools.cache
def _default_tls() -> ssl.SSLContext:
    """Certificate checking against certifi's CA list; built once, as building costs ~20 ms."""
    return ssl.create_default_context(cafile=certifi.where())


async def _take_location(response: httpx.Response) -> None:
    """Take a redirect's Location away from httpx, which would parse it itself.

    With redirects off, httpx still builds the next request from a Location header, and a
    malformed one (`http:\\evil`, a bad IDNA label) raises its own errors (InvalidURL,
    IDNAError) out of `send`. Redirects are followed by hand with `parse_link`, so the header
    is moved to the response's extensions before httpx looks at it.
    """
    location = response.headers.get("location")
    if location is not None:
        del response.headers["location"]
        response.extensions[LOCATION] = location


def _headers(link: Link, settings: Settings) -> dict[str, str]:
    return {
        "Host": link.host_header,
        "User-Agent": settings.fetch_user_agent,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
        "Accept-Language": f"{settings.language},en;q=0.8,*;q=0.5",
        "Accept-Encoding": "gzip, deflate, br",
    }


def _address_url(link: Link, address: IPAddress) -> httpx.URL:
    return httpx.URL(scheme=link.scheme, host=str(address), port=link.port,
                     raw_path=link.target.encode("ascii"))


async def _send(client: httpx.AsyncClient, link: Link, addresses: list[IPAddress],
                settings: Settings) -> httpx.Response:
    """Open a streamed response from the first checked address that accepts the connection."""
    through_proxy = bool(settings.fetch_proxy)
    last_error: Exception | None = None
    for address in addresses:
        if through_proxy and link.scheme == "https":
            # An HTTP proxy's CONNECT tunnel can't carry a separate TLS server name, so the
            # name goes to the proxy, which then does the connecting (see README: the proxy
            # must itself refuse private networks).
            url = httpx.URL(link.url)
            extensions = {}
        else:
            url = _address_url(link, address)
            extensions = {"sni_hostname": link.host} if link.scheme == "https" else {}
        request = client.build_request("GET", url, headers=_headers(link, settings),
                                       extensions=extensions)
        try:
            return await client.send(request, stream=True)
        except httpx.ConnectError as exc:
            last_error = exc
            if _is_certificate_error(exc):
                break
    assert last_error is not None
    raise last_error


def _is_certificate_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def fetch_page(url: str, settings: Settings, *, resolver: Resolver | None = None,
                     ssl_context: ssl.SSLContext | None = None) -> Page:
    """GET `url` safely and return its decoded text. The lower-level half of fetch_article.

    `ssl_context` replaces the default certificate store (tests use their own CA).
    """
    link = parse_link(url)  # refuse bad schemes and credentials before any timer starts
    client = httpx.AsyncClient(
        trust_env=False,
        proxy=settings.fetch_proxy or None,
        verify=ssl_context or _default_tls(),
        follow_redirects=False,
        timeout=httpx.Timeout(settings.fetch_timeout),
        limits=httpx.Limits(max_keepalive_connections=0),  # no reuse under another TLS name
        event_hooks={"response": [_take_location]},
    )
    try:
        async with client, asyncio.timeout(settings.fetch_timeout):
            return await _follow(client, link, settings, resolver)
    except TimeoutError:
        raise FetchError(f"The site did not answer in {_seconds(settings.fetch_timeout)}.") from None
    except httpx.TimeoutException:
        raise FetchError(f"The site did not answer in {_seconds(settings.fetch_timeout)}.") from None
    except httpx.ConnectError as exc:
        if _is_certificate_error(exc):
            raise FetchError("The site's security certificate could not be verified, "
                             "so I won't open it.", detail=str(exc)) from None
        raise FetchError("The site could not be reached.", detail=str(exc)) from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise FetchError("The site closed the connection before sending the page.",
                         detail=str(exc)) from None
    except httpx.ProxyError as exc:
        raise FetchError("The configured proxy refused the request.", detail=str(exc)) from None
    except httpx.HTTPError as exc:
        raise FetchError("The page could not be fetched.", detail=repr(exc)) from None
    except httpx.InvalidURL as exc:  # not an HTTPError; parse_link should have caught it first
        raise BlockedURLError(INVALID_LINK, detail=str(exc)) from None


async def _follow(client: httpx.AsyncClient, link: Link, settings: Settings,
                  resolver: Resolver | None) -> Page:
    for hop in range(MAX_REDIRECTS + 1):
        addresses = await resolve_checked(link, settings, resolver)
        response = await _send(client, link, addresses, settings)
        try:
            location = response.extensions.get(LOCATION)
            if response.status_code in _REDIRECTS and location:
                if hop == MAX_REDIRECTS:
                    raise FetchError(f"The link redirects too many times (more than {MAX_REDIRECTS}).")
                link = _redirect_link(link, location)
                continue
            return await _read_page(response, link, settings)
        finally:
            await response.aclose()
    raise AssertionError("unreachable")


def _redirect_link(base: Link, location: str) -> Link:
    """The checked Link a redirect points to; a malformed Location is refused in words.

    Backslashes before the query read as slashes, as browsers read them in http(s) URLs
    (`http:\\\\host\\path` goes to `http://host/path`); the result is checked like any link.
    """
    location = location.strip()
    cut = min((i for i in (location.find("?"), location.find("#")) if i >= 0),
              default=len(location))
    location = location[:cut].replace("\\", "/") + location[cut:]
    try:
        target = urljoin(base.url, location)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise BlockedURLError(BAD_REDIRECT) from None
    try:
        return parse_link(target)
    except BlockedURLError as exc:
        if exc.user_message == INVALID_LINK:
            raise BlockedURLError(BAD_REDIRECT) from None
        raise


def _status_error(status: int) -> FetchError:
    if status in (404, 410):
        return FetchError(f"The page was not found (HTTP {status}).")
    if status in (401, 402, 403, 451):
        return FetchError(f"The site refused to show the page (HTTP {status}). "
                          "Paste the article's text instead.")
    if status == 429:
        return FetchError("The site is limiting requests right now (HTTP 429). Try again later.")
    if status >= 500:
        return FetchError(f"The site had an error (HTTP {status}). Try again later.")
    return FetchError(f"The site answered with HTTP {status} instead of the page.")


async def _read_page(response: httpx.Response, link: Link, settings: Settings) -> Page:
    status = response.status_code
    if not 200 <= status < 300:
        raise _status_error(status)
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type not in ALLOWED_TYPES:
        raise NotAnArticleError(f"The page is not an article ({media_type[:60]}).")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.fetch_max_bytes:
        raise FetchError(f"The page is too large (over {_size(settings.fetch_max_bytes)}).")
    body = await _read_body(response, settings.fetch_max_bytes)
    if not body.strip():
        raise NotAnArticleError("The page is empty. Paste the article's text instead.")
    binary = NotAnArticleError("The page is not an article (it holds binary data).")
    if b"\x00" in body[:8192]:
        raise binary
    if not media_type:
        looks_html = re.search(rb"<(!doctype|html|body|p)\b", body[:4096], re.IGNORECASE)
        media_type = "text/html" if looks_html else "text/plain"
    text, encoding = decode_body(body, content_type)
    if looks_binary(text[:8192].encode("utf-8")):  # control characters, whatever the charset
        raise binary
    return Page(link.url, status, media_type, text, encoding,
                response.headers.get("content-language"))


# --- bounded decoding ------------------------------------------------------------

class _TooLarge(Exception):
    pass


class _Identity:
    def decode(self, data: bytes, limit: int) -> bytes:
        return data

    def flush(self, limit: int) -> bytes:
        return b""


class _Zlib:
    """gzip or deflate, never producing more than `limit` bytes per call."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflate = zlib.decompressobj(wbits)
        self._started = False

    def decode(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._inflate.decompress(data, limit + 1)
        except zlib.error:
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise
            # "deflate" is sent both zlib-wrapped and raw; retry raw, as browsers do.
            self._wbits = -zlib.MAX_WBITS
            self._inflate = zlib.decompressobj(self._wbits)
            out = self._inflate.decompress(data, limit + 1)
        self._started = True
        if len(out) > limit or self._inflate.unconsumed_tail:
            raise _TooLarge
        return out

    def flush(self, limit: int) -> bytes:
        return self.decode(b"", limit)


class _Brotli:
    def __init__(self) -> None:
        self._inflate = brotli.Decompressor()

    def decode(self, data: bytes, limit: int) -> bytes:
        if not data:
            return b""
        out = self._inflate.process(data, output_buffer_limit=limit + 1)
        if len(out) > limit or not self._inflate.can_accept_more_data():
            raise _TooLarge
        return out

    def flush(self, limit: int) -> bytes:
        return b""


def _decoders(content_encoding: str) -> list[_Identity | _Zlib | _Brotli]:
    """Decoders in the order to apply them (the reverse of the order the server encoded)."""
    chain: list[_Identity | _Zlib | _Brotli] = []
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            chain.append(_Zlib(16 + zlib.MAX_WBITS))
        elif coding == "deflate":
            chain.append(_Zlib(zlib.MAX_WBITS))
        elif coding == "br":
            chain.append(_Brotli())
        else:
            raise FetchError(f"The site sent the page in a compression I can't read ({coding[:20]}).")
    return chain or [_Identity()]


async def _read_body(response: httpx.Response, limit: int) -> bytes:
    """The decoded body, refusing it as soon as it passes `limit` bytes (compressed or not)."""
    chain = _decoders(response.headers.get("content-encoding", ""))
    produced = [0] * len(chain)
    parts: list[bytes] = []
    total = 0

    def run(data: bytes, final: bool) -> bytes:
        for index, decoder in enumerate(chain):
            room = limit - produced[index]
            data = decoder.decode(data, room) + (decoder.flush(room) if final else b"")
            produced[index] += len(data)
        return data

    try:
        async for raw in response.aiter_raw():
            chunk = run(raw, final=False)
            total += len(chunk)
            if total > limit:
                raise _TooLarge
            parts.append(chunk)
        tail = run(b"", final=True)
        total += len(tail)
        if total > limit:
            raise _TooLarge
        parts.append(tail)
    except _TooLarge:
        raise FetchError(f"The page is too large (over {_size(limit)}).") from None
    except (zlib.error, brotli.error) as exc:
        raise FetchError("The site sent a damaged page.", detail=str(exc)) from None
    return b"".join(parts)


# --- text decoding --------------------------------------------------------------

def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ENCODING_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Bytes -> (text, encoding): BOM, then the header's charset, the page's meta, then a guess."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace"), name
    declared = None
    match = re.search(r"charset\s*=\s*([^\s;]+)", content_type, re.IGNORECASE)
    if match:
        declared = _codec(match.group(1))
    if declared is None:
        meta = _META_CHARSET.search(body[:4096])
        if meta:
            declared = _codec(meta.group(1).decode("ascii", "ignore"))
    if declared in ("utf-16-le", "utf-16-be", "utf-16"):
        declared = None  # a page read as ASCII can't really be UTF-16 without a BOM
    if declared and declared != "utf-8":
        # A Latin-1 label on bytes that are valid UTF-8 is a common server mistake.
        if declared == "cp1252" and not body.isascii() and _is_utf8(body):
            return body.decode("utf-8"), "utf-8"
        return body.decode(declared, errors="replace"), declared
    if declared == "utf-8" or _is_utf8(body):
        return body.decode("utf-8", errors="replace"), "utf-8"
    best = from_bytes(body[:200_000]).best()
    name = (_codec(best.encoding) if best is not None else None) or "utf-8"
    return body.decode(name, errors="replace"), name


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- the article ----------------------------------------------------------------

async def fetch_article(url: str, settings: Settings, *, resolver: Resolver | None = None) -> Article:
    """Fetch `url` safely and extract its article: text plus title, author, date, site, language.

    Telegram post links are read through their public web preview. Raises FetchError,
    BlockedURLError or NotAnArticleError, each with one sentence for the user.
    """
    # Extraction pulls in trafilatura: imported when first needed.
    from . import extract, urls

    if urls.is_private_telegram_link(url):
        raise NotAnArticleError("That post is in a private Telegram channel, which I can't open. "
                                "Forward the post to me or paste its text.")
    preview = urls.telegram_preview_url(url)
    page = await fetch_page(preview or url, settings, resolver=resolver)
    if preview is not None:
        return await _extract(settings, extract.telegram_article, page.text,
                              urls.canonical_url(url))
    if page.media_type == "text/plain":
        return await _extract(settings, extract.plain_article, page.text,
                              urls.canonical_url(page.url))
    return await _extract(settings, extract.html_article, page.text, urls.canonical_url(page.url),
                          content_language=page.content_language)


async def _extract(settings: Settings, fn: Callable[..., Article], /, *args: Any,
                   **kwargs: Any) -> Article:
    """An extractor run in a worker process; a bound it hits becomes a FetchError."""
    try:
        return await offload.run(settings, fn, *args, **kwargs)
    except offload.WorkError as exc:
        messages = {
            "timeout": f"The page took too long to read (over {_seconds(settings.analysis_timeout)}).",
            "memory": "The page is too large to read.",
            "crashed": "Reading the page failed.",
        }
        raise FetchError(f"{messages[exc.reason]} Paste the article's text instead.",
                         detail=str(exc)) from None
