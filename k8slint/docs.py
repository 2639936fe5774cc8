"""Rule docs rendered from the registry: `k8slint explain` and the generated rules page."""

from __future__ import annotations

from k8slint.registry import Registry, RuleSpec


def render_rule_docs(rule: RuleSpec) -> str:
    """Markdown docs of one rule, in the fixed sections."""
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"Severity: {rule.severity} · Category: {rule.category}"
        + (f" · Former names: {', '.join(rule.aliases)}" if rule.aliases else ""),
        "",
        rule.summary + ".",
        "",
        "## What it does",
        "",
        rule.docs.what.strip(),
        "",
        "## Why is this bad?",
        "",
        rule.docs.why.strip(),
        "",
        "## Example",
        "",
        *([f"At Kubernetes {rule.docs.kubernetes_version}:", ""] if rule.docs.kubernetes_version else []),
        "```yaml",
        rule.docs.example.rstrip(),
        "```",
        "",
        "## Use instead",
        "",
        "```yaml",
        rule.docs.use_instead.rstrip(),
        "```",
        "",
        f"Fix: {rule.hint}",
        "",
    ]
    if rule.options:
        lines += ["## Options", ""]
        for key, schema in rule.options.items():
            lines.append(f"- `{key}` (default `{schema.get('default')}`): {schema.get('description', '')}")
        lines.append("")
    return "\n".join(lines)


def render_rules_page(registry: Registry) -> str:
    """docs/rules.md: a table of every rule, then each rule's docs."""
    out = [
        "# k8slint rules",
        "",
        "<!-- Generated from rules/*.yaml by `python -m k8slint.docs`; do not edit by hand. -->",
        "",
        "| Code | Name | Severity | Category | Summary |",
        "|---|---|---|---|---|",
    ]
    for rule in registry:
        anchor = f"{rule.code}-{rule.name}".lower()
        out.append(f"| [{rule.code}](#{anchor}) | `{rule.name}` | {rule.severity} | {rule.category} | {rule.summary} |")
    out.append("")
    for rule in registry:
        out.append(render_rule_docs(rule).replace(f"# {rule.code} {rule.name}", f"## {rule.code} {rule.name}", 1)
                   .replace("\n## ", "\n### ").replace("\n### " + rule.code, "\n## " + rule.code))
    return "\n".join(out)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    from k8slint.registry import registry

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/rules.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_rules_page(registry()), encoding="utf-8")
    print(f"wrote {target}")
