"""CEL as the API server evaluates it: compiled once, run on JSON values under a cost budget.

The expressions of CustomResourceDefinition ``x-kubernetes-validations``,
ValidatingAdmissionPolicies and ``custom-rules`` are compiled and run with the
``common-expression-language`` package (Python bindings of the Rust ``cel``
crate, the ``cel`` extra: ``pip install 'k8slint[cel]'``). It is imported only
when an expression is compiled, so a run without CEL never loads it.

The Rust crate covers the CEL core, its macros, optional values and RE2-syntax
``matches`` (the ``regex`` crate is linear-time, like the RE2 the API server
uses); the package adds the cel-go strings, lists, math, sets and base64
extensions in Python. The Kubernetes libraries that are in neither are added
here, after kubernetes ``staging/src/k8s.io/apiserver/pkg/cel/library``:
``quantity`` and ``isQuantity`` (quantity.go), ``url`` and ``isURL``
(urls.go), the lists library's ``isSorted``, ``sum``, ``min``, ``max``,
``indexOf`` and ``lastIndexOf`` (lists.go), ``ip``, ``isIP``, ``cidr``,
``isCIDR`` and their methods (ip.go, cidr.go), ``semver`` and ``isSemver``
with their methods (semverlib.go), and ``format`` of the strings extension
(cel-go ``ext/formatting.go``). Optional selection (``self.?field``,
``m[?key]``), which the crate does not parse, is rewritten into calls of two
functions added here. Not available: the ``authz`` library, the regex
library's ``find``/``findAll``, ``optMap``/``optFlatMap`` and ``string()`` of
an IP or CIDR; an expression that uses them is reported as not evaluated,
never as failing.

Cost: neither the Rust crate nor any other Python CEL runtime meters
evaluation, so each evaluation is bounded before it runs. The estimate, like
the API server's static cost estimate (``apiextensions-apiserver
pkg/apiserver/schema/cel/compilation.go``), multiplies by the size of the
collections a comprehension may range over, but from the actual values rather
than ``maxItems``: ``length x (N + 1) ^ depth`` where ``N`` is the largest list
or map, or string per 16 characters, in the variables or literal in the
expression (half the length of each list or map literal), and ``depth`` the nesting of comprehensions plus one for the
linear operation at the innermost level (``map`` and ``filter`` count twice:
the crate builds their result by copying, which is quadratic; the quadratic
``sets`` functions and ``distinct`` once); a ``replace`` whose replacement is
not a literal counts ten times the square of the longest string. Past
:data:`COST_BUDGET` the expression is not run and the caller says so, and a
run makes at most :data:`MAX_EVALUATIONS` of one family (:class:`Evaluations`).
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from urllib.parse import quote, urlsplit

from k8slint.model.jsonvalues import as_json
from k8slint.model.quantity import QuantityError, parse_quantity

COST_BUDGET = 1_000_000_000
"""The largest estimated cost of one evaluation. The estimate is a bound, usually far above the real
work; an expression written to reach it runs for about a second (tests/test_cel_crd_rules.py)."""

MAX_EVALUATIONS = 200_000
"""The most evaluations of one family (CRD rules, admission policies) in a run: N rules on M
objects are N x M evaluations, and a hostile set can make both large (about 5 s of work)."""

INSTALL_HINT = "install the cel extra (pip install 'k8slint[cel]', Python 3.11 or later)"

MAX_EXPRESSION_LENGTH = 20_000
"""Longer expressions are not compiled (the API server's CRD validation refuses rules whose cost
it cannot bound, and no real rule is this long)."""


class CelUnavailable(Exception):
    """The CEL library is not installed (it needs Python 3.11+)."""


class CelCompileError(ValueError):
    """An expression that does not parse; the message says where, in the parser's words."""


class CelUnsupported(ValueError):
    """An expression that uses a CEL feature or Kubernetes library k8slint does not evaluate."""


class CelEvalError(ValueError):
    """An evaluation that failed (no such key, no such overload, overflow), as the API server's would."""


class CelBudgetExceeded(ValueError):
    """An evaluation whose estimated cost passes :data:`COST_BUDGET`; it was not run."""

    def __init__(self, estimate: int) -> None:
        super().__init__(f"its estimated cost {estimate:,} is over k8slint's budget of {COST_BUDGET:,}")
        self.estimate = estimate


_UNSUPPORTED_SYNTAX = re.compile(r"\.\?|\[\?")
_UNSUPPORTED_FUNCTIONS = frozenset(
    (
        "find",
        "findAll",
        "authorizer",
        "optMap",
        "optFlatMap",
        "sortBy",
        "range",
        "namespacedName",
        "getField",
    )
)
"""Kubernetes CEL functions k8slint does not evaluate (an expression calling one is not evaluated)."""

