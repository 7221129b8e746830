"""`credbot fetch URL [--json]`: what the analysis would see, from the command line."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.local_site import LocalSite, Sentinel

PARAGRAPH = ("<p>The city council voted on Tuesday to fund the new library, the mayor said in a "
             "statement published after the meeting. Opponents said the cost was too high.</p>")
ARTICLE = ("<html lang='en'><head><title>Council votes on the new library</title>"
           "<meta name='author' content='Jane Doe'></head><body><article>"
           f"<h1>Council votes on the new library</h1>{PARAGRAPH * 5}</article></body></html>")


@pytest.fixture
def site(monkeypatch):
    with LocalSite() as local:
        monkeypatch.setenv("CREDBOT_FETCH_ALLOW", local.allow_entry)
        yield local


def test_fetch_json_prints_the_extracted_article(site, capsys) -> None:
    site.page("/story", ARTICLE)
    assert main(["fetch", site.url("/story?utm_source=x"), "--json"]) == 0
    article = json.loads(capsys.readouterr().out)
    assert article["title"] == "Council votes on the new library"
    assert article["author"] == "Jane Doe"
    assert article["language"] == "en"
    assert article["url"] == site.url("/story")
    assert article["text"].startswith("The city council voted on Tuesday")


def test_fetch_of_a_private_address_prints_one_sentence(monkeypatch, capsys) -> None:
    with Sentinel() as sentinel:
        monkeypatch.setenv("CREDBOT_FETCH_PORTS", f"80,443,{sentinel.port}")
        code = main(["fetch", f"http://169.254.169.254:{sentinel.port}/latest/meta-data/"])
        assert sentinel.accepted() == 0
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.strip() == ("credbot: That address is on a private network, "
                                    "so I won't open it.")


def test_fetch_of_a_missing_page_prints_the_status(site, capsys) -> None:
    assert main(["fetch", site.url("/nowhere")]) == 2
    assert capsys.readouterr().err.strip() == "credbot: The page was not found (HTTP 404)."
