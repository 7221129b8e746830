"""Albums: Telegram sends each photo of an album as its own message, sharing a media_group_id.

An album is one thing the person sent, so it gets at most one reply: the captioned part is
handled like any message (a card, a follow-up answer, or the friendly line), and the parts
without a caption get nothing, unless no part had a caption at all; then the album gets the
friendly line once. (Reading text in photos comes later.) The parts arrive as separate
updates in no guaranteed order, so a caption-less part waits until the album stops growing
before it decides.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

ALBUM_QUIET = 1.0  # seconds without a new part after which an album is complete
ALBUM_ROUNDS = 5  # at most this many quiet periods are waited (albums hold 10 parts)
ALBUM_KEEP = 300.0  # seconds an album is remembered, so late parts stay quiet
ALBUM_MAX = 10_000  # albums remembered at once


@dataclass
class Album:
    parts: int = 0
    answered: bool = False  # some part got (or is getting) the album's one reply
    waiting: bool = False  # a caption-less part is waiting to decide
    seen_at: float = field(default_factory=time.monotonic)


_albums: OrderedDict[tuple[int, str], Album] = OrderedDict()


def album(chat_id: int, media_group_id: str) -> Album:
    """The album's shared state (the oldest are forgotten first, after `ALBUM_KEEP`)."""
    now = time.monotonic()
    while _albums and (len(_albums) >= ALBUM_MAX
                       or now - next(iter(_albums.values())).seen_at > ALBUM_KEEP):
        _albums.popitem(last=False)
    return _albums.setdefault((chat_id, media_group_id), Album())


def captioned_part(state: Album) -> None:
    """A part with a caption: it is handled like any message and is the album's reply."""
    state.parts += 1
    state.answered = True


async def quiet_part(state: Album, reply: Callable[[], Awaitable[object]]) -> None:
    """A part without a caption: `reply()` once for the album if no part had a caption."""
    state.parts += 1
    if state.waiting or state.answered:
        return
    state.waiting = True
    for _ in range(ALBUM_ROUNDS):
        seen = state.parts
        await asyncio.sleep(ALBUM_QUIET)
        if state.parts == seen:
            break
    if not state.answered:
        state.answered = True
        await reply()