_KNOWN_FUNCTIONS = frozenset(
    (
        # CEL standard definitions (cel-spec langdef) and the cel-go extensions Kubernetes enables
        "size", "has", "all", "exists", "exists_one", "map", "filter", "int", "uint", "double", "string",
        "bytes", "bool", "dyn", "type", "duration", "timestamp", "matches", "contains", "startsWith",
        "endsWith", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getFullYear", "getHours",
        "getMilliseconds", "getMinutes", "getMonth", "getSeconds", "charAt", "indexOf", "lastIndexOf",
        "lowerAscii", "upperAscii", "replace", "split", "substring", "trim", "join", "reverse", "format",
        "quote", "isSorted", "sum", "min", "max", "flatten", "slice", "distinct", "sort", "first", "last",
        "greatest", "least", "abs", "sign", "ceil", "floor", "round", "trunc", "isNaN", "isInf", "isFinite",
        "sqrt", "bitOr", "bitAnd", "bitXor", "bitNot", "bitShiftLeft", "bitShiftRight", "encode", "decode",
        "equivalent", "intersects", "quantity", "isQuantity", "isLessThan", "isGreaterThan", "compareTo",
        "add", "sub", "asInteger", "asApproximateFloat", "isInteger", "url", "isURL", "getScheme", "getHost",
        "getHostname", "getPort", "getEscapedPath", "getQuery", "of", "none", "ofNonZeroValue", "hasValue", "value",
        "orValue", "or", "ip", "isIP", "isCanonical", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast",
        "isLinkLocalUnicast", "isGlobalUnicast", "cidr", "isCIDR", "containsIP", "containsCIDR", "masked", "prefixLength",
        "semver", "isSemver", "major", "minor", "patch", "optField", "optIndex",
    )
)  # fmt: skip
"""The functions k8slint evaluates: of the API server's CEL environment, and the two of optional selection.
An expression that calls another one is not evaluated (it may be a library k8slint does not know)."""

_COMPREHENSIONS = re.compile(r"\.\s*(all|exists_one|exists|map|filter)\s*\(")
_QUADRATIC_CALLS = re.compile(r"\bsets\.\s*(contains|equivalent|intersects)\s*\(|\.\s*distinct\s*\(")
"""The package's sets functions and distinct compare every element with every other one."""
_SQUARING_REPLACE = re.compile(r"\.\s*replace\s*\((?!\s*''\s*,\s*''\s*[,)])")
"""A replace whose arguments are not two literals (in the text with its literals emptied)."""
_QUADRATIC = frozenset(("map", "filter"))
_STRING_LITERAL = re.compile(r"""(?s)[rRbB]*('''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""")
_UNDEFINED = re.compile(r"Undefined variable or function: '([^']{0,200})'")


@dataclass(frozen=True, slots=True)
class CelProgram:
    """A compiled expression with what its cost estimate needs."""

    source: str
    program: Any
    depth: int
    literal_size: int
    squares_strings: bool = False
    """It calls ``replace`` with a replacement that is not a literal: its result may be as long as
    the product of two strings' lengths."""


def compile_cel(source: str) -> CelProgram:
    """Compile ``source``; raises :class:`CelCompileError`, :class:`CelUnsupported` or :class:`CelUnavailable`."""
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise CelUnsupported(f"the expression is {len(source):,} characters long, over k8slint's limit of {MAX_EXPRESSION_LENGTH:,}")
    cel = _cel_module()
    written = source
    if "matches" in source:
        source = global_matches_as_method(source)
    try:
        program = cel.compile(source)
    except BaseException as exc:
        if _is_panic(exc):  # a panic in the crate: not the expression's fault
            raise CelUnsupported("k8slint's CEL parser failed on it") from None
        if not isinstance(exc, (ValueError, RuntimeError)):
            raise
        if "Recursion limit" in str(exc):  # the crate parses 96 levels; cel-go, as the API server runs it, 250
            raise CelUnsupported("it nests deeper than the 96 levels k8slint's CEL parser takes") from None
        if _UNSUPPORTED_SYNTAX.search(_without_strings(source)) is None:
            raise CelCompileError(_parse_message(str(exc))) from None
        program = _compile_optional_selection(cel, source)
    called = set(program.functions())
    missing = sorted(name for name in called if name in _UNSUPPORTED_FUNCTIONS)
    if missing:
        raise CelUnsupported(f"it calls {', '.join(missing)}, which k8slint does not evaluate")
    if "string" in called and called & _IP_FUNCTIONS:
        raise CelUnsupported("it converts an IP address or CIDR to a string, which k8slint does not evaluate")
    unknown = sorted(name for name in called if name.isidentifier() and name not in _KNOWN_FUNCTIONS)
    if unknown:  # maybe a Kubernetes library function k8slint does not know: not evaluated, never an error
        raise CelUnsupported(f"it calls {', '.join(unknown)}, a function k8slint does not know")
    squares = _SQUARING_REPLACE.search(_without_strings(source)) is not None
    return CelProgram(written, program, _depth(source), _literal_size(source), squares)


