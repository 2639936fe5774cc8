"""Base64 as the API server reads it: ``[]byte`` fields (a Secret's data, a webhook's caBundle) are decoded by
encoding/json with Go's ``base64.StdEncoding``, which skips line breaks and nothing else."""

from __future__ import annotations

BASE64_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def illegal_base64(value: str) -> str | None:
    """What Go's base64.StdEncoding says of ``value`` where it does not decode (``\\r`` and ``\\n`` skipped, as
    ``decodeQuantum`` skips them), or None: padded to a multiple of 4 characters, ``=`` only at the end."""
    for offset, letter in enumerate(value):
        if letter not in BASE64_LETTERS and letter not in "=\r\n":
            return f"illegal base64 data at input byte {offset}"
    text = value.replace("\r", "").replace("\n", "")
    body = text.rstrip("=")
    if "=" in body or len(text) - len(body) > 2 or len(text) % 4:
        return "illegal base64 data: not padded to a multiple of 4 characters"
    return None


def only_blanks_illegal(value: str) -> bool:
    """Whether ``value`` is base64 but for spaces or tabs in it: what a folded YAML scalar makes of a value
    wrapped over several lines, and what other decoders (``base64 -d``, Python's) skip."""
    blank = any(letter in " \t" for letter in value)
    return blank and illegal_base64(value.replace(" ", "").replace("\t", "")) is None
