"""A bounded per-process memo: the one way a service, the gateway or a contract remembers answers.

``BoundedMemo(maxsize)`` keeps at most ``maxsize`` entries; storing one more forgets the oldest stored
first (a dict keeps insertion order, so finding it is O(1)). Storing a key again makes it the newest.
Every operation is a few dict operations that never yield to another greenthread, so under eventlet it
needs no lock. What it keeps must never change an answer: only values that cannot go stale, or that
carry what makes them stale (a version, an expiry), belong in it.
"""


class BoundedMemo:
    __slots__ = ("maxsize", "_entries", "get")

    def __init__(self, maxsize):
        if not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError("maxsize must be a positive integer")
        self.maxsize = maxsize
        self._entries = {}
        # ``get(key, default=None)``: the dict's own method, the hot path costs no extra call
        self.get = self._entries.get

    def put(self, key, value):
        """Remember ``value`` under ``key`` as the newest entry, forgetting the oldest past ``maxsize``."""
        entries = self._entries
        if key in entries:
            del entries[key]
        elif len(entries) >= self.maxsize:
            del entries[next(iter(entries))]
        entries[key] = value
        return value

    def pop(self, key, default=None):
        """Forget ``key``; its value, or ``default`` if it was not kept."""
        return self._entries.pop(key, default)

    def clear(self):
        self._entries.clear()

    def __len__(self):
        return len(self._entries)

    def __contains__(self, key):
        return key in self._entries

    def __repr__(self):
        return f"BoundedMemo(maxsize={self.maxsize}, size={len(self._entries)})"
