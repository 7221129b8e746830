"""The organisation "the company" points back to: the last one named in the 600 characters
before the sentence, found by bisecting the text's capitalised runs (computed once) rather
than re-reading those characters for every "the company said".

A capitalised name counts when the registry knows it as an organisation, or when business
words follow it ("Nvidia shares fell", "Orbis's profits"). Runs are the whole text's; only
the runs cut by either end of the window are read again as the window shows them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from . import lexicon as lx
from .names import Registry, cap_sequences, is_org, split_titles, strip_possessive

WINDOW = 600

_BUSINESS = re.compile(
    r"[’']?s?\s*(?:shares|stock|Inc|Corp|Ltd|plc|LLC|profits?|revenue|"
    r"chief executive|boss|board|bosses)\b"
)
_LOOK_AHEAD = 30  # characters after a name where business words count


class Firms:
    """Capitalised runs of one text, with what each run says about being a firm."""

    def __init__(self, text: str, registry: Registry) -> None:
        self.text = text
        self.registry = registry
        self.runs = cap_sequences(text)
        self.starts = [start for start, _, _ in self.runs]
        self.ends = [end for _, end, _ in self.runs]
        self._named: dict[str, tuple[str, int, bool, bool] | None] = {}
        # For each run, the last run at or before it that is a firm whatever follows the
        # window (its business words, if any, lie wholly inside the text).
        self._last_firm: list[int] = []
        last = -1
        for i, (start, end, run) in enumerate(self.runs):
            if self._is_firm(start, end, run, len(text)):
                last = i
            self._last_firm.append(last)

    def latest(self, limit: int) -> tuple[str, int] | None:
        """The last firm named in text[limit - WINDOW : limit], with where its name starts.

        The same answer as reading the window's capitalised runs afresh: the window's first
        characters (which may cut a word or a run, and whose first run may join the next)
        and its last runs (cut by its end, or with business words past it) are read again
        as the window shows them; the runs between are the whole text's.
        """
        base = max(0, limit - WINDOW)
        first = bisect_left(self.starts, base)
        head_end = first + 1 if base > 0 else first  # runs before this are read again
        tail = bisect_right(self.ends, limit - _LOOK_AHEAD)  # runs from this are read again
        if tail <= head_end:
            return self._in_window(base, limit, limit)
        if self.starts[tail] < limit if tail < len(self.runs) else False:
            best = self._in_window(self.starts[tail], limit, limit)
            if best:
                return best
        j = self._last_firm[tail - 1]
        if j >= head_end:
            return self._name_at(self.runs[j][0], self.runs[j][2])
        if head_end > first:
            return self._in_window(base, self.starts[head_end], limit)
        return None

    def _in_window(self, start: int, stop: int, limit: int) -> tuple[str, int] | None:
        best = None
        for run_start, run_end, run in cap_sequences(self.text[start:stop]):
            if self._is_firm(start + run_start, start + run_end, run, limit):
                best = self._name_at(start + run_start, run)
        return best

    def _classify(self, run: str) -> tuple[str, int, bool, bool] | None:
        """(name, where it starts in the run, a firm by its name, never a firm) for a run."""
        if run not in self._named:
            _, words = split_titles(run.split())
            name = strip_possessive(" ".join(words))
            if not words or name.lower() in lx.STOP_CAPS:
                self._named[run] = None
            else:
                entity = self.registry.resolve(name)
                by_name = bool(entity and entity.kind == "org") or is_org(name)
                never = bool(entity and entity.kind in ("person", "outlet"))
                self._named[run] = (name, run.find(words[0]), by_name, never)
        return self._named[run]

    def _is_firm(self, start: int, end: int, run: str, limit: int) -> bool:
        named = self._classify(run)
        if named is None or named[3]:
            return False
        return named[2] or bool(_BUSINESS.match(self.text, end, min(end + _LOOK_AHEAD, limit)))

    def _name_at(self, start: int, run: str) -> tuple[str, int]:
        named = self._classify(run)
        assert named is not None
        return named[0], start + named[1]
