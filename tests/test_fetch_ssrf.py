"""bot.fetch refuses every way of reaching a private network, and opens no connection doing so.

Each refusal test points the URL at a `Sentinel` listener's port on 127.0.0.1 (and ::1) and
asserts that it saw no connection. The allowed port set includes the sentinel's port, so the
port rule is never what refuses these URLs.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from bot.errors import BlockedURLError, FetchError
from bot.fetch import BLOCKED_PRIVATE, fetch_article, fetch_page
from tests.local_site import LocalSite, Sentinel

ARTICLE = ("<html><head><title>Council votes on the new library</title></head><body><article>"
           "<h1>Council votes on the new library</h1>"
           + "<p>The city council voted on Tuesday to fund the new library, the mayor said in a "
             "statement published after the meeting. Opponents said the cost was too high.</p>" * 4
           + "</article></body></html>")


class StubResolver:
    """Answers from a table, like a DNS server under the attacker's control; records questions."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError("name not known")
        return list(self.table[host])


@pytest.fixture
def sentinel():
    with Sentinel() as listener:
        yield listener


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


@pytest.fixture
def settings(make_settings, sentinel):
    return make_settings(fetch_ports=[80, 443, sentinel.port], fetch_timeout=3.0)


async def _refused(url: str, settings, resolver=None) -> BlockedURLError:
    with pytest.raises(BlockedURLError) as caught:
        await fetch_article(url, settings, resolver=resolver)
    return caught.value


async def test_sentinel_sees_a_connection_when_the_block_is_lifted(make_settings, sentinel) -> None:
    """The control experiment: without this, `accepted() == 0` could never fail."""
    lifted = make_settings(fetch_allow=[f"127.0.0.1:{sentinel.port}"], fetch_timeout=2.0)
    with pytest.raises(FetchError):
        await fetch_article(f"http://127.0.0.1:{sentinel.port}/", lifted)
    assert sentinel.accepted() >= 1


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.1", "0", "0.0.0.0", "2130706433", "0x7f000001", "0177.0.0.1", "127.0.0.1.",
     "[::1]", "[::]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]", "[::127.0.0.1]"],
)
async def test_loopback_in_every_spelling_is_refused(host: str, settings, sentinel) -> None:
    error = await _refused(f"http://{host}:{sentinel.port}/", settings)
    assert error.user_message == BLOCKED_PRIVATE
    assert sentinel.accepted() == 0


@pytest.mark.parametrize(
    "host",
    ["169.254.169.254", "2852039166", "0xa9fea9fe", "10.0.0.1", "172.16.0.1", "192.168.1.1",
     "100.64.0.1", "[fd00::1]", "[fe80::1]", "[64:ff9b::7f00:1]", "[64:ff9b::a9fe:a9fe]",
     "[2002:7f00:1::1]", "[2001:0:4136:e378:8000:63bf:80ff:fffe]", "224.0.0.1", "[ff02::1]"],
)
async def test_metadata_private_cgnat_and_ipv6_forms_are_refused(host: str, settings, sentinel) -> None:
    error = await _refused(f"http://{host}:{sentinel.port}/latest/meta-data/", settings)
    assert error.user_message == BLOCKED_PRIVATE
    assert sentinel.accepted() == 0


@pytest.mark.parametrize(
    "answers",
    [["127.0.0.1"], ["10.0.0.5"], ["::1"], ["::ffff:169.254.169.254"],
     ["93.184.216.34", "127.0.0.1"], ["2606:4700::1", "fd00::5"]],
)
async def test_a_name_with_any_private_address_is_refused(answers, settings, sentinel) -> None:
    resolver = StubResolver({"news.example": answers})
    error = await _refused(f"http://news.example:{sentinel.port}/story", settings, resolver)
    assert error.user_message == BLOCKED_PRIVATE
    assert resolver.asked == ["news.example"]
    assert sentinel.accepted() == 0


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/", "http://169.254.169.254/latest/",
                                    "http://inside.example:{port}/", "http://[::1]:{port}/",
                                    "file:///etc/passwd"])
async def test_an_allowed_page_redirecting_to_a_private_address_is_refused(
        target: str, make_settings, site, sentinel) -> None:
    site.redirect("/go", target.format(port=sentinel.port))
    settings = make_settings(fetch_allow=[site.allow_entry], fetch_ports=[80, 443, sentinel.port])
    resolver = StubResolver({"inside.example": ["192.168.0.10"]})
    with pytest.raises(BlockedURLError):
        await fetch_article(site.url("/go"), settings, resolver=resolver)
    assert site.hits("/go") == 1
    assert sentinel.accepted() == 0