_GLOBAL_MATCHES = re.compile(r"(?<![\w.])matches\s*\(")


def global_matches_as_method(source: str) -> str:
    """``matches(s, re)`` written as ``(s).matches(re)``: CEL defines both forms (cel-spec langdef, "Regular
    expressions"), the crate runs only the method. Strings are left alone; an argument list that is not two
    arguments is left for the compiler to judge."""
    strings = [m.span() for m in _STRING_LITERAL.finditer(source)]
    for found in _GLOBAL_MATCHES.finditer(source):
        if any(start <= found.start() < end for start, end in strings):
            continue
        arguments = _call_arguments(source, found.end())
        if arguments is None:
            return source
        parts, end = arguments
        if len(parts) != 2:
            continue
        subject, pattern = (global_matches_as_method(part.strip()) for part in parts)
        rewritten = f"({subject}).matches({pattern})"
        return source[: found.start()] + rewritten + global_matches_as_method(source[end:])
    return source


def _call_arguments(source: str, start: int) -> tuple[list[str], int] | None:
    """The arguments of the call whose ``(`` ends before ``start``, split at its top-level commas, and where
    the call ends; None where it never closes."""
    parts: list[str] = []
    depth = 0
    begin = index = start
    while index < len(source):
        char = source[index]
        if char in "'\"" or (char in "rRbB" and index + 1 < len(source) and source[index + 1] in "'\""):
            literal = _STRING_LITERAL.match(source, index)
            if literal is not None:
                index = literal.end()
                continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                parts.append(source[begin:index])
                return parts, index + 1
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(source[begin:index])
            begin = index + 1
        index += 1
    return None


def _compile_optional_selection(cel: Any, source: str) -> Any:
    """``source`` with its optional selections (``x.?f``, ``m[?k]``) made calls the crate can run."""
    try:
        rewritten = optional_selection_as_calls(source)
        return cel.compile(rewritten)
    except BaseException as exc:
        if not isinstance(exc, (ValueError, RuntimeError)) and not _is_panic(exc):
            raise
        # the crate's parser does not take the syntax, so its own error cannot say whether the rest parses
        raise CelUnsupported("it uses optional field selection in a form k8slint does not evaluate") from None


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def optional_selection_as_calls(source: str) -> str:
    """``x.?f`` as ``x.optField('f')`` and ``m[?k]`` as ``m.optIndex(k)``, as cel-go evaluates them.

    After an optional selection, the plain selections that follow it in the same
    chain are optional too (cel-go ``interpreter/attributes.go``: once a
    qualifier is optional, a missing field or key makes the chain ``none``
    instead of an error), so they are rewritten the same way until a call such
    as ``.orValue(...)`` ends the chain. String literals are copied as they are.
    """
    out: list[str] = []
    index, chained = 0, False
    while index < len(source):
        literal = _STRING_LITERAL.match(source, index)
        if literal is not None and (index == 0 or not (source[index - 1].isalnum() or source[index - 1] == "_")):
            out.append(literal.group(0))
            index, chained = literal.end(), False
            continue
        char = source[index]
        if char == "." and index + 1 < len(source) and source[index + 1] == "?":
            name = _IDENTIFIER.match(source, index + 2)
            if name is None:
                raise ValueError("an optional selection without a field name")
            out.append(f".optField('{name.group(0)}')")
            index, chained = name.end(), True
            continue
        if char == "[" and (source.startswith("[?", index) or (chained and out)):
            optional = source.startswith("[?", index)
            end = _closing_bracket(source, index)
            inner = source[index + (2 if optional else 1) : end]
            out.append(f".optIndex({optional_selection_as_calls(inner)})")
            index, chained = end + 1, True
            continue
        if chained and char == ".":
            name = _IDENTIFIER.match(source, index + 1)
            if name is not None and not source[name.end() :].lstrip().startswith("("):
                out.append(f".optField('{name.group(0)}')")
                index = name.end()
                continue
        if char != ".":  # a call, an operator, a space: the chain ends
            chained = False
        out.append(char)
        index += 1
    return "".join(out)


def _closing_bracket(source: str, start: int) -> int:
    depth = 0
    index = start
    while index < len(source):
        literal = _STRING_LITERAL.match(source, index)
        if literal is not None:
            index = literal.end()
            continue
        if source[index] in "[(":
            depth += 1
        elif source[index] in "])":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError("an unclosed bracket")


@dataclass(frozen=True, slots=True)
class Variables:
    """Variables as JSON values, with the sizes the cost estimate reads: made once for the many
    expressions evaluated over the same object."""

    values: dict[str, Any]
    collection: int
    string: int

    @classmethod
    def of(cls, variables: dict[str, Any]) -> Variables:
        values = {name: as_json(value) for name, value in variables.items()}
        return cls(values, *_largest(values.values()))

    def extended(self, **variables: Any) -> Variables:
        """These variables and some more (the ``variables`` of a policy, as they are computed)."""
        more = Variables.of(variables)
        return Variables({**self.values, **more.values}, max(self.collection, more.collection), max(self.string, more.string))


