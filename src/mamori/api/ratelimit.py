"""Rate limits for the public endpoints: a token bucket per client address and group.

In memory, per process: enough to blunt guessing of codes and flooding of forms on one
server; several processes each keep their own buckets. A bucket holds ``burst`` tokens
and refills at ``per_minute`` a minute; an empty bucket answers 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["TokenBuckets"]


class TokenBuckets:
    """Buckets by key; the least recently used are dropped past ``max_keys``."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        now: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if per_minute < 1 or burst < 1:
            raise ValueError("per_minute and burst must be at least 1")
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._now = now
        self._max = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> int | None:
        """Take a token: None when allowed, else the whole seconds to wait."""
        with self._lock:
            at = self._now()
            tokens, last = self._buckets.pop(key, (self._burst, at))
            tokens = min(self._burst, tokens + (at - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, at)
                wait = None
            else:
                self._buckets[key] = (tokens, at)
                wait = max(1, math.ceil((1.0 - tokens) / self._rate))
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
            return wait
