"""The command line: parse flags, call the engine, pick a reporter, set the exit code.

Heavy modules (the engine, rich, jsonschema) are imported inside the commands
that need them, so ``k8slint --version`` and ``--help`` start instantly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click

from k8slint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
SEVERITIES = ("error", "warning", "info")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="k8slint")
def cli() -> None:
    """k8slint: find deployment mistakes in Kubernetes manifests before the cluster does."""


FORMATS = ("text", "json", "sarif", "junit", "github", "html")


def lint_options(func: Any) -> Any:
    """The options that choose what is linted and how (shared by check and baseline)."""
    options = [
        click.argument("paths", nargs=-1),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files and folders matching GLOB (repeatable)."),
        click.option(
            "--no-default-excludes",
            is_flag=True,
            help="Also walk test-data folders (testdata, _testdata, __fixtures__, __snapshot__, folders named invalid, tests/data, test/fixtures, tests/golden), vendor and node_modules (left out by default, and counted in the report).",
        ),
        click.option("--namespace", metavar="NAME", help="Namespace of objects that set none (default: default)."),
        click.option(
            "--config",
            "config_file",
            metavar="FILE",
            help="Config file (default: .k8slint.yaml or [tool.k8slint] in pyproject.toml, in the linted folder or above, up to the repository root).",
        ),
        click.option("--no-config", is_flag=True, help="Ignore config files."),
        click.option(
            "--kubernetes-version",
            metavar="X.Y",
            help="Target Kubernetes version for schemas and API lifecycle (default: the newest supported).",
        ),
        click.option("--strict", is_flag=True, help="Also report fields the schema does not define (unknown-field)."),
        click.option("--no-schema", is_flag=True, help="Skip schema validation."),
        click.option(
            "--schema-location",
            multiple=True,
            metavar="DIR",
            type=click.Path(exists=True, file_okay=False),
            help="Folder of JSON schemas for custom resources (kubeconform or CRDs-catalog layout; repeatable).",
        ),
        click.option(
            "--policies",
            "policy_dirs",
            multiple=True,
            metavar="DIR",
            type=click.Path(exists=True, file_okay=False),
            help="Folder of ValidatingAdmissionPolicies, bindings and params to apply to the linted objects (repeatable).",
        ),
        click.option(
            "--check-registry",
            is_flag=True,
            help="Ask each base image's registry whether its tag or digest exists (network access).",
        ),
        click.option(
            "--render/--no-render",
            default=None,
            help="Build kustomize roots with kustomize and render Helm charts with helm, and lint what they produce "
            "(--no-render: lint the files as they are, whatever the config says).",
        ),
        click.option(
            "--build-arg",
            "build_args",
            multiple=True,
            metavar="NAME=VALUE",
            help="Value of a Dockerfile ARG, as docker build takes it (NAME alone: from the environment; repeatable).",
        ),
        click.option(
            "--target",
            "targets",
            multiple=True,
            metavar="STAGE",
            help="Check the Dockerfiles' stage STAGE as the image, as docker build --target does, in each Dockerfile that has it (repeatable).",
        ),
        click.option(
            "--values",
            "values_files",
            multiple=True,
            metavar="FILE",
            help="Values file the charts are installed with: for --render, and defined for undefined-value (repeatable).",
        ),
        click.option(
            "--set",
            "set_values",
            multiple=True,
            metavar="KEY=VALUE",
            help="Set a chart value, as helm's --set does: for --render, and defined for undefined-value (repeatable; after the values files).",
        ),
        click.option(
            "--chart-root",
            metavar="DIR",
            type=click.Path(exists=True, file_okay=False),
            help="The chart that `helm template` output on standard input came from: its findings land on the chart's templates.",
        ),
        click.option("--select", multiple=True, metavar="RULES", help="Run only these rules (comma-separated; repeatable)."),
        click.option("--ignore", multiple=True, metavar="RULES", help="Do not run these rules (comma-separated; repeatable)."),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes for parsing and per-object checks (default: the number of CPUs).",
        ),
        click.option(
            "--with-context",
            is_flag=True,
            help="Also read the other manifests in the folders of the files given, as context; report only on the files given.",
        ),
        click.option(
            "--allow-empty",
            is_flag=True,
            help="Exit 0 when there is nothing to lint (no file found, empty standard input) instead of 2.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run(params: dict[str, Any]) -> tuple[Any, Any]:
    """Lint as the shared options say; returns (result, settings)."""
    from k8slint.collector import collector_paused

    # start-up (the engine and the checks imported, the registry and settings built) makes what lives as
    # long as the process: the collector's passes over it find nothing to free (~9 ms of a one-file check)
    with collector_paused():
        from k8slint.engine import lint

        settings = _settings_of(params)
    paths = list(params["paths"]) or ["."]
    import os

    jobs = params["jobs"] or os.cpu_count() or 1
    result = lint(paths, settings, with_context=params["with_context"], progress=_progress_bar(), jobs=jobs)
    if result.no_input and not params["allow_empty"]:
        from k8slint.errors import UsageError

        where = "standard input was empty" if paths == ["-"] else f"no file to lint was found in {' '.join(paths)} (after excludes)"
        raise UsageError(f"nothing to lint: {where}; --allow-empty makes this exit 0")
    result.config_file = settings.config_file
    return result, settings


def _settings_of(params: dict[str, Any]) -> Any:
    """The settings the shared options and the config say."""
    settings = _settings(
        params["config_file"],
        params["no_config"],
        (list(params["paths"]) or ["."])[0],
        namespace=params["namespace"],
        fail_on=params.get("fail_on"),
        exclude=params["exclude"],
        default_excludes=False if params["no_default_excludes"] else None,
        kubernetes_version=params["kubernetes_version"],
        strict=params["strict"] or None,
        schema=False if params["no_schema"] else None,
        schema_locations=params["schema_location"],
        policy_dirs=params["policy_dirs"],
        select=params["select"],
        ignore=params["ignore"],
        check_registry=params["check_registry"],
        render=params["render"],
        render_values=params["values_files"],
        render_set=params["set_values"],
        chart_root=params["chart_root"],
    )
    settings.build_args.update(_build_args(params["build_args"]))
    settings.targets.extend(params["targets"])
    return settings


def _build_args(given: tuple[str, ...]) -> dict[str, str]:
    """``--build-arg NAME=VALUE``, and ``--build-arg NAME`` with the environment's value (docker build's way; unset: none)."""
    import os

    values: dict[str, str] = {}
    for item in given:
        name, equals, value = item.partition("=")
        if not name:
            from k8slint.errors import UsageError

            raise UsageError(f"--build-arg {item!r}: expected NAME=VALUE")
        if equals:
            values[name] = value
        elif name in os.environ:
            values[name] = os.environ[name]
    return values


def _progress_bar() -> Any:
    """A rich progress bar on stderr for long runs at a terminal (never in machine-readable output)."""
    if not sys.stderr.isatty():
        return None

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < 300:
            return
        if "progress" not in state:
            from rich.console import Console
            from rich.progress import Progress

            progress = Progress(transient=True, console=Console(file=sys.stderr))
            progress.start()
            state["progress"] = progress
            state["task"] = progress.add_task("linting", total=total)
        state["progress"].update(state["task"], completed=done)
        if done >= total:
            state["progress"].stop()

    return update


def _render_pieces(result: Any, settings: Any, output_format: str) -> Iterable[str]:
    """The report's text in pieces whose concatenation is _render's (the JSON report's findings a few hundred at a time)."""
    if output_format == "json":
        from k8slint.reporters.json import json_pieces

        return json_pieces(result)
    return (_render(result, settings, output_format),)


def _render(result: Any, settings: Any, output_format: str) -> str:
    if output_format == "json":
        from k8slint.reporters.json import render_json

        return render_json(result)
    if output_format == "sarif":
        from k8slint.reporters.sarif import render_sarif

        return render_sarif(result, settings.registry)
    if output_format == "junit":
        from k8slint.reporters.junit import render_junit

        return render_junit(result)
    if output_format == "github":
        from k8slint.reporters.github import render_github

        return render_github(result)
    if output_format == "html":
        from k8slint.reporters.html import render_html

        return render_html(result, _pictures(result))
    import io

    from k8slint.reporters.text import render_text

    buffer = io.StringIO()
    render_text(result, buffer)
    return buffer.getvalue()


@cli.command()
@lint_options
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format.")
@click.option(
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report (in --format) to FILE; the terminal then shows the text report.",
)
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest severity that fails the run (default: error).")
@click.option("--severity", type=click.Choice(SEVERITIES), help="Report only findings at or above this severity.")
@click.option("--baseline", metavar="FILE", help="A JSON report (k8slint baseline) whose findings are not reported again.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the files not linted as Kubernetes objects, and what each is.")
def check(output_format: str, output: str | None, severity: str | None, baseline: str | None, verbose: bool, **params: Any) -> int:
    """Lint manifests, Dockerfiles and Helm charts in PATHS (files or folders; - reads standard input).

    Exit codes: 0 when nothing at or above --fail-on is found, 1 when something
    is, 2 for usage, config or I/O errors, 3 when k8slint could not finish (an
    internal error).
    """
    if baseline is not None:
        from k8slint.suppress import load_baseline

        known = load_baseline(baseline)
    result, settings = _run(params)
    _keep_until_exit(result)
    if baseline is not None:
        from k8slint.suppress import apply_baseline

        dropped = apply_baseline(result, known)
        if dropped:
            result.notes.append(f"{dropped} finding{'s' if dropped != 1 else ''} known to the baseline {baseline} not shown")
    # The verdict comes from every finding that is not suppressed or in the baseline;
    # --severity only chooses what is shown.
    verdict = _verdict(result, settings)
    if severity is not None:
        from k8slint.findings import Severity

        floor = Severity.parse(severity)
        shown = [f for f in result.findings if f.severity >= floor]
        hidden = len(result.findings) - len(shown)
        result.findings = shown
        if hidden:
            result.notes.append(f"{hidden} finding{'s' if hidden != 1 else ''} below --severity {severity} not shown")
    if output is not None:
        write_report(output, _render_pieces(result, settings, output_format))
        output_format = "text"
    stdout = _PipeGuard(sys.stdout)
    if output_format == "text":
        from k8slint.reporters.text import render_text

        render_text(result, stdout, verbose)  # type: ignore[arg-type]
    elif output_format == "json":  # in pieces: a report of many findings is never held whole
        for piece in _render_pieces(result, settings, output_format):
            stdout.write(piece)
        stdout.write("\n")
    else:
        text = _render(result, settings, output_format)
        if text:
            click.echo(text, file=stdout)  # type: ignore[arg-type]
    stdout.flush()
    return verdict


@cli.command(name="baseline")
@click.argument("baseline_file", metavar="FILE")
@lint_options
def make_baseline(baseline_file: str, **params: Any) -> int:
    """Record the current findings of PATHS in FILE, for `k8slint check --baseline FILE`."""
    from k8slint.reporters.json import json_pieces

    result, _ = _run(params)
    write_report(baseline_file, json_pieces(result))
    click.echo(f"recorded {len(result.findings)} findings in {baseline_file}")
    return EXIT_OK


def _verdict(result: Any, settings: Any) -> int:
    """3 when a rule crashed (the findings of that rule on that subject are unknown, so the
    verdict cannot be trusted either way); else 1 for a finding at or above --fail-on; else 0."""
    from k8slint import rulecodes

    if any(f.code == rulecodes.INTERNAL_ERROR for f in result.findings):
        return EXIT_INTERNAL
    return EXIT_FINDINGS if result.fails(settings.fail_on) else EXIT_OK


def write_report(path: str, text: str | Iterable[str]) -> None:
    """Write a rendered report to ``path``, replacing the file atomically.

    The text goes to a temporary file in the same folder, which then takes the
    place of ``path`` (os.replace): a reader, or a run that fails, never leaves
    a part-written or emptied report. The file keeps the mode of the one it
    replaces (a new one gets the usual mode under the umask). A symbolic link
    at ``path`` is replaced, not written through. Something that is not a
    regular file (``/dev/stdout``, a FIFO) is written to directly. A character
    that is not Unicode (a lone surrogate) is written as its escape, so the
    report cannot fail there.
    """
    pieces = [text] if isinstance(text, str) else text
    replace_file(path, _ending_in_one_newline(piece.encode("utf-8", "backslashreplace") for piece in pieces))


def _ending_in_one_newline(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces, with the line breaks at the end of the last one made exactly one."""
    held = b""  # line breaks at the end of what came so far: written once more text follows
    for piece in pieces:
        body = piece.rstrip(b"\n")
        if body:
            yield held + body
            held = piece[len(body) :]
        else:
            held += piece
    yield b"\n"


def _write_all(handle: Any, data: bytes | Iterable[bytes]) -> None:
    for piece in [data] if isinstance(data, bytes) else data:
        handle.write(piece)


def replace_file(path: str, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or pieces of it) to ``path`` as write_report does: through a temporary file that replaces it."""
    import os
    import stat
    import tempfile

    from k8slint.errors import UsageError

    try:
        try:
            current = os.stat(path)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        else:
            if not stat.S_ISREG(current.st_mode):
                with open(path, "wb") as handle:
                    _write_all(handle, data)
                return
            mode = stat.S_IMODE(current.st_mode)
        folder = os.path.dirname(os.path.abspath(path))
        handle_fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle_fd, "wb") as handle:
                _write_all(handle, data)
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


class _PipeGuard:
    """Standard output for the report: once its reader has gone (``| head``), the rest is dropped.

    The run's verdict stands: the reader chose to read no further, k8slint did
    not fail (rich alone would end the process with exit code 1, "findings").
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._gone = True
                _reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._gone = True
                _reader_gone()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _reader_gone() -> None:
    """The reader of standard output stopped reading: send the rest of the output nowhere, quietly."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _config_options(func: Any) -> Any:
    """--config and --no-config, for the commands that show the rules (custom rules come from the config)."""
    func = click.option("--no-config", is_flag=True, help="Ignore config files (and their custom rules).")(func)
    return click.option("--config", "config_file", metavar="FILE", help="Config file whose custom rules to include.")(func)


def _pictures(result: Any) -> Any:
    """The picture of each deployment unit of a run (k8slint.model.graph.picture), its findings on the broken edges."""
    from k8slint.model.graph.picture import unit_pictures

    _, facts, _ = result.loaded
    return unit_pictures(facts.index, facts.builds, result.findings)


@cli.command()
@lint_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["mermaid", "dot", "svg"]),
    default="mermaid",
    show_default=True,
    help="mermaid (renders on GitHub in Markdown), dot (Graphviz) or svg (laid out by k8slint).",
)
@click.option("--output", metavar="FILE", type=click.Path(dir_okay=False, writable=True), help="Write the graph to FILE.")
def graph(output_format: str, output: str | None, **params: Any) -> int:
    """Draw the graph of each deployment unit in PATHS: Ingress/HTTPRoute -> Service -> workload -> ConfigMaps,
    Secrets, PVCs and ServiceAccount; HPA and PDB -> workload; Dockerfile -> image -> container.

    Broken wiring (the findings of the reference and selector rules) is drawn as red dashed edges
    labelled with the rule code, to a dashed node when the object named is missing.
    """
    from k8slint.reporters.graph import render_graph

    result, _ = _run({**params, "fail_on": None})
    _keep_until_exit(result)
    text = render_graph(_pictures(result), output_format)
    if output is not None:
        write_report(output, text)
    else:
        stdout = _PipeGuard(sys.stdout)
        click.echo(text, file=stdout, nl=False)  # type: ignore[arg-type]
        stdout.flush()
    from k8slint import rulecodes

    if any(f.code == rulecodes.INTERNAL_ERROR for f in result.findings):
        return EXIT_INTERNAL
    return EXIT_OK