async def test_the_allowlist_exempts_only_its_own_port(make_settings, site, sentinel) -> None:
    settings = make_settings(fetch_allow=[site.allow_entry], fetch_ports=[80, 443, sentinel.port])
    error = await _refused(f"http://127.0.0.1:{sentinel.port}/", settings)
    assert error.user_message == BLOCKED_PRIVATE
    assert sentinel.accepted() == 0


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "gopher://127.0.0.1:{port}/_GET", "dict://127.0.0.1:{port}/stat",
     "ftp://127.0.0.1:{port}/", "data:text/html,<p>hello</p>", "javascript:alert(1)",
     "ws://127.0.0.1:{port}/", "//127.0.0.1:{port}/"],
)
async def test_schemes_other_than_http_and_https_are_refused(url: str, settings, sentinel) -> None:
    error = await _refused(url.format(port=sentinel.port), settings)
    assert error.user_message == "I only open http and https links."
    assert sentinel.accepted() == 0


@pytest.mark.parametrize("userinfo", ["user:pass@", "user@", ":@", "news.example@"])
async def test_credentials_in_the_url_are_refused(userinfo: str, make_settings, site) -> None:
    site.page("/story", ARTICLE)
    settings = make_settings(fetch_allow=[site.allow_entry])
    error = await _refused(f"http://{userinfo}127.0.0.1:{site.port}/story", settings)
    assert "user name or password" in error.user_message
    assert site.requests == []


async def test_a_port_outside_the_allowed_set_is_refused_before_resolving(make_settings, sentinel) -> None:
    resolver = StubResolver({"news.example": ["93.184.216.34"]})
    error = await _refused(f"http://news.example:{sentinel.port}/", make_settings(), resolver)
    assert f"not port {sentinel.port}" in error.user_message
    assert resolver.asked == []
    assert sentinel.accepted() == 0


async def test_a_host_only_allow_entry_does_not_open_other_ports(make_settings, sentinel) -> None:
    settings = make_settings(fetch_allow=["127.0.0.1"])
    error = await _refused(f"http://127.0.0.1:{sentinel.port}/", settings)
    assert f"not port {sentinel.port}" in error.user_message
    assert sentinel.accepted() == 0


async def test_the_name_is_resolved_once_and_the_checked_address_is_used(make_settings, site) -> None:
    """A rebinding DNS server answers differently the second time; there is no second time."""
    site.page("/story", ARTICLE)
    answers = iter([["127.0.0.1"], ["10.9.9.9"], ["10.9.9.9"]])

    async def rebinding(host: str, port: int) -> list[str]:
        rebinding.asked += 1
        return next(answers)

    rebinding.asked = 0
    settings = make_settings(fetch_allow=[f"news.example:{site.port}"])
    article = await fetch_article(f"http://news.example:{site.port}/story", settings, resolver=rebinding)
    assert article.title == "Council votes on the new library"
    assert rebinding.asked == 1
    assert site.requests[0].headers["host"] == f"news.example:{site.port}"


async def test_unknown_host_gets_a_clear_message(make_settings) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch_article("http://no-such-site.example/", make_settings(),
                            resolver=StubResolver({}))
    assert caught.value.user_message == "I could not find the site no-such-site.example."


async def test_proxy_settings_from_the_environment_are_ignored(monkeypatch, make_settings, site,
                                                              sentinel) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{sentinel.port}")
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{sentinel.port}")
    site.page("/story", ARTICLE)
    article = await fetch_article(site.url("/story"), make_settings(fetch_allow=[site.allow_entry]))
    assert article.title == "Council votes on the new library"
    assert sentinel.accepted() == 0


# --- TLS: connecting to the checked IP still verifies the certificate for the real name ---

def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def tls_material(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed, so no test certificates can be made")
    folder = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=credbot test CA", cwd=folder)
    _openssl("req", *ec, "-keyout", "site.key", "-out", "site.csr", "-subj", "/CN=news.example",
             cwd=folder)
    (folder / "ext.cnf").write_text("subjectAltName=DNS:news.example\n")
    _openssl("x509", "-req", "-in", "site.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "site.pem", "-days", "2", "-extfile", "ext.cnf", cwd=folder)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "site.pem", folder / "site.key")
    client = ssl.create_default_context(cafile=str(folder / "ca.pem"))
    return server, client


async def test_https_connects_to_the_checked_address_with_the_real_server_name(
        tls_material, make_settings) -> None:
    server, client = tls_material
    with LocalSite(ssl_context=server) as site:
        site.page("/story", ARTICLE)
        settings = make_settings(fetch_allow=[f"news.example:{site.port}"])
        page = await fetch_page(f"https://news.example:{site.port}/story", settings,
                                resolver=StubResolver({"news.example": ["127.0.0.1"]}),
                                ssl_context=client)
    assert "Council votes" in page.text


async def test_a_certificate_for_another_name_is_refused(tls_material, make_settings) -> None:
    server, client = tls_material
    with LocalSite(ssl_context=server) as site:
        site.page("/story", ARTICLE)
        settings = make_settings(fetch_allow=[f"other.example:{site.port}"])
        with pytest.raises(FetchError) as caught:
            await fetch_page(f"https://other.example:{site.port}/story", settings,
                             resolver=StubResolver({"other.example": ["127.0.0.1"]}),
                             ssl_context=client)
    assert "certificate could not be verified" in caught.value.user_message
    assert site.requests == []
