"""A file's text, kept compressed once its documents are loaded.

Positions and snippets read a manifest's text long after it was parsed (a finding's line is
counted from the offsets the loader recorded; the report quotes the line). Kept as a ``str``, the
texts of a run are as large as its input: about a seventh of a 100,000-document run's peak
memory. Once a file's objects are made, :meth:`Text.pack` compresses it (zlib at its fastest
level: 87 MB of generated manifests become 13 MB); :meth:`Text.get` gives it back, decompressed
once and kept among the last few read, so that the findings of one file, stamped together, pay
for one decompression.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict

PACK_MIN = 4096
"""Characters below which a text stays a ``str``: the compressed bytes and their object would save little."""

_RECENT_LIMIT = 1 << 20
"""Characters of decompressed texts kept at most (the one last read always is)."""


class Text:
    """A text, as a ``str`` until :meth:`pack` compresses it."""

    __slots__ = ("_packed", "_value", "length")

    def __init__(self, value: str) -> None:
        self._value: str | None = value
        self._packed: bytes | None = None
        self.length = len(value)

    def get(self) -> str:
        value = self._value
        return value if value is not None else _recent.get(self)

    def pack(self) -> None:
        """Keep the text compressed from now on (a short one stays as it is)."""
        value = self._value
        if value is None or self.length < PACK_MIN:
            return
        # any str round-trips: a lone surrogate (a byte that was not UTF-8, read with surrogateescape) included
        self._packed = zlib.compress(value.encode("utf-8", "surrogatepass"), 1)
        self._value = None

    @property
    def packed(self) -> bool:
        return self._value is None

    def __repr__(self) -> str:
        return f"Text({self.length} characters{', packed' if self._value is None else ''})"


class _Recent:
    """The texts decompressed last, up to :data:`_RECENT_LIMIT` characters (LRU)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.texts: OrderedDict[Text, str] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()  # the language server lints on a worker thread and answers requests on another

    def get(self, text: Text) -> str:
        with self.lock:
            value = self.texts.get(text)
            if value is not None:
                self.texts.move_to_end(text)
                return value
            assert text._packed is not None
            value = zlib.decompress(text._packed).decode("utf-8", "surrogatepass")
            self.texts[text] = value
            self.size += len(value)
            while self.size > self.limit and len(self.texts) > 1:
                _, dropped = self.texts.popitem(last=False)
                self.size -= len(dropped)
            return value

    def clear(self) -> None:
        with self.lock:
            self.texts.clear()
            self.size = 0


_recent = _Recent(_RECENT_LIMIT)


def forget_recent() -> None:
    """Let go of the decompressed texts kept (the end of a run)."""
    _recent.clear()
