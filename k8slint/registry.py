"""The rule registry: rule definitions from ``rules/`` joined with their checks.

A rule is defined once, in ``rules/<CODE>-<name>.yaml``: its code, name,
default severity, category, summary, fix hint, options (as JSON Schema) and
docs. Its check is a Python function in ``k8slint/checks/`` registered with
:func:`object_check` or :func:`set_check` under the same code. Rules about
input that cannot be read are emitted by the loader (``emitted-by: loader``)
and have no check function.
"""

from __future__ import annotations

import enum
import functools
import importlib
import json
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k8slint.findings import Problem, Severity
from k8slint.resources import data_dir

ObjectCheckFn = Callable[[Any, Any], Iterable[Problem]]
SetCheckFn = Callable[[Any], Iterable[Problem]]


class Scope(str, enum.Enum):  # a str, as enum.StrEnum (Python 3.11+) would be
    """What a check is given: one object, one Dockerfile, one chart, or the whole set once."""

    OBJECT = "object"
    DOCKERFILE = "dockerfile"
    CHART = "chart"
    SET = "set"


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    func: Callable[..., Iterable[Problem]]
    scope: Scope
    kinds: frozenset[str] | None = None
    local: bool | Callable[[Any], bool] = False
    """An object check that reads nothing but its object and options (so it can run in a worker),
    or a predicate telling for which objects that holds; a set check that compares objects of
    one file only."""
    pods: bool = False
    """An object check that has nothing to say about objects without a pod spec (see K8sObject.pod_spec)."""
    templates: bool = False
    """An object check that also runs on each pod template a custom resource keeps elsewhere than
    ``spec.template`` (K8sObject.pod_template_views); every ``pods`` check does."""


@dataclass(frozen=True, slots=True)
class RuleDocs:
    what: str
    why: str
    example: str
    use_instead: str
    config: dict[str, Any] | None = None
    """The configuration the Example and Use instead are written for, if any."""
    file_name: str = "manifest.yaml"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    code: str
    name: str
    severity: Severity
    category: str
    summary: str
    hint: str
    docs: RuleDocs
    options: dict[str, Any] = field(default_factory=dict)
    """JSON Schema properties of the rule's options, each with a default."""
    aliases: tuple[str, ...] = ()
    emitted_by: str | None = None
    enabled_by_default: bool = True
    docs_testable: bool = True
    """False where the example cannot be written as a YAML file (a binary file, a crash)."""
    checks: tuple[Check, ...] = ()
    severities: dict[str, Severity] = field(default_factory=dict)
    """Severities of named variants of the rule, for the findings that need another one than the
    default (``severities:`` in its definition); a severity in config overrides them all."""
    severity_reason: str = ""
    """Why the default severity is the one the severity policy (README "Severity policy") gives it."""
    variant_reasons: dict[str, str] = field(default_factory=dict)
    """The same for each variant of ``severities``, by variant name."""
    fix: str | None = None
    """What `k8slint fix` does about a finding of the rule (``fix:`` in its definition), when the rule
    has a fix (registered with :func:`object_fix` or :func:`chart_fix`, see k8slint.fix)."""

    def severity_of(self, variant: str | None) -> Severity:
        """The default severity of a finding of ``variant`` (None: the rule's default)."""
        if variant is None:
            return self.severity
        try:
            return self.severities[variant]
        except KeyError:
            raise KeyError(f"rule {self.code} ({self.name}) declares no severity variant {variant!r}") from None

    @property
    def default_options(self) -> dict[str, Any]:
        return {key: spec.get("default") for key, spec in self.options.items()}


_CHECKS: list[Check] = []


def object_check(
    code: str,
    kinds: Iterable[str] | None = None,
    *,
    local: bool | Callable[[Any], bool] = False,
    pods: bool = False,
    templates: bool = False,
) -> Callable[[ObjectCheckFn], ObjectCheckFn]:
    """Register ``func(obj, ctx)`` as the check of rule ``code`` for objects of ``kinds`` (all if None).

    ``local=True`` promises that the check reads only its object, its options
    and what is the same for every object of the run (the target version, the
    built-in schemas), not the index or the Dockerfiles, so ``--jobs`` may run
    it in a worker process with the files it parsed. A predicate makes that
    promise for the objects it accepts only. ``pods=True`` runs the check only
    on objects with a pod spec (workloads, Pods, custom resources with a pod
    template), which the engine finds once for all such checks; such a check
    also runs on each pod template a custom resource keeps elsewhere (a
    RayCluster's worker groups: K8sObject.pod_template_views), and so does a
    check of every kind given ``templates=True`` (one that reads the pod spec
    among other things).
    """

    def register(func: ObjectCheckFn) -> ObjectCheckFn:
        checked = frozenset(kinds) if kinds is not None else None
        _CHECKS.append(Check(code, func, Scope.OBJECT, checked, local, pods, pods or (templates and checked is None)))
        return func

    return register


