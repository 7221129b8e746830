"""The earliest or latest source of a kind, found without scanning every source so far.

Coreference and merging ask "the last document whose head is 'study'", "the first unnamed
source with the modifier 'senior'". Scanning all sources for each question is quadratic in a
long text; these buckets answer in O(1) amortised. Sources can be dropped (a headline-only
source, a speaker folded into their post) and even added again, so an entry is checked with
`valid` when it is read and thrown away once it fails: a dropped key never comes back to
life under an old entry, because a key added again is pushed again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable


class Latest:
    """Per bucket, the key added last that is still valid."""

    def __init__(self, valid: Callable[[str, Hashable], bool]) -> None:
        self._valid = valid
        self._stacks: dict[Hashable, list[str]] = {}

    def push(self, bucket: Hashable, key: str) -> None:
        self._stacks.setdefault(bucket, []).append(key)

    def get(self, bucket: Hashable) -> str | None:
        stack = self._stacks.get(bucket)
        while stack:
            if self._valid(stack[-1], bucket):
                return stack[-1]
            stack.pop()
        return None


class First:
    """Per bucket, the key added first that is still valid (keys are never added twice)."""

    def __init__(self, valid: Callable[[str], bool]) -> None:
        self._valid = valid
        self._queues: dict[Hashable, deque[str]] = {}

    def push(self, bucket: Hashable, key: str) -> None:
        self._queues.setdefault(bucket, deque()).append(key)

    def get(self, bucket: Hashable) -> str | None:
        queue = self._queues.get(bucket)
        while queue:
            if self._valid(queue[0]):
                return queue[0]
            queue.popleft()
        return None
