"""Kubernetes resource quantities, parsed exactly as the API server decodes them.

Grammar (k8s.io/apimachinery/pkg/api/resource)::

    quantity        ::= signedNumber suffix
    signedNumber    ::= number | sign number
    sign            ::= "+" | "-"
    number          ::= digits | digits "." digits | digits "." | "." digits
    suffix          ::= binarySI | decimalExponent | decimalSI
    binarySI        ::= Ki | Mi | Gi | Ti | Pi | Ei
    decimalSI       ::= m | "" | k | M | G | T | P | E   (plus u and n)
    decimalExponent ::= "e" signedInteger | "E" signedInteger

A JSON number (a YAML int or float) is read from its text the same way, and
the text of a string has surrounding white space trimmed first. Values are
exact fractions (rounded up to whole nano-units, binary ones capped at 2^63-1,
as the API server stores them), so comparisons never suffer from float rounding.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction
from typing import Any

# ASCII digits only: \d would take other scripts' digits, which the API server refuses
_NUMBER = re.compile(r"([+-]?)([0-9]+\.?[0-9]*|\.[0-9]*)(.*)", re.DOTALL)
_EXPONENT = re.compile(r"[eE]([+-]?)([0-9]+)")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


_MAX_EXPONENT = 1000
MAX_DIGITS = 1000
"""Longer numbers are refused: int() stops at 4300 digits, and no capacity needs a hundred."""
MAX_LENGTH = 2 * MAX_DIGITS
"""Longer texts are refused before parsing (and before they could fill the parse cache)."""
_NANO_PER_UNIT = 10**9
_INT64_MAX = 2**63 - 1


class QuantityError(ValueError):
    pass


def parse_quantity(value: Any) -> Fraction:
    """The exact value of a quantity given as a YAML string, int or float."""
    if isinstance(value, bool) or value is None:
        raise QuantityError(f"{value!r} is not a quantity")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(f"{value!r} is not a quantity")
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise QuantityError(f"a {type(value).__name__} is not a quantity")
    if len(text) > MAX_LENGTH:
        raise QuantityError(f"{len(text)} characters are more than k8slint reads in a quantity (at most {MAX_LENGTH})")
    return _parse_text(text)


@functools.lru_cache(maxsize=4096)  # manifests repeat the same few quantities
def _parse_text(text: str) -> Fraction:
    match = _NUMBER.fullmatch(text)
    if not match or not text:
        raise QuantityError(f"{text!r} is not a quantity: it must start with a number")
    sign, number, suffix = match.groups()
    digits = number.rstrip(".")
    count = len(digits) - ("." in digits)
    if count > MAX_DIGITS:
        raise QuantityError(f"{count} digits are more than k8slint reads in a quantity (at most {MAX_DIGITS})")
    magnitude = Fraction(digits) if digits else Fraction(0)
    binary = suffix in _BINARY
    if binary:
        magnitude *= Fraction(1024) ** _BINARY[suffix]
    elif suffix in _DECIMAL:
        magnitude *= Fraction(10) ** _DECIMAL[suffix]
    else:
        exponent = _EXPONENT.fullmatch(suffix)
        if not exponent:
            raise QuantityError(
                f"{text!r} is not a quantity: unknown suffix {suffix!r} "
                "(use Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent such as e3)"
            )
        # Exact arithmetic on 1e999999999 would take forever; such values are absurd anyway.
        exponent_sign, exponent_digits = exponent.groups()
        exponent_digits = exponent_digits.lstrip("0") or "0"
        power = _MAX_EXPONENT if len(exponent_digits) > 4 else min(_MAX_EXPONENT, int(exponent_digits))
        power = -power if exponent_sign == "-" else power
        magnitude *= Fraction(10) ** power
    magnitude = _canonical(magnitude, binary)
    return -magnitude if sign == "-" else magnitude


def _canonical(magnitude: Fraction, binary: bool) -> Fraction:
    """Round up to whole nano-units, and cap binary-suffixed values at 2^63-1, as the API server does."""
    if magnitude.denominator != 1:
        magnitude = Fraction(math.ceil(magnitude * _NANO_PER_UNIT), _NANO_PER_UNIT)
    return min(magnitude, Fraction(_INT64_MAX)) if binary else magnitude