def dockerfile_check(code: str) -> Callable[[ObjectCheckFn], ObjectCheckFn]:
    """Register ``func(dockerfile, ctx)`` as the check of rule ``code`` for each Dockerfile."""

    def register(func: ObjectCheckFn) -> ObjectCheckFn:
        _CHECKS.append(Check(code, func, Scope.DOCKERFILE))
        return func

    return register


def chart_check(code: str) -> Callable[[ObjectCheckFn], ObjectCheckFn]:
    """Register ``func(chart, ctx)`` as the check of rule ``code`` for each Helm chart."""

    def register(func: ObjectCheckFn) -> ObjectCheckFn:
        _CHECKS.append(Check(code, func, Scope.CHART))
        return func

    return register


def set_check(code: str, *, local: bool = False) -> Callable[[SetCheckFn], SetCheckFn]:
    """Register ``func(ctx)`` as a cross-object check of rule ``code``; it sees the whole set.

    ``local=True`` promises that the check compares objects of one file (or
    stream) and never objects of two files, so ``--jobs`` may run it in a
    worker process on the whole files it parsed (its index then holds those).
    """

    def register(func: SetCheckFn) -> SetCheckFn:
        _CHECKS.append(Check(code, func, Scope.SET, local=local))
        return func

    return register


@dataclass(frozen=True, slots=True)
class Fixer:
    code: str
    func: Callable[..., Iterable[Any]]
    scope: Scope


FIXERS: list[Fixer] = []
"""The fixes of `k8slint fix`, registered when k8slint.fix imports its modules (``check`` never does)."""


