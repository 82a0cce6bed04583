"""Results kept by the compute service: in memory up to a byte budget, least recently used out,
and optionally on disk (`diskcache`), so a restarted server or a second one reuses them."""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path
from typing import Any

_MISSING = object()


def nbytes(value: Any) -> int:
    """What `value` costs to keep: the size of its pickle (arrays and tensors dominate it)."""
    return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class ResultCache:
    """A byte-bounded LRU of results, with an optional disk layer below it.

    Memory holds the objects themselves (shared by every session, never copied: results are not
    changed after they are made). The disk layer holds pickles under a digest of the key and of
    `version` (the code that computed them), with its own size limit.
    """

    def __init__(self, max_bytes: int, directory: str | Path | None = None, version: str = "",
                 disk_bytes: int = 2 << 30) -> None:
        self.max_bytes = max_bytes
        self.version = version
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._seconds: dict[Hashable, float] = {}  # key -> seconds its computation took
        self._lock = threading.Lock()
        self._disk = None
        if directory:
            import diskcache

            self._disk = diskcache.Cache(str(directory), size_limit=disk_bytes,
                                         eviction_policy="least-recently-used")

    @property
    def bytes(self) -> int:
        """Bytes held in memory."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def digest(self, key: Hashable) -> str:
        """The disk name of `key`: stable across processes and restarts of the same code."""
        return hashlib.sha256(f"{self.version}|{key!r}".encode()).hexdigest()

    def seconds(self, key: Hashable) -> float | None:
        """How long computing `key` took, where the cache was told (kept on disk too)."""
        with self._lock:
            if key in self._seconds:
                return self._seconds[key]
        if self._disk is not None:
            return self._disk.get("t" + self.digest(key), default=None)
        return None

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            item = self._items.get(key, _MISSING)
            if item is not _MISSING:
                self._items.move_to_end(key)
                return item[0]
        if self._disk is not None:
            blob = self._disk.get(self.digest(key), default=None)
            if blob is not None:
                value = pickle.loads(blob)
                self._keep(key, value, len(blob))
                return value
        return default

    def put(self, key: Hashable, value: Any, size: int | None = None, seconds: float | None = None) -> None:
        """Keep `value` (of pickled `size`, or measured here), computed in `seconds`."""
        if seconds is not None:
            with self._lock:
                self._seconds[key] = seconds
        if self._disk is not None:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self._disk.set(self.digest(key), blob)
            if seconds is not None:
                self._disk.set("t" + self.digest(key), seconds)
            size = len(blob)
        self._keep(key, value, size if size is not None else nbytes(value))

    def _keep(self, key: Hashable, value: Any, size: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                gone, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
                self._seconds.pop(gone, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
