"""Finding, reading and validating the configuration, and the settings of a run."""

from __future__ import annotations

import copy
import os
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k8slint.errors import ConfigError
from k8slint.findings import Severity, format_path
from k8slint.registry import Registry, RuleSpec
from k8slint.repository import CONFIG_NAMES, repository_root


@dataclass(slots=True)
class Settings:
    """Everything a run needs to know, after config file and flags are merged."""

    registry: Registry
    namespace: str = "default"
    fail_on: Severity = Severity.ERROR
    exclude: list[str] = field(default_factory=list)
    default_excludes: bool = True
    """Leave out test-data folders (testdata, _testdata, __fixtures__, __snapshot__, folders named invalid, tests/data, test/fixtures, tests/golden), vendor and node_modules
    while walking (said in the report)."""
    disabled: set[str] = field(default_factory=set)
    severities: dict[str, Severity] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    config_file: str | None = None
    kubernetes_version: str | None = None
    """Target minor version; None until resolved against the installed schemas."""
    schema_locations: list[str] = field(default_factory=list)
    policy_dirs: list[str] = field(default_factory=list)
    """Folders of admission policies applied to the linted objects (--policies), not linted themselves."""
    external_objects: list[str] = field(default_factory=list)
    images: dict[str, Any] = field(default_factory=dict)
    build_args: dict[str, str] = field(default_factory=dict)
    """Values of Dockerfile ARGs for every Dockerfile (``build-args``, ``--build-arg``)."""
    targets: list[str] = field(default_factory=list)
    """Stages ``--target`` names: each Dockerfile that has one is checked as built to it."""
    trusted_registries: list[str] = field(default_factory=list)
    insecure_registries: list[str] = field(default_factory=list)
    check_registry: bool = False
    render_helm: bool = False
    """Render Helm charts with helm (--render, ``render``, ``helm.render``)."""
    render_kustomize: bool = False
    """Build kustomizations with kustomize (--render, ``render``)."""
    max_file_size: int = 32 * 1024 * 1024
    render_values: list[str] = field(default_factory=list)
    render_set: list[str] = field(default_factory=list)
    """``--set`` expressions for the charts' renders (Helm's strvals syntax), after the values files."""
    chart_root: str | None = None
    """``--chart-root``: the chart that rendered the ``helm template`` output read from standard input."""

    def __post_init__(self) -> None:
        self.disabled |= {rule.code for rule in self.registry if not rule.enabled_by_default}

    def enable(self, *tokens: str) -> None:
        self.disabled -= {self.registry[token].code for token in tokens}

    def disable(self, *tokens: str) -> None:
        self.disabled |= {self.registry[token].code for token in tokens}

    def enabled(self, token: str) -> bool:
        return self.registry[token].code not in self.disabled

    @property
    def config_dir(self) -> str:
        """Where paths in the config are relative to (the working directory without a config file)."""
        return os.path.dirname(os.path.abspath(self.config_file)) if self.config_file else os.getcwd()

    def enabled_rules(self) -> list[RuleSpec]:
        return [rule for rule in self.registry if rule.code not in self.disabled]

    def severity(self, rule: RuleSpec) -> Severity:
        return self.severities.get(rule.code, rule.severity)

    def rule_options(self, rule: RuleSpec) -> dict[str, Any]:
        return {**rule.default_options, **self.options.get(rule.code, {})}


def find_config(start: Path) -> Path | None:
    """``.k8slint.yaml`` in ``start`` or above, or a pyproject.toml with ``[tool.k8slint]``.

    ``start`` is the linted path (a file stands for its folder). The search
    stops at the repository root (the folder holding ``.git``): a config above
    the repository is never applied. Outside any repository it stops at the
    working directory when ``start`` lies in it, and looks in ``start`` alone
    otherwise, so that a folder such as /tmp or a home directory above an
    unpacked tarball never lends its config to the run.
    """
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    candidates = [folder, *folder.parents]
    root = repository_root(folder)
    if root is None:
        here = Path(os.path.abspath(os.getcwd()))
        candidates = candidates[: candidates.index(here) + 1] if here in candidates else [folder]
    else:
        candidates = candidates[: candidates.index(root) + 1]
    for candidate in candidates:
        for name in CONFIG_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_section(pyproject):
            return pyproject
    return None