def object_fix(code: str) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterable[Any]]]:
    """Register ``func(obj, document, ctx)`` as the fix of rule ``code`` for objects with its findings."""

    def register(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        FIXERS.append(Fixer(code, func, Scope.OBJECT))
        return func

    return register


def chart_fix(code: str) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterable[Any]]]:
    """Register ``func(chart, document, ctx)`` as the fix of rule ``code`` for charts with its findings."""

    def register(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        FIXERS.append(Fixer(code, func, Scope.CHART))
        return func

    return register


class Registry:
    def __init__(self, rules: Iterable[RuleSpec]) -> None:
        self.rules: tuple[RuleSpec, ...] = tuple(sorted(rules, key=lambda r: r.code))
        self._by_token: dict[str, RuleSpec] = {}
        for rule in self.rules:
            for token in (rule.code, rule.name, *rule.aliases):
                if token in self._by_token:
                    raise RuntimeError(f"rule token {token!r} is used twice")
                self._by_token[token] = rule

    def __iter__(self) -> Iterator[RuleSpec]:
        return iter(self.rules)

    def get(self, token: str) -> RuleSpec | None:
        """A rule by code (any case), name or former name."""
        return self._by_token.get(token) or self._by_token.get(token.upper())

    def __getitem__(self, token: str) -> RuleSpec:
        rule = self.get(token)
        if rule is None:
            raise KeyError(token)
        return rule

    @property
    def tokens(self) -> list[str]:
        return sorted(self._by_token)


COMPILED_NAME = "_compiled.json"
"""The rule definitions of ``rules/*.yaml`` as one JSON file, written by ``python -m k8slint.docs``
(:func:`write_compiled`): json reads it in a tenth of the time PyYAML takes for the 124 files, on
every start."""


def _definition_files() -> list[Path]:
    folder = data_dir("rules")
    return [folder / name for name in sorted(os.listdir(folder)) if name.endswith(".yaml")]  # as glob, without its cost


def definitions_digest(files: Iterable[Path]) -> str:
    """A checksum of the rule definition files (names and bytes), which the compiled file records.

    A CRC, not a cryptographic hash: it tells an edited definition from the one compiled, and
    nothing here defends against an adversary who can write k8slint's own files (hashlib would
    cost 2 ms to import on every start)."""
    checksum = 0
    for path in files:
        data = _read_bytes(path)
        checksum = zlib.crc32(f"{path.name}\0{len(data)}\0".encode(), checksum)
        checksum = zlib.crc32(data, checksum)
    return f"crc32:{checksum:08x}"


def _read_bytes(path: Path) -> bytes:
    """A small file's bytes, read without a Python file object (a third of the time, for 124 files on every start)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = []
        while chunk := os.read(fd, 1 << 16):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def parse_definitions(files: Iterable[Path]) -> list[dict[str, Any]]:
    """The rule definitions, read from their YAML files."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    definitions = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            definition = yaml.load(handle, Loader=loader)
        definition["_file"] = path.name
        definitions.append(definition)
    return definitions


def compiled_text(files: list[Path]) -> str:
    """The text of the compiled file for these definition files: their digest, then one rule per line."""
    rules = ",\n".join(json.dumps(d, ensure_ascii=False) for d in parse_definitions(files))
    comment = "Generated from rules/*.yaml by `python -m k8slint.docs`; do not edit by hand."
    return f'{{"comment": {json.dumps(comment)},\n"digest": "{definitions_digest(files)}",\n"rules": [\n{rules}\n]}}\n'


def write_compiled(folder: Path) -> Path:
    """Write ``folder/_compiled.json`` from the definitions in ``folder`` (the repository's ``rules/``), and
    the check index beside it."""
    target = folder / COMPILED_NAME
    target.write_text(compiled_text(sorted(folder.glob("*.yaml"))), encoding="utf-8")
    (folder / CHECK_INDEX_NAME).write_text(check_index_text(), encoding="utf-8")
    return target


def _load_definitions() -> list[dict[str, Any]]:
    """The rule definitions: from the compiled file when it was compiled from the YAML files there are
    now, else (a definition edited since, and not compiled again) from the YAML files themselves."""
    files = _definition_files()
    try:
        with open(data_dir("rules") / COMPILED_NAME, encoding="utf-8") as handle:
            compiled = json.load(handle)
    except (OSError, ValueError):
        compiled = None
    if isinstance(compiled, dict) and compiled.get("digest") == definitions_digest(files):
        return compiled["rules"]
    return parse_definitions(files)


def _severity_reasons(definition: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The rule's ``severity-reason`` and ``variant-reasons``, refused unless every severity has one."""
    where = definition.get("_file", definition.get("code"))
    reason = definition.get("severity-reason")
    if not isinstance(reason, str) or not reason.strip():
        raise RuntimeError(f"rule {where} has no severity-reason: justify its default severity against the severity policy")
    variants = definition.get("severities") or {}
    reasons = definition.get("variant-reasons") or {}
    if not isinstance(reasons, dict) or set(reasons) != set(variants):
        raise RuntimeError(
            f"rule {where}: variant-reasons must justify each variant of severities, no more and no fewer "
            f"(severities: {sorted(variants)}, variant-reasons: {sorted(reasons) if isinstance(reasons, dict) else reasons!r})"
        )
    for name, text in reasons.items():
        if not isinstance(text, str) or not text.strip():
            raise RuntimeError(f"rule {where}: variant-reasons.{name} is empty")
    return reason.strip(), {name: text.strip() for name, text in reasons.items()}


def check_modules() -> list[str]:
    """The modules (and packages) of k8slint/checks/ in name order, as pkgutil.iter_modules gives them
    (which costs 2 ms to import)."""
    import k8slint.checks as package

    folder = package.__path__[0]
    names = []
    for name in sorted(os.listdir(folder)):
        module, extension = os.path.splitext(name)
        is_package = not extension and os.path.isfile(os.path.join(folder, name, "__init__.py"))
        if (extension == ".py" or is_package) and module != "__init__" and module.isidentifier():
            names.append(f"{package.__name__}.{module}")
    return names


CHECK_INDEX_NAME = "_checks.json"
"""The checks of the modules of k8slint/checks/ whose every check takes a Dockerfile, a chart, or an object
of kinds it names, written by ``python -m k8slint.docs`` (:func:`write_compiled`): a run imports such a module
only when it has such a subject to check (a run of one manifest has no Dockerfile, no chart, no HTTPRoute)."""


class DeferredCheck:
    """The check function ``name`` of ``module``, a module imported at the first call (the first subject
    it is given), not at start-up."""

    __slots__ = ("_func", "module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._func: Callable[..., Iterable[Problem]] | None = None

    def __call__(self, *args: Any) -> Iterable[Problem]:
        if self._func is None:
            self._func = getattr(importlib.import_module(self.module), self.name)
        return self._func(*args)

    def __repr__(self) -> str:
        return f"<check {self.module}.{self.name}, imported at its first call>"


def _source_digest(module: str) -> str | None:
    """A checksum of a check module's source file (None: no source file to read)."""
    try:
        with open(os.path.join(_checks_folder(), module.rpartition(".")[2] + ".py"), "rb") as handle:
            return f"crc32:{zlib.crc32(handle.read()):08x}"
    except OSError:
        return None


def _checks_folder() -> str:
    import k8slint.checks as package

    return str(package.__path__[0])


def _deferrable(check: Check) -> bool:
    """Whether a check is called only for a subject that a run may well not have: a Dockerfile, a chart, or
    an object of the kinds it names (and its promise to be local is a plain yes or no, not a function of
    its module)."""
    if check.scope in (Scope.DOCKERFILE, Scope.CHART):
        return check.kinds is None and check.local is False and not check.pods
    return check.scope == Scope.OBJECT and check.kinds is not None and isinstance(check.local, bool) and not check.pods


def check_index_text() -> str:
    """The text of the check index: each check module whose checks are all deferrable, with the digest of
    its source and its checks in the order it registers them."""
    _import_modules(check_modules())
    by_module = _by_module(_CHECKS)
    entries = []
    for module in check_modules():
        checks = by_module.get(module, [])
        if not checks or not all(_deferrable(check) for check in checks):
            continue
        listed = [
            {
                "code": check.code,
                "function": check.func.__name__,
                "scope": check.scope.value,
                "kinds": sorted(check.kinds) if check.kinds is not None else None,
                "local": check.local,
            }
            for check in checks
        ]
        entries.append(json.dumps({"module": module, "digest": _source_digest(module), "checks": listed}))
    comment = "Generated from k8slint/checks/ by `python -m k8slint.docs`; do not edit by hand."
    return f'{{"comment": {json.dumps(comment)},\n"modules": [\n' + ",\n".join(entries) + "\n]}\n"


def _deferred_checks() -> dict[str, list[Check]]:
    """The checks of the index, by module: of the modules not imported yet whose source is the one indexed."""
    try:
        with open(data_dir("rules") / CHECK_INDEX_NAME, encoding="utf-8") as handle:
            index = json.load(handle)
    except (OSError, ValueError):
        return {}
    deferred: dict[str, list[Check]] = {}
    for entry in index.get("modules", []) if isinstance(index, dict) else []:
        module = entry["module"]
        if module in sys.modules or entry["digest"] is None or entry["digest"] != _source_digest(module):
            continue  # imported already (its checks are registered), or edited since it was indexed
        deferred[module] = [
            Check(
                c["code"],
                DeferredCheck(module, c["function"]),
                Scope(c["scope"]),
                frozenset(c["kinds"]) if c["kinds"] is not None else None,
                c["local"],
            )
            for c in entry["checks"]
        ]
    return deferred


def _by_module(checks: Iterable[Check]) -> dict[str, list[Check]]:
    grouped: dict[str, list[Check]] = {}
    for check in checks:
        grouped.setdefault(getattr(check.func, "__module__", ""), []).append(check)
    return grouped


def _import_modules(names: Iterable[str]) -> None:
    for name in names:
        importlib.import_module(name)


def _registered_checks() -> list[Check]:
    """Every check, in the order an import of every check module (in name order) registers them; the
    modules of the check index are left for their first subject."""
    modules = check_modules()
    deferred = _deferred_checks()
    _import_modules(name for name in modules if name not in deferred)
    registered = _by_module(_CHECKS)
    ordered = [check for name in modules for check in deferred.get(name) or registered.pop(name, [])]
    return ordered + [check for checks in registered.values() for check in checks]  # registered elsewhere (tests)


@functools.cache
def registry() -> Registry:
    """The built-in rules (loaded once per process)."""
    checks: dict[str, list[Check]] = {}
    for check in _registered_checks():
        checks.setdefault(check.code, []).append(check)
    rules = []
    for d in _load_definitions():
        docs = d["docs"]
        severity_reason, variant_reasons = _severity_reasons(d)
        rules.append(
            RuleSpec(
                code=d["code"],
                name=d["name"],
                severity=Severity.parse(d["severity"]),
                category=d["category"],
                summary=d["summary"],
                hint=d["hint"],
                docs=RuleDocs(
                    docs["what"],
                    docs["why"],
                    docs["example"],
                    docs["use-instead"],
                    docs.get("config"),
                    docs.get("file-name", "manifest.yaml"),
                ),
                options=d.get("options") or {},
                aliases=tuple(d.get("aliases") or ()),
                emitted_by=d.get("emitted-by"),
                enabled_by_default=d.get("enabled-by-default", True),
                docs_testable=d.get("docs-testable", True),
                checks=tuple(checks.pop(d["code"], ())),
                severities={name: Severity.parse(value) for name, value in (d.get("severities") or {}).items()},
                severity_reason=severity_reason,
                variant_reasons=variant_reasons,
                fix=d["fix"].strip() if isinstance(d.get("fix"), str) else None,
            )
        )
    if checks:
        raise RuntimeError(f"checks registered for undefined rules: {sorted(checks)}")
    return Registry(rules)
