"""The command line: parse flags, call the engine, pick a reporter, set the exit code.

Heavy modules (the engine, rich, jsonschema) are imported inside the commands
that need them, so ``k8slint --version`` and ``--help`` start instantly.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from k8slint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SEVERITIES = ("error", "warning", "info")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="k8slint")
def cli() -> None:
    """k8slint: find deployment mistakes in Kubernetes manifests before the cluster does."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest severity that fails the run (default: error).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files and folders matching GLOB (repeatable).")
@click.option("--namespace", metavar="NAME", help="Namespace of objects that set none (default: default).")
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Config file (default: .k8slint.yaml here or above, or [tool.k8slint] in pyproject.toml).",
)
@click.option("--no-config", is_flag=True, help="Ignore config files.")
@click.option(
    "--kubernetes-version",
    metavar="X.Y",
    help="Target Kubernetes version for schemas and API lifecycle (default: the newest supported).",
)
@click.option("--strict", is_flag=True, help="Also report fields the schema does not define (unknown-field).")
@click.option("--no-schema", is_flag=True, help="Skip schema validation.")
@click.option(
    "--schema-location",
    multiple=True,
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False),
    help="Folder of JSON schemas for custom resources (kubeconform or CRDs-catalog layout; repeatable).",
)
@click.option(
    "--check-registry",
    is_flag=True,
    help="Ask each base image's registry whether its tag or digest exists (network access).",
)
@click.option("--render", is_flag=True, help="Render Helm charts with `helm template` (helm must be on PATH) and lint the output.")
@click.option("--values", "values_files", multiple=True, metavar="FILE", help="Values file for --render (repeatable).")
@click.option("--select", multiple=True, metavar="RULES", help="Run only these rules (codes or names, comma-separated; repeatable).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Do not run these rules (codes or names, comma-separated; repeatable).")
def check(
    paths: tuple[str, ...],
    output_format: str,
    fail_on: str | None,
    exclude: tuple[str, ...],
    namespace: str | None,
    config_file: str | None,
    no_config: bool,
    kubernetes_version: str | None,
    strict: bool,
    no_schema: bool,
    schema_location: tuple[str, ...],
    check_registry: bool,
    render: bool,
    values_files: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> int:
    """Lint manifests in PATHS (files or folders; - reads standard input).

    Exit codes: 0 when nothing at or above --fail-on is found, 1 when something
    is, 2 for usage, config or I/O errors.
    """
    from k8slint.engine import lint

    settings = _settings(
        config_file,
        no_config,
        namespace=namespace,
        fail_on=fail_on,
        exclude=exclude,
        kubernetes_version=kubernetes_version,
        strict=strict or None,
        schema=False if no_schema else None,
        schema_locations=schema_location,
        select=select,
        ignore=ignore,
        check_registry=check_registry,
        render=True if render else None,
        render_values=values_files,
    )
    result = lint(list(paths) or ["."], settings)
    if output_format == "json":
        from k8slint.reporters.json import render_json

        click.echo(render_json(result))
    else:
        from k8slint.reporters.text import render_text

        render_text(result, sys.stdout)
    return EXIT_FINDINGS if result.fails(settings.fail_on) else EXIT_OK


@cli.command(name="rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(output_format: str) -> int:
    """List every rule: code, name, severity, category and summary."""
    from k8slint.registry import registry

    rules = list(registry())
    if output_format == "json":
        import json

        rows = [
            {"code": r.code, "name": r.name, "severity": str(r.severity), "category": r.category, "summary": r.summary}
            for r in rules
        ]
        click.echo(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.code}  {r.name:<{width}}  {str(r.severity):<7}  {r.category:<10}  {r.summary}")
    return EXIT_OK


@cli.command()
@click.argument("rule")
def explain(rule: str) -> int:
    """Show the docs of RULE (a code such as KN001, or a name)."""
    from k8slint.docs import render_rule_docs
    from k8slint.registry import registry

    spec = registry().get(rule)
    if spec is None:
        raise click.UsageError(f"unknown rule {rule!r}; `k8slint rules` lists them")
    click.echo(render_rule_docs(spec), nl=False)
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


def _settings(config_file: str | None, no_config: bool, **overrides: Any) -> Any:
    from pathlib import Path

    from k8slint.config import build_settings, find_config
    from k8slint.errors import ConfigError
    from k8slint.registry import registry

    if config_file is not None:
        path: Path | None = Path(config_file)
        if not path.is_file():  # type: ignore[union-attr]
            raise ConfigError(f"config file not found: {config_file}")
    else:
        path = None if no_config else find_config(Path.cwd())
    return build_settings(registry(), path, **overrides)


def main(argv: list[str] | None = None) -> None:
    """Entry point: one-line errors and exit code 2 for anything the user must fix."""
    from k8slint.errors import K8slintError

    try:
        code = cli.main(args=argv, prog_name="k8slint", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        code = EXIT_USAGE
    except click.UsageError as exc:
        click.echo(f"k8slint: error: {exc.format_message()}", err=True)
        code = EXIT_USAGE
    except K8slintError as exc:
        click.echo(f"k8slint: error: {exc}", err=True)
        code = EXIT_USAGE
    except click.Abort:
        click.echo("k8slint: aborted", err=True)
        code = 130
    except BrokenPipeError:
        code = EXIT_FINDINGS
    sys.exit(code if isinstance(code, int) else EXIT_OK)