def config_root(config_path: Path) -> Path:
    """The repository a config belongs to: the folder holding ``.git`` above it, else the config's folder."""
    folder = Path(os.path.abspath(config_path)).parent
    return repository_root(folder) or folder


def _read_repository_text(path: Path) -> str:
    """A config file found in the repository: a regular file inside it (see k8slint.sources.safefs)."""
    from k8slint.sources.safefs import Roots, Skipped, TooLarge, read_bytes

    roots = Roots((os.path.realpath(config_root(path)),))
    try:
        return read_bytes(str(path), roots, CONFIG_MAX_SIZE).decode("utf-8")
    except Skipped as exc:
        raise ConfigError(f"{path}: {str(exc).replace('the linted paths', 'the repository')}") from None
    except TooLarge:
        raise ConfigError(f"{path}: the config is larger than {CONFIG_MAX_SIZE:,} bytes; not read") from None


CONFIG_MAX_SIZE = 1024 * 1024


def _has_tool_section(pyproject: Path) -> bool:
    try:
        text = _read_repository_text(pyproject)
    except (OSError, UnicodeDecodeError, ConfigError):
        return False
    return "[tool.k8slint" in text


def read_config(path: Path, *, named: bool = True) -> dict[str, Any]:
    """The config in ``path``. One found in the repository (not ``named`` by the user) must be a
    regular file inside the repository."""
    try:
        text = path.read_text(encoding="utf-8") if named else _read_repository_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    if path.name == "pyproject.toml":
        try:
            import tomllib  # type: ignore[import-not-found]
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        try:
            data = tomllib.loads(text).get("tool", {}).get("k8slint", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        return data
    import yaml

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping, not {type(data).__name__}")
    return data


def config_schema(registry: Registry, named: Container[str] | None = None) -> dict[str, Any]:
    """The config schema, with every rule's options composed in from the registry.

    With ``named``, only the rules of those tokens are composed in: a config whose ``rules`` names
    no other token gets the same verdict from it (each rule's setting is a schema of its own), and
    composing and compiling 124 rules' settings took longer than the rest of reading a config."""
    from k8slint.resources import load_schema

    schema = copy.deepcopy(load_schema("config"))
    rule_properties: dict[str, Any] = {}
    for rule in registry:
        tokens = (rule.code, rule.name, *rule.aliases)
        if named is not None and not any(token in named for token in tokens):
            continue
        setting = copy.deepcopy(schema["$defs"]["rule-setting"])
        options = setting["oneOf"][2]["properties"]["options"]
        options["additionalProperties"] = False
        options["properties"] = rule.options
        for token in tokens:
            if named is None or token in named:
                rule_properties[token] = setting
    schema["properties"]["rules"]["properties"] = rule_properties
    schema["properties"]["rules"]["additionalProperties"] = False
    return schema


def validate_config(data: dict[str, Any], registry: Registry, origin: str) -> None:
    """Raise a one-line :class:`ConfigError` naming the first bad key."""
    from k8slint.resources import load_schema

    known = list(load_schema("config")["properties"])
    for key in data:
        if key not in known:
            raise ConfigError(f"{origin}: unknown key {key!r}{_suggest(str(key), known)}")
    rules = data.get("rules")
    if isinstance(rules, dict):
        for token in rules:
            if not isinstance(token, str) or registry.get(token) is None:
                raise ConfigError(f"{origin}: rules: unknown rule {token!r}{_suggest(str(token), registry.tokens)}")
    if _valid(config_schema(registry, set(rules) if isinstance(rules, dict) else set()), data):
        return
    import jsonschema

    validator = jsonschema.Draft202012Validator(config_schema(registry))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = format_path(tuple(error.absolute_path)) or "(top level)"
        raise ConfigError(f"{origin}: {where}: {_explain(error)}")


def _valid(schema: dict[str, Any], data: dict[str, Any]) -> bool:
    """Whether jsonschema-rs finds the config valid: then jsonschema (pure Python, whose best_match picks
    the error a person reads, and which takes 35 ms to import) need not be asked. A config it refuses, or
    that holds a YAML value with no JSON type (a date), goes to jsonschema, whose verdict stands: the two
    implement the same draft, and where their regular expressions differ on the config's patterns, the
    Rust one is the stricter (``$`` does not match before a final newline)."""
    import jsonschema_rs

    def retrieve_nothing(uri: str) -> Any:  # the config schema's references are all inside it
        raise ValueError(f"{uri} is not retrieved")

    try:
        return bool(jsonschema_rs.Draft202012Validator(schema, validate_formats=False, retriever=retrieve_nothing).is_valid(data))
    except (ValueError, TypeError):
        return False


def _explain(error: Any) -> str:
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = sorted(error.schema.get("properties", {}))
        suggestion = _suggest(extra[0], known) if extra else ""
        return f"unknown key {extra[0]!r}{suggestion}" if extra else error.message
    if error.validator == "maxItems":
        return f"at most {error.validator_value} entries, not {len(error.instance)}"
    if error.validator == "oneOf" and tuple(error.absolute_path)[:1] == ("custom-rules",):
        return "a custom rule needs exactly one of cel and schema"
    if error.validator == "oneOf" and error.context:
        return "expected off, on, error, warning, info, or a mapping with enabled, severity and options"
    return error.message


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib  # only for a config that names something unknown

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def build_settings(
    registry: Registry,
    config_path: Path | None,
    *,
    namespace: str | None = None,
    fail_on: str | None = None,
    exclude: Iterable[str] = (),
    default_excludes: bool | None = None,
    kubernetes_version: str | None = None,
    strict: bool | None = None,
    schema: bool | None = None,
    schema_locations: Iterable[str] = (),
    policy_dirs: Iterable[str] = (),
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    check_registry: bool = False,
    render: bool | None = None,
    render_values: Iterable[str] = (),
    render_set: Iterable[str] = (),
    chart_root: str | None = None,
    config_named: bool = False,
) -> Settings:
    """The settings of a run: the config in ``config_path`` (``config_named``: given with --config),
    then the flags, which win."""
    data: dict[str, Any] | None = None
    if config_path is not None:
        data = read_config(config_path, named=config_named)
        origin = os.path.relpath(config_path) if config_path.is_absolute() else str(config_path)
        registry = with_custom_rules(registry, data, origin)
        validate_config(data, registry, origin)
    settings = Settings(registry)
    if config_path is not None and data is not None:
        check_config_paths(data, config_path, origin)
        settings.config_file = str(config_path)
        _apply(settings, data)
    if namespace is not None:
        settings.namespace = namespace
    if fail_on is not None:
        settings.fail_on = Severity.parse(fail_on)
    settings.exclude.extend(exclude)
    if default_excludes is not None:
        settings.default_excludes = default_excludes
    if kubernetes_version is not None:
        settings.kubernetes_version = kubernetes_version
    settings.schema_locations.extend(schema_locations)
    settings.policy_dirs.extend(policy_dirs)
    settings.check_registry = check_registry
    if render is not None:  # --render / --no-render: both engines, over what the config says
        settings.render_helm = settings.render_kustomize = render
    settings.render_values.extend(render_values)
    settings.render_set.extend(render_set)
    settings.chart_root = chart_root if chart_root is not None else settings.chart_root
    if strict:
        settings.enable("unknown-field")
    if schema is False:
        settings.disable(*SCHEMA_RULES)
    selected = [_rule_token(registry, token) for token in _split(select)]
    if selected:
        # rules about input that cannot be read stay on: a file that was not linted must be said
        settings.disabled = {r.code for r in registry if r.emitted_by is None} - set(selected)
    settings.disabled |= {_rule_token(registry, token) for token in _split(ignore)}
    return settings


def with_custom_rules(registry: Registry, data: dict[str, Any], origin: str) -> Registry:
    """The registry with the config's ``custom-rules`` added (k8slint.customrules); a rule that
    is malformed or does not compile is a :class:`ConfigError` naming it."""
    entries = data.get("custom-rules")
    if not entries:
        return registry
    validate_config({"custom-rules": entries}, registry, origin)
    from k8slint.customrules import custom_rule_specs

    return Registry([*registry, *custom_rule_specs(entries, set(registry.tokens), origin)])


def config_paths(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """(key path, value) of every config value that names a file or folder."""
    found: list[tuple[tuple[Any, ...], str]] = []
    for index, value in enumerate(data.get("schema-locations") or []):
        found.append((("schema-locations", index), value))
    for index, value in enumerate(data.get("policies") or []):
        found.append((("policies", index), value))
    for index, value in enumerate((data.get("helm") or {}).get("values") or []):
        found.append((("helm", "values", index), value))
    for repository, entry in (data.get("images") or {}).items():
        if isinstance(entry, str):
            found.append((("images", repository), entry))
        elif isinstance(entry, dict) and isinstance(entry.get("dockerfile"), str):
            found.append((("images", repository, "dockerfile"), entry["dockerfile"]))
    return found


def check_config_paths(data: dict[str, Any], config_path: Path, origin: str) -> None:
    """Raise a one-line :class:`ConfigError` for a path in the config that leads outside its repository.

    Paths are relative to the config's folder; symlinks are resolved. The
    repository is the folder holding ``.git`` above the config (else the
    config's folder). Flags on the command line may name any path: the user
    asked for it; a config in a repository under review may not.
    """
    base = os.path.dirname(os.path.abspath(config_path))
    root = os.path.realpath(config_root(config_path))
    for key, value in config_paths(data):
        real = os.path.realpath(os.path.join(base, value))
        if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
            raise ConfigError(
                f"{origin}: {format_path(key)}: {value!r} is outside the repository ({root}); "
                "a config may name only paths inside it (give the path on the command line instead)"
            )


def _split(tokens: Iterable[str]) -> list[str]:
    return [part.strip() for token in tokens for part in token.split(",") if part.strip()]


def _rule_token(registry: Registry, token: str) -> str:
    from k8slint.errors import UsageError

    rule = registry.get(token)
    if rule is None:
        raise UsageError(f"unknown rule {token!r}{_suggest(token, registry.tokens)}; `k8slint rules` lists them")
    return rule.code


SCHEMA_RULES = ("schema-violation", "unknown-field", "unknown-kind")


def _apply(settings: Settings, data: dict[str, Any]) -> None:
    settings.namespace = data.get("namespace", settings.namespace)
    if "fail-on" in data:
        settings.fail_on = Severity.parse(data["fail-on"])
    settings.exclude.extend(data.get("exclude", []))
    settings.default_excludes = data.get("default-excludes", settings.default_excludes)
    settings.kubernetes_version = data.get("kubernetes-version", settings.kubernetes_version)
    settings.schema_locations.extend(os.path.join(settings.config_dir, v) for v in data.get("schema-locations", []))
    settings.policy_dirs.extend(os.path.join(settings.config_dir, v) for v in data.get("policies", []))
    settings.external_objects.extend(data.get("external-objects", []))
    settings.images.update(data.get("images", {}))
    settings.build_args.update({str(k): str(v) for k, v in (data.get("build-args") or {}).items()})
    settings.max_file_size = data.get("max-file-size", settings.max_file_size)
    settings.trusted_registries.extend(data.get("trusted-registries", []))
    settings.insecure_registries.extend(data.get("insecure-registries", []))
    if "render" in data:
        settings.render_helm = settings.render_kustomize = bool(data["render"])
    helm = data.get("helm") or {}
    settings.render_helm = bool(helm.get("render", settings.render_helm))
    base = os.path.dirname(os.path.abspath(settings.config_file or "."))
    settings.render_values.extend(os.path.join(base, v) for v in helm.get("values", []))
    for token, value in (data.get("rules") or {}).items():
        rule = settings.registry[token]
        if isinstance(value, dict):
            enabled = value.get("enabled", True)
            severity = value.get("severity")
            if value.get("options"):
                settings.options.setdefault(rule.code, {}).update(value["options"])
        else:
            enabled = value not in (False, "off")
            severity = value if value in ("error", "warning", "info") else None
        if enabled:
            settings.disabled.discard(rule.code)
        else:
            settings.disabled.add(rule.code)
        if severity:
            settings.severities[rule.code] = Severity.parse(severity)
    if data.get("strict"):
        settings.enable("unknown-field")
    if data.get("schema") is False:
        settings.disable(*SCHEMA_RULES)
