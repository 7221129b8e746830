"""Finding a link in a message and putting it in canonical form.

People paste links with text around them ("look at this: bbc.com/news/x !!"),
with tracking parameters, and as Telegram post links. These helpers are pure
string work; nothing here touches the network.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_URL = re.compile(r"""(?i)\bhttps?://[^\s<>"'`«»“”‘’]+""")
# A bare domain: labels of letters/digits/hyphens, then a TLD of letters, then an optional path.
_BARE = re.compile(
    r"""(?<![@\w.\-/])((?:www\.)?(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+([^\W\d_]{2,63})\.?)"""
    r"""(:\d{1,5})?([/?#][^\s<>"'`«»“”‘’]*)?""",
)
_GENERIC_TLDS = frozenset(
    "com org net info biz edu gov mil int news blog online site website media press today "
    "live world tech app dev io co me tv fm ly name pro mobi asia eu top xyz club shop store "
    "space global agency digital email link page wiki".split()
)
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}

_TRACKING_EXACT = frozenset(
    """fbclid gclid gclsrc dclid gbraid wbraid yclid msclkid twclid ttclid li_fat_id igshid igsh
    mc_cid mc_eid ref_src ref_url _ga _gl _hsenc _hsmi __hssc __hstc __hsfp hsctatracking
    mkt_tok oly_anon_id oly_enc_id vero_id vero_conv wickedid rb_clickid s_cid cmpid ncid
    ocid sr_share smid soc_src soc_trk at_medium at_campaign spm si feature""".split()
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "ga_")

TELEGRAM_HOSTS = frozenset({"t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog"})
_TELEGRAM_POST = re.compile(r"^/(?:s/)?([A-Za-z][A-Za-z0-9_]{2,63})/(\d{1,12})/?$")
_TELEGRAM_PRIVATE = re.compile(r"^/c/\d+/\d+/?$")


def _trim(candidate: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from a link's end."""
    while candidate:
        last = candidate[-1]
        if last in _TRAILING:
            candidate = candidate[:-1]
        elif last in _PAIRS and candidate.count(last) > candidate.count(_PAIRS[last]):
            candidate = candidate[:-1]
        else:
            break
    return candidate


def _plausible_tld(tld: str) -> bool:
    tld = tld.lower()
    return len(tld) == 2 or tld in _GENERIC_TLDS or not tld.isascii()


def find_url(text: str) -> str | None:
    """The first http(s) URL or bare-domain link in a message, or None.

    A bare domain (`bbc.co.uk/news/x`, `www.example.org`) is returned with `https://`
    in front. E-mail addresses and words with dots ("e.g.", "file.txt") are not links.
    """
    if not text:
        return None
    candidates: list[tuple[int, str]] = []
    explicit = _URL.search(text)
    if explicit:
        trimmed = _trim(explicit.group(0))
        if urlsplit(trimmed).hostname:
            candidates.append((explicit.start(), trimmed))
    for bare in _BARE.finditer(text[: explicit.start()] if explicit else text):
        domain, tld = bare.group(1), bare.group(2)
        if domain.lower().startswith("www.") or _plausible_tld(tld):
            candidates.append((bare.start(), "https://" + _trim(bare.group(0))))
            break
    if not candidates:
        return None
    return min(candidates)[1]


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """`url` without tracking parameters, fragment, default port or letter-case noise.

    Telegram post links in any of their forms (telegram.me, t.me/s/..., ?embed=1) become
    `https://t.me/<channel>/<id>`. Unparseable input is returned stripped, unchanged.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not scheme or not host:
        return url
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = parts.path or "/"
    if host in TELEGRAM_HOSTS:
        post = _TELEGRAM_POST.match(path)
        if post:
            netloc = "t.me" if port in (None, default) else f"t.me:{port}"
            return urlunsplit((scheme, netloc, f"/{post.group(1)}/{post.group(2)}", "", ""))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not _is_tracking(name)]
    # Re-encode only when something was dropped, so an untouched query keeps its spelling.
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit((scheme, netloc, path, query, ""))


def telegram_post(url: str) -> tuple[str, int] | None:
    """(channel, post id) for a public Telegram post link, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.hostname or "").rstrip(".") not in TELEGRAM_HOSTS:
        return None
    post = _TELEGRAM_POST.match(parts.path)
    return (post.group(1), int(post.group(2))) if post else None


def is_private_telegram_link(url: str) -> bool:
    """t.me/c/<id>/<post>: a post in a private channel, readable only by its members."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.hostname or "").rstrip(".") in TELEGRAM_HOSTS and bool(_TELEGRAM_PRIVATE.match(parts.path))


def telegram_preview_url(url: str) -> str | None:
    """The public web preview of a Telegram post (`t.me/<channel>/<id>?embed=1`), else None.

    The preview is a small static page holding the post's text, author and date, which is
    what Telegram itself shows to browsers that are not logged in.
    """
    canonical = canonical_url(url)
    if telegram_post(canonical) is None:
        return None
    return canonical + "?embed=1&mode=tme"
