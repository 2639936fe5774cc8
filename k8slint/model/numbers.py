"""Numbers written in input files, read without the traps of ``str.isdigit`` and ``int``.

``"²".isdigit()`` is true but ``int("²")`` raises; ``int()`` also raises on
more than 4300 digits (and is slow well before that). Input digits are read
here: ASCII only, with a bound on their number.
"""

from __future__ import annotations

_DIGITS = frozenset("0123456789")


def is_ascii_digits(text: str) -> bool:
    """``0``-``9`` only, at least one."""
    return bool(text) and _DIGITS.issuperset(text)


def ascii_int(text: str, max_digits: int = 18) -> int | None:
    """The value of ``text`` when it is ASCII digits with at most ``max_digits`` significant ones, else None."""
    if not is_ascii_digits(text) or len(text.lstrip("0")) > max_digits:
        return None
    return int(text)