def evaluate(program: CelProgram, variables: dict[str, Any] | Variables) -> Any:
    """The value of ``program`` over ``variables`` (JSON values); raises :class:`CelEvalError` or :class:`CelBudgetExceeded`."""
    prepared = variables if isinstance(variables, Variables) else Variables.of(variables)
    estimate = estimated_cost(program, prepared)
    if estimate > COST_BUDGET:
        raise CelBudgetExceeded(estimate)
    try:
        return program.program.execute(_context(prepared))
    except Exception as exc:  # the crate raises the Python error its evaluation met: KeyError, TypeError, RuntimeError...
        raise CelEvalError(_eval_message(exc)) from None
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        raise CelEvalError(f"the CEL runtime failed on it ({_eval_message(exc)})") from None


def _is_panic(exc: BaseException) -> bool:
    """pyo3 raises a panic of the crate as PanicException, a BaseException: caught like any failure."""
    return type(exc).__name__ == "PanicException"


def estimated_cost(program: CelProgram, values: Iterable[Any] | Variables) -> int:
    """A bound on the work of one evaluation (see the module docs)."""
    collection, string = (values.collection, values.string) if isinstance(values, Variables) else _largest(values)
    largest = max(program.literal_size, collection, string // 16)
    cost = len(program.source) * (largest + 1) ** program.depth
    if program.squares_strings:  # s.replace('a', s): the product of the lengths, each character ten units
        cost = max(cost, 10 * max(string, program.literal_size) ** 2)
    return cost


def _largest(values: Iterable[Any]) -> tuple[int, int]:
    """The length of the largest list or map, and of the longest string, anywhere in ``values``."""
    collection = string = 0
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            collection = max(collection, len(value))
            stack.extend(value.values())
        elif isinstance(value, list):
            collection = max(collection, len(value))
            stack.extend(value)
        elif isinstance(value, str):
            string = max(string, len(value))
    return collection, string


def _without_strings(source: str) -> str:
    return _STRING_LITERAL.sub("''", source)


def _literal_size(source: str) -> int:
    """An upper bound on the size of a list, map or string written in the expression: half the length of
    each list or map literal (an item takes at least two characters, ``1,``), a sixteenth of each string
    literal's. An index (``a[0]``) is no literal; an expression with no literal adds nothing, whatever its
    length (the Gateway API's 1,000-character rules over a route's few parentRefs). One pass."""
    text = _without_strings(source)
    largest = max((len(m.group(0)) // 16 for m in _STRING_LITERAL.finditer(source)), default=0)
    opened: list[int | None] = []  # for each open bracket, where it opened if it opens a literal
    before = ""
    word_start = 0  # where the identifier that ends at ``before`` starts, when it is one
    for index, char in enumerate(text):
        if char in "[{(":
            indexes = bool(before) and (before.isalnum() or before in "_)].?") and text[word_start:index].strip() != "in"
            opened.append(None if char == "(" or indexes else index)
        elif char in "]})" and opened:
            start = opened.pop()
            if start is not None:
                largest = max(largest, (index - start + 1) // 2)
        if not char.isspace():
            if not (char.isalnum() or char == "_"):
                word_start = index + 1
            elif not (before.isalnum() or before == "_") or text[index - 1].isspace():
                word_start = index
            before = char
    for start in opened:  # never closed: it parses no further, but bound it all the same
        if start is not None:
            largest = max(largest, (len(text) - start) // 2)
    return largest


def _depth(source: str) -> int:
    """The nesting of comprehensions in ``source`` (map and filter counting twice, the quadratic
    sets functions and distinct once), plus one."""
    text = _without_strings(source)
    opens: list[int] = []  # for each open parenthesis, the depth of comprehensions it is inside
    starts = {m.end() - 1: 2 if m.group(1) in _QUADRATIC else 1 for m in _COMPREHENSIONS.finditer(text)}
    starts.update({m.end() - 1: 1 for m in _QUADRATIC_CALLS.finditer(text)})
    deepest = current = 0
    for index, char in enumerate(text):
        if char == "(":
            weight = starts.get(index, 0)
            opens.append(weight)
            current += weight
            deepest = max(deepest, current)
        elif char == ")" and opens:
            current -= opens.pop()
    chained = len(re.findall(r"\.\s*flatten\s*\(", text))  # a flattened list of lists is as long as all of them
    return deepest + chained + 1


def _parse_message(text: str) -> str:
    """The parser's error without the echo of the whole expression."""
    found = re.search(r"ERROR: <input>:(\d+):(\d+): (.*?)(?:\n|$)", text)
    if found:
        detail = re.sub(r" expecting \{.*", "", found.group(3))
        return f"line {found.group(1)}, column {found.group(2)}: {detail}"
    return text.splitlines()[0][:200] if text else "it does not parse"


def _eval_message(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, KeyError):
        return f"no such key: {text}"
    undefined = _UNDEFINED.search(text)
    if undefined:
        return f"no matching overload for {undefined.group(1)!r}, or no such variable"
    return text.splitlines()[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------
# the library and its Kubernetes additions

_cel: Any = None
_RUNTIME = "_k8slint_cel"


def _cel_module() -> Any:
    """The package's compiled module and its Python extensions, loaded without ``cel/__init__.py``.

    That file imports the package's interactive shell (typer, prompt_toolkit,
    pygments: 150 ms, and an asyncio stack that breaks where sockets are
    refused); the extension module and ``stdlib`` are loaded under a private
    package name instead, from the same folder.
    """
    global _cel
    if _cel is None:
        import importlib
        import importlib.util
        import sys
        import types

        try:
            spec = importlib.util.find_spec("cel")
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise CelUnavailable(f"the CEL library is not installed; {INSTALL_HINT}")
        # the extension may be initialised once per process: where the package was imported, use its module
        name = "cel" if "cel.cel" in sys.modules else _RUNTIME
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = list(spec.submodule_search_locations)
            sys.modules[name] = package
        # the crate logs each failing Python function through logging, with the input in the text: the
        # findings say it, escaped; nothing of it may reach stderr raw
        import logging

        for logger in ("cel", name, f"{name}.cel"):
            logging.getLogger(logger).disabled = True
        try:
            runtime: Any = importlib.import_module(f"{name}.cel")
            runtime.stdlib = importlib.import_module(f"{name}.stdlib")
        except ImportError:
            raise CelUnavailable(f"the CEL library could not be loaded; {INSTALL_HINT}") from None
        _cel = runtime
    return _cel


def optional_none() -> Any:
    """CEL's ``optional.none()``, the ``oldSelf`` of a rule with ``optionalOldSelf`` on create."""
    return _cel_module().OptionalValue.none()


def available() -> bool:
    """Whether CEL expressions can be evaluated in this installation."""
    try:
        _cel_module()
    except CelUnavailable:
        return False
    return True


_CONTEXTS: dict[frozenset[str], list[Any]] = {}
"""Per set of variable names: the context, and the :class:`Variables` it was last given."""


def _context(variables: Variables) -> Any:
    """A context with the functions and ``variables``. Registering the functions costs three times an
    evaluation, so one context is kept per set of variable names: every caller sets all of its
    names on each evaluation, so no value of an earlier one is left visible. Handing the values to
    the crate costs more than most evaluations, so the same variables (the rules of one value) are
    handed over once."""
    names = frozenset(variables.values)
    entry = _CONTEXTS.get(names)
    if entry is None:
        cel = _cel_module()
        context = cel.Context()
        cel.stdlib.add_stdlib_to_context(context)
        for name, function in _KUBERNETES_FUNCTIONS.items():
            context.add_function(name, function)
        entry = _CONTEXTS[names] = [context, None]
    if entry[1] is not variables:
        entry[0].update(variables.values)
        entry[1] = variables
    return entry[0]


_QUANTITY = "__k8slint_quantity__"
_URL = "__k8slint_url__"


def _quantity(text: Any) -> dict[str, str]:
    if not isinstance(text, str):
        raise TypeError("quantity() takes a string")
    try:
        value = parse_quantity(text)
    except QuantityError:
        raise ValueError(
            f"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {text[:100]!r}"
        ) from None
    return {_QUANTITY: f"{value.numerator}/{value.denominator}"}


def _is_quantity(text: Any) -> bool:
    try:
        _quantity(text)
    except (TypeError, ValueError):
        return False
    return True


def _fraction(value: Any) -> Fraction:
    if isinstance(value, dict) and _QUANTITY in value:
        numerator, _, denominator = str(value[_QUANTITY]).partition("/")
        return Fraction(int(numerator), int(denominator))
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    raise TypeError("no matching overload: a quantity was expected")


def _from_fraction(value: Fraction) -> dict[str, str]:
    return {_QUANTITY: f"{value.numerator}/{value.denominator}"}


def _compare(left: Any, right: Any) -> int:
    if isinstance(left, dict) and _QUANTITY in left:
        a, b = _fraction(left), _fraction(right)
        return (a > b) - (a < b)
    if isinstance(left, dict) and _SEMVER in left and isinstance(right, dict) and _SEMVER in right:
        return int(_version(left).compare(_version(right)))
    raise TypeError("no matching overload: compareTo, isLessThan and isGreaterThan take quantities or versions")


_SEMVER = "__k8slint_semver__"


def _parse_semver(text: Any, normalize: bool = False) -> Any:
    """kubernetes ``library/semverlib.go``: blang/semver's strict parse; ``normalize`` first drops a
    leading ``v``, fills a missing minor or patch with 0 and leading zeros of the three numbers."""
    import semver

    if not isinstance(text, str) or not isinstance(normalize, bool):
        raise TypeError("no matching overload for semver")
    if normalize:
        text = text.removeprefix("v")
        core, mark, rest = re.match(r"([^-+]*)([-+]?)(.*)", text, re.DOTALL).groups()  # type: ignore[union-attr]
        numbers = core.split(".")
        if len(numbers) <= 3 and all(n.isascii() and n.isdigit() for n in numbers):
            numbers = [str(int(n)) for n in numbers] + ["0"] * (3 - len(numbers))
        text = ".".join(numbers) + mark + rest
    try:
        return semver.Version.parse(text)
    except (ValueError, TypeError):
        raise ValueError(f"could not parse {text[:100]!r} as semver") from None


def _semver(text: Any, normalize: bool = False) -> dict[str, str]:
    return {_SEMVER: str(_parse_semver(text, normalize))}


def _is_semver(text: Any, normalize: bool = False) -> bool:
    try:
        _parse_semver(text, normalize)
    except (ValueError, TypeError):
        return False
    return True


def _version(value: Any) -> Any:
    if not isinstance(value, dict) or _SEMVER not in value:
        raise TypeError("no matching overload: a semver was expected")
    return _parse_semver(value[_SEMVER])


def _as_integer(value: Any) -> int:
    number = _fraction(value)
    if number.denominator != 1 or not -(2**63) <= number.numerator < 2**63:
        raise ValueError("cannot convert value to integer")
    return number.numerator


def _url(text: Any) -> dict[str, str]:
    if not isinstance(text, str) or not _is_url(text):
        raise ValueError(f"URL parse error during conversion from string: {str(text)[:100]!r}")
    return {_URL: text}


def _is_url(text: Any) -> bool:
    """Go's ``url.ParseRequestURI``: an absolute URL or an absolute path, no fragment parsing."""
    if not isinstance(text, str) or not text or any(ord(c) < 0x20 or c == "\x7f" for c in text):
        return False
    if text.startswith("/"):
        return True
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        return False
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme or ""))


def _url_part(name: str) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if not isinstance(value, dict) or _URL not in value:
            raise TypeError(f"no matching overload: {name} takes a URL")
        text = value[_URL]
        parts = urlsplit(text)
        if name == "getScheme":
            return parts.scheme
        if name == "getHost":
            return parts.netloc.rpartition("@")[2]
        if name == "getHostname":
            host = parts.netloc.rpartition("@")[2]
            if host.startswith("["):
                return host[1:].partition("]")[0]
            return host.rpartition(":")[0] if ":" in host else host
        if name == "getPort":
            host = parts.netloc.rpartition("@")[2]
            tail = host.rpartition("]")[2] if host.startswith("[") else host
            return tail.rpartition(":")[2] if ":" in tail else ""
        if name == "getEscapedPath":  # Go's URL.EscapedPath: what is not valid in a path, percent-encoded
            return quote(parts.path, safe="/$&+,:;=@!'()*%-._~")
        query: dict[str, list[str]] = {}
        for pair in parts.query.split("&") if parts.query else ():
            key, _, item = pair.partition("=")
            query.setdefault(key, []).append(item)
        return query

    return read


def _is_greater(left: Any, right: Any) -> bool:
    return _compare(left, right) > 0


def _is_less(left: Any, right: Any) -> bool:
    return _compare(left, right) < 0


def _add(left: Any, right: Any) -> dict[str, str]:
    return _from_fraction(_fraction(left) + _fraction(right))


def _sub(left: Any, right: Any) -> dict[str, str]:
    return _from_fraction(_fraction(left) - _fraction(right))


def _sign(value: Any) -> int:
    if isinstance(value, dict) and _QUANTITY in value:
        number = _fraction(value)
        return (number > 0) - (number < 0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # math.sign
        return (value > 0) - (value < 0)
    raise TypeError("no matching overload for sign")


def _is_sorted(items: Any) -> bool:
    values = _comparable_list(items, "isSorted")
    return all(a <= b for a, b in itertools.pairwise(values))


def _comparable_list(items: Any, name: str) -> list[Any]:
    if not isinstance(items, list):
        raise TypeError(f"no matching overload for {name}")
    if items and all(isinstance(i, dict) and _QUANTITY in i for i in items):
        return [_fraction(i) for i in items]
    return items


def _list_sum(items: Any) -> Any:
    values = _comparable_list(items, "sum")
    if items and isinstance(items[0], dict):
        return _from_fraction(sum(values, Fraction(0)))
    return sum(values)


def _extreme(name: str) -> Callable[..., Any]:
    pick = min if name == "min" else max

    def choose(*args: Any) -> Any:
        items = args[0] if len(args) == 1 and isinstance(args[0], list) else list(args)
        if not items:
            raise ValueError(f"{name} called on an empty list")
        return pick(items, key=lambda item: _fraction(item) if isinstance(item, dict) else item)

    return choose


def _index_of(haystack: Any, needle: Any, *start: Any) -> int:
    if isinstance(haystack, list):
        return next((i for i, item in enumerate(haystack) if item == needle), -1)
    if isinstance(haystack, str) and isinstance(needle, str):
        offset = start[0] if start else 0
        if not 0 <= offset <= len(haystack):
            raise ValueError("index out of range")
        return haystack.find(needle, offset)
    raise TypeError("no matching overload for indexOf")


def _last_index_of(haystack: Any, needle: Any, *end: Any) -> int:
    if isinstance(haystack, list):
        return next((i for i in range(len(haystack) - 1, -1, -1) if haystack[i] == needle), -1)
    if isinstance(haystack, str) and isinstance(needle, str):
        if end:
            if not 0 <= end[0] <= len(haystack):
                raise ValueError("index out of range")
            return haystack.rfind(needle, 0, end[0] + len(needle))
        return haystack.rfind(needle)
    raise TypeError("no matching overload for lastIndexOf")


_VERB = re.compile(r"%(?:\.(\d{1,3}))?([sdfeoxXb%])")


def _format(template: Any, arguments: Any) -> str:
    """cel-go ``ext.Strings`` ``format``: ``%s %d %f %e %x %X %o %b``, precision with ``%.Nf``."""
    if not isinstance(template, str) or not isinstance(arguments, list):
        raise TypeError("no matching overload for format")
    pending = iter(arguments)

    def verb(match: re.Match[str]) -> str:
        precision, kind = match.group(1), match.group(2)
        if kind == "%":
            return "%"
        try:
            value = next(pending)
        except StopIteration:
            raise ValueError("index out of range in format: too few arguments") from None
        if kind == "s":
            return _format_string(value)
        if kind == "d":
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError("error during formatting: integer clause can only be used on integers")
            return str(value)
        if kind in "fe":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError("error during formatting: fixed-point clause can only be used on doubles")
            places = int(precision) if precision is not None else 6
            if math.isnan(value) or math.isinf(value):
                return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            return f"{value:.{places}{kind}}"
        if isinstance(value, str) and kind in "xX":
            text = value.encode().hex()
            return text.upper() if kind == "X" else text
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("error during formatting: only integers can be formatted in this base")
        return format(value, {"x": "x", "X": "X", "o": "o", "b": "b"}[kind])

    return _VERB.sub(verb, template)


def _format_string(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_format_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_format_string(k)}: {_format_string(v)}" for k, v in value.items()) + "}"
    return str(value)


_IP = "__k8slint_ip__"
_CIDR = "__k8slint_cidr__"
_IP_FUNCTIONS = frozenset(("ip", "cidr", "masked"))


def _parse_ip(text: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address as kubernetes ``library/ip.go`` takes it: no zone, no IPv4-mapped IPv6 form."""
    if not isinstance(text, str) or "%" in text:
        raise ValueError(f"IP Address {str(text)[:100]!r} parse error during conversion from string")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"IP Address {text[:100]!r} parse error during conversion from string") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise ValueError(f"IPv4-mapped IPv6 address {text[:100]!r} is not allowed")
    return address


def _parse_cidr(text: Any) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    if not isinstance(text, str) or "%" in text or "/" not in text:
        raise ValueError(f"network address {str(text)[:100]!r} parse error during conversion from string")
    address, _, prefix = text.partition("/")
    _parse_ip(address)
    if not prefix.isascii() or not prefix.isdigit() or (len(prefix) > 1 and prefix.startswith("0")):
        raise ValueError(f"network address {text[:100]!r} parse error during conversion from string")
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        raise ValueError(f"network address {text[:100]!r} parse error during conversion from string") from None


def _ip_value(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(value, dict) and _IP in value:
        return ipaddress.ip_address(value[_IP])
    return _parse_ip(value)


def _cidr_value(value: Any) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    if isinstance(value, dict) and _CIDR in value:
        return ipaddress.ip_interface(value[_CIDR])
    return _parse_cidr(value)


def _ip(value: Any) -> dict[str, str]:
    """``ip(string)``, and ``cidr.ip()``: the address of a prefix."""
    if isinstance(value, dict) and _CIDR in value:
        return {_IP: str(_cidr_value(value).ip)}
    return {_IP: str(_parse_ip(value))}


def _is_ip(text: Any) -> bool:
    try:
        _parse_ip(text)
    except ValueError:
        return False
    return True


def _is_cidr(text: Any) -> bool:
    try:
        _parse_cidr(text)
    except ValueError:
        return False
    return True


def _ip_predicate(name: str) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        address = _ip_value(value)
        if name == "isUnspecified":
            return address.is_unspecified
        if name == "isLoopback":
            return address.is_loopback
        if name == "isLinkLocalMulticast":  # Go: 224.0.0.0/24, ff02::/16
            network = "224.0.0.0/24" if address.version == 4 else "ff02::/16"
            return address in ipaddress.ip_network(network)
        if name == "isLinkLocalUnicast":
            return address.is_link_local and not address.is_multicast
        # Go's IsGlobalUnicast: not unspecified, loopback, link-local, multicast or the IPv4 broadcast
        return not (
            address.is_unspecified
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address == ipaddress.ip_address("255.255.255.255")
        )

    return test


def _contains_ip(prefix: Any, value: Any) -> bool:
    return _ip_value(value) in _cidr_value(prefix).network


def _contains_cidr(prefix: Any, value: Any) -> bool:
    inner, outer = _cidr_value(value).network, _cidr_value(prefix).network
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def _present(receiver: Any) -> tuple[bool, Any]:
    """An optional receiver unwrapped: (False, None) when it is empty."""
    optional = _cel_module().OptionalValue
    if isinstance(receiver, optional):
        return (True, receiver.value()) if receiver.has_value() else (False, None)
    return True, receiver


def _opt_field(receiver: Any, name: Any) -> Any:
    optional = _cel_module().OptionalValue
    present, value = _present(receiver)
    if not present:
        return optional.none()
    if not isinstance(value, dict):
        raise TypeError("no matching overload: optional field selection on a value that has no fields")
    return optional.of(value[name]) if name in value else optional.none()


def _opt_index(receiver: Any, key: Any) -> Any:
    optional = _cel_module().OptionalValue
    present, value = _present(receiver)
    if not present:
        return optional.none()
    if isinstance(value, dict):
        return optional.of(value[key]) if key in value else optional.none()
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        return optional.of(value[key]) if 0 <= key < len(value) else optional.none()
    raise TypeError("no matching overload: optional index on a value that is neither a list nor a map")


_KUBERNETES_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "optField": _opt_field,
    "optIndex": _opt_index,
    "semver": _semver,
    "isSemver": _is_semver,
    "major": lambda value: _version(value).major,
    "minor": lambda value: _version(value).minor,
    "patch": lambda value: _version(value).patch,
    "ip": _ip,
    "isIP": _is_ip,
    "ip.isCanonical": lambda text: isinstance(text, str) and str(_parse_ip(text)) == text,
    "family": lambda value: _ip_value(value).version,
    **{
        name: _ip_predicate(name)
        for name in ("isUnspecified", "isLoopback", "isLinkLocalMulticast", "isLinkLocalUnicast", "isGlobalUnicast")
    },
    "cidr": lambda text: {_CIDR: str(_parse_cidr(text))},
    "isCIDR": _is_cidr,
    "containsIP": _contains_ip,
    "containsCIDR": _contains_cidr,
    "masked": lambda value: {_CIDR: str(_cidr_value(value).network)},
    "prefixLength": lambda value: _cidr_value(value).network.prefixlen,
    "quantity": _quantity,
    "isQuantity": _is_quantity,
    "isGreaterThan": _is_greater,
    "isLessThan": _is_less,
    "compareTo": _compare,
    "add": _add,
    "sub": _sub,
    "sign": _sign,
    "asInteger": _as_integer,
    "asApproximateFloat": lambda value: float(_fraction(value)),
    "isInteger": lambda value: _fraction(value).denominator == 1 and -(2**63) <= _fraction(value).numerator < 2**63,
    "url": _url,
    "isURL": _is_url,
    **{name: _url_part(name) for name in ("getScheme", "getHost", "getHostname", "getPort", "getEscapedPath", "getQuery")},
    "isSorted": _is_sorted,
    "sum": _list_sum,
    "min": _extreme("min"),
    "max": _extreme("max"),
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "format": _format,
}


class Evaluations:
    """A run's count of the evaluations of one family, against :data:`MAX_EVALUATIONS`."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_EVALUATIONS if limit is None else limit
        self.count = 0
        self.said = False
        """Whether the finding that says the budget is spent was made (once per run)."""

    def take(self, number: int = 1) -> bool:
        """Count ``number`` more evaluations; False once the budget is spent."""
        self.count += number
        return self.count <= self.limit

    def message(self, what: str) -> str:
        return f"k8slint's budget of {self.limit:,} evaluations of {what} in one run is spent; from this object on they were not evaluated"


_COMPILED: dict[str, CelProgram | CelCompileError | CelUnsupported | CelUnavailable] = {}


def compiled(source: str) -> CelProgram | CelCompileError | CelUnsupported | CelUnavailable:
    """``source`` compiled, or why not; each expression is compiled once per process."""
    if source not in _COMPILED:
        if len(_COMPILED) > 10_000:
            _COMPILED.clear()
        try:
            _COMPILED[source] = compile_cel(source)
        except (CelCompileError, CelUnsupported, CelUnavailable) as exc:
            _COMPILED[source] = exc
    return _COMPILED[source]