@cli.command(name="rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_config_options
def list_rules(output_format: str, config_file: str | None, no_config: bool) -> int:
    """List every rule: code, name, severity, category and summary (with the config's custom rules)."""
    rules = list(_settings(config_file, no_config, ".").registry)
    if output_format == "json":
        import json

        rows = [{"code": r.code, "name": r.name, "severity": str(r.severity), "category": r.category, "summary": r.summary} for r in rules]
        click.echo(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.code}  {r.name:<{width}}  {r.severity!s:<7}  {r.category:<10}  {r.summary}")
    return EXIT_OK


@cli.command()
@click.argument("rule")
@_config_options
def explain(rule: str, config_file: str | None, no_config: bool) -> int:
    """Show the docs of RULE (a code such as KN001, or a name; custom rules of the config too)."""
    from k8slint.docs import render_rule_docs

    spec = _settings(config_file, no_config, ".").registry.get(rule)
    if spec is None:
        raise click.UsageError(f"unknown rule {rule!r}; `k8slint rules` lists them")
    click.echo(render_rule_docs(spec), nl=False)
    return EXIT_OK


@cli.command()
@lint_options
@click.option(
    "--diff", "show_diff", is_flag=True, help="Print a unified diff of the fixes and write nothing; exit 1 if anything would change."
)
def fix(show_diff: bool, **params: Any) -> int:
    """Fix in place what has exactly one right answer in PATHS (files or folders), keeping comments and layout.

    Fixed: removed and deprecated apiVersions with a mechanical conversion, a
    targetPort or probe port that misspells the one port name it must mean,
    repeated env entries (the last one wins), a short chart version. Each
    rule's docs (`k8slint explain RULE`, "Autofix") say what its fix does.
    Helm templates and kustomize patches are never rewritten. Exit codes: 0
    done (--diff: nothing to change), 1 with --diff when something would
    change, 2 for usage, config or I/O errors.
    """
    from k8slint.errors import UsageError
    from k8slint.fix import fix_paths, unified_diff

    paths = list(params["paths"]) or ["."]
    if "-" in paths:
        raise UsageError("k8slint fix rewrites files: it cannot read standard input")
    settings = _settings_of(params)
    run = fix_paths(paths, settings, with_context=params["with_context"])
    if run.no_input and not params["allow_empty"]:
        raise UsageError(
            f"nothing to fix: no file to lint was found in {' '.join(paths)} (after excludes); --allow-empty makes this exit 0"
        )
    changed = run.changed
    planned: dict[str, bytes] = {}
    for display, (path, old, new) in changed.items():
        planned[display] = _encoded_like(path, old, new)
    say = "would fix" if show_diff else "fixed"
    for item in run.applied:
        loc = item.finding.location
        click.echo(f"{say} {loc.file}:{loc.line}:{loc.column} {item.finding.code} {item.finding.rule}: {item.title}", err=show_diff)
    for unfixed in run.left:
        loc = unfixed.finding.location
        finding = unfixed.finding
        click.echo(f"not fixed {loc.file}:{loc.line}:{loc.column} {finding.code} {finding.rule}: {unfixed.reason}", err=show_diff)
    if show_diff:
        for display, (_, old, new) in sorted(changed.items()):
            click.echo("".join(unified_diff(display, old, new)), nl=False)
    else:
        for display in sorted(planned):
            replace_file(changed[display][0], planned[display])
    files = len(changed)
    click.echo(
        f"{len(run.applied)} fix{'es' if len(run.applied) != 1 else ''} in {files} file{'s' if files != 1 else ''}"
        + (" (nothing written: --diff)" if show_diff else "")
        + f"; {len(run.remaining)} finding{'s' if len(run.remaining) != 1 else ''} left (k8slint check shows them)",
        err=show_diff,
    )
    return EXIT_FINDINGS if show_diff and changed else EXIT_OK


def _encoded_like(path: str, old: str, new: str) -> bytes:
    """``new`` in the encoding of the file at ``path`` (UTF-8, with its byte order mark if it had one);
    a file that no longer holds ``old`` (changed since it was read) is refused."""
    from k8slint.errors import UsageError

    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    if raw[len(bom) :] != old.encode("utf-8", "surrogateescape"):
        raise UsageError(f"{path} is not UTF-8 as k8slint read it, or changed while it was fixed: not rewritten")
    return bom + new.encode("utf-8", "surrogateescape")


@cli.command()
def lsp() -> int:
    """Run the language server on standard input and output, for editors (needs the lsp extra)."""
    from k8slint.errors import UsageError

    try:
        from k8slint.lsp.server import serve
    except ImportError as exc:
        if exc.name not in ("pygls", "lsprotocol") and not str(exc.name).startswith(("pygls.", "lsprotocol.")):
            raise
        raise UsageError("k8slint lsp needs pygls: pip install 'k8slint[lsp]'") from None
    serve()
    return EXIT_OK


@cli.command()
@click.argument("example", type=click.Choice(["todo-chatbot"]))
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(example: str, directory: str, force: bool) -> int:
    """Write the reference deployment EXAMPLE (manifests, chart, Dockerfiles, config) to DIRECTORY."""
    from k8slint.examples import write_example

    written = write_example(example, directory, force=force)
    click.echo(f"wrote {len(written)} files of the {example} reference deployment to {directory}")
    click.echo(f"next: cd {directory} && k8slint check .")
    return EXIT_OK


def _settings(config_file: str | None, no_config: bool, linted: str = "-", **overrides: Any) -> Any:
    """Settings from the config (--config FILE, or the one found from the linted path up to the
    repository root; standard input starts from the working directory) and the flags."""
    from pathlib import Path

    from k8slint.config import build_settings, find_config
    from k8slint.errors import ConfigError
    from k8slint.registry import registry

    if config_file is not None:
        path: Path | None = Path(config_file)
        if not path.is_file():  # type: ignore[union-attr]
            raise ConfigError(f"config file not found: {config_file}")
    else:
        path = None if no_config else find_config(Path.cwd() if linted == "-" else Path(linted))
    return build_settings(registry(), path, config_named=config_file is not None, **overrides)


def main(argv: list[str] | None = None) -> None:
    """Entry point: exit code 2 and a one-line message for anything the user must fix, 3 for an internal error.

    No traceback reaches the user except for an internal error (an unexpected
    exception anywhere in the run, exit 3), and then after a one-line summary.
    """
    from k8slint.errors import K8slintError

    _tolerant_output()
    try:
        code = cli.main(args=argv, prog_name="k8slint", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        code = EXIT_USAGE
    except click.ClickException as exc:  # usage errors, and click's own file errors
        _say_error(f"k8slint: error: {exc.format_message()}")
        code = EXIT_USAGE
    except K8slintError as exc:
        _say_error(f"k8slint: error: {exc}")
        code = EXIT_USAGE
    except click.Abort:
        click.echo("k8slint: aborted", err=True)
        code = 130
    except BrokenPipeError:
        _reader_gone()
        code = EXIT_OK
    except Exception as exc:
        _internal_error(exc)
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _say_error(line: str) -> None:
    """One line on stderr. It may quote the input (a config key, a path), so it is escaped as
    the reports are: no control character, no workflow command, cut to a sane length."""
    from k8slint.reporters.safe import no_workflow_commands, printable

    click.echo(no_workflow_commands(printable(line, 2000), "\\x23", "\\x3a"), err=True)


def _tolerant_output() -> None:
    """Write a character that is not Unicode (a lone surrogate) as its escape rather than fail on it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass


def _internal_error(exc: BaseException) -> None:
    """A one-line summary on stderr, then the traceback."""
    import traceback

    from k8slint.findings import one_line

    summary = f"k8slint: internal error: {one_line(exc, 300)}"
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    _say_error(summary)
    for line in "".join(traceback.format_exception(exc)).rstrip("\n").splitlines():
        _say_error(line)


_FAST_EXIT = False
"""Set by ``run``: the process will end with os._exit, so nothing needs freeing."""
_KEPT: list[Any] = []


def _keep_until_exit(result: Any) -> None:
    """Under ``run``, hold the result (and what it loaded) so that returning does not free it.

    The collector is stopped too: what is left to do (the report) makes little
    garbage, and each full pass would rescan everything the run loaded.
    """
    if _FAST_EXIT:
        import gc

        _KEPT.append(result)
        gc.disable()


def run() -> None:
    """The ``k8slint`` command: ``main``, then a quick exit.

    A large run leaves hundreds of megabytes of parsed documents behind;
    freeing them one by one at interpreter shutdown takes longer than some
    whole runs on a few files. The process flushes its output and ends
    without that clean-up (as mypy's command line does).
    """
    import os

    global _FAST_EXIT
    _FAST_EXIT = True
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    else:
        code = EXIT_OK
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        _reader_gone()
    os._exit(code)
