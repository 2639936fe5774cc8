"""Tiny hostile inputs must not cost super-linear work, and odd numbers must not crash a rule.

Each slow input is linted with a bound ten times or more below what it took
before the fix (the old time is in the comment), and the parsers are timed
at two sizes, one twice the other, in the same run: the time may grow about
twice, not four times. The crash cases must give ordinary findings, never an
``internal-error``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_lint
from k8slint.engine import Result
from k8slint.model.gotemplate import analyse
from k8slint.model.helmsemver import MAX_CONSTRAINT_LENGTH, ConstraintError, parse_constraints, parse_version
from k8slint.model.objects import SourceFile
from k8slint.sources.manifests import load_manifest_text


def best_of(run: Callable[[], object], repeat: int = 3) -> float:
    """The shortest of ``repeat`` timings of ``run()``, in seconds (garbage collection paused: it adds noise)."""
    times = []
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return min(times)


def growth(make: Callable[[int], str], parse: Callable[[str], object], size: int) -> float:
    """How much longer ``parse`` takes on an input twice the size (about 2 when linear, 4 when quadratic).

    Each input is parsed often enough for the smaller to take 50 ms or more, so that the
    noise of a shared machine does not decide.
    """
    small, large = make(size), make(2 * size)

    def timed(text: str, loops: int) -> Callable[[], None]:
        def run() -> None:
            for _ in range(loops):
                parse(text)

        return run

    loops = 1
    while best_of(timed(small, loops), 1) < 0.05:
        loops *= 2
    small_run, large_run = timed(small, loops), timed(large, loops)

    def ratio() -> float:
        # interleaved, so that a burst of load on a shared machine slows both sizes alike
        smallest = largest = float("inf")
        for _ in range(5):
            smallest = min(smallest, best_of(small_run, 1))
            largest = min(largest, best_of(large_run, 1))
        return largest / smallest

    # A quadratic parse is 4x in every measurement; noise is not twice in a row
    first = ratio()
    return first if first < 3 else min(first, ratio())


def timed_lint(*paths: Path) -> tuple[Result, float]:
    start = time.perf_counter()
    result = run_lint(*paths)
    return result, time.perf_counter() - start


def no_crash(result: Result) -> None:
    crashed = [f.message for f in result.findings if f.rule == "internal-error"]
    assert not crashed, crashed


def messages(result: Result, rule: str) -> list[str]:
    return [f.message for f in result.findings if f.rule == rule]


def chart(folder: Path, chart_yaml: str, templates: dict[str, str] | None = None, values: str = "a: 1\n") -> Path:
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text(chart_yaml)
    (folder / "values.yaml").write_text(values)
    for name, text in (templates or {}).items():
        (folder / "templates" / name).write_text(text)
    return folder


# --- Helm version constraints -------------------------------------------------------------


def test_kube_version_of_repeated_spaces_is_not_exponential(tmp_path: Path) -> None:
    # each "1  " tripled the backtracking regex's work: 12 took 0.11 s, so 20 took about 12 minutes
    folder = chart(tmp_path / "c", 'apiVersion: v2\nname: c\nversion: 1.0.0\nkubeVersion: "' + "1  " * 20 + '!"\n')
    result, seconds = timed_lint(folder)
    assert seconds < 2
    assert any("kubeVersion" in m and "not a valid constraint" in m for m in messages(result, "chart-metadata"))


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "1  " * (n // 3) + "!",  # the exponential case, refused
        lambda n: "1 " * (n // 2) + "1",  # valid, many constraints
        lambda n: ">= 1.2.3, " * (n // 10) + "<2",  # valid, commas
        lambda n: "1 - 2 " * (n // 6),  # many ranges
        lambda n: "=" + " " * n + "!",  # white space the constraint cannot use
    ],
    ids=["spaces", "many", "commas", "ranges", "white-space"],
)
def test_constraint_parser_grows_linearly(make: Callable[[int], str]) -> None:
    def parse(text: str) -> None:
        try:
            parse_constraints(text)
        except ConstraintError:
            pass

    assert len(make(500)) <= MAX_CONSTRAINT_LENGTH
    assert growth(make, parse, 250) < 3


def test_long_constraints_and_versions_are_refused_before_parsing() -> None:
    with pytest.raises(ConstraintError, match="too long"):
        parse_constraints("1 " * MAX_CONSTRAINT_LENGTH)
    with pytest.raises(ConstraintError, match="too long"):
        parse_version("1" * 5000)


@pytest.mark.parametrize("text", ["99999999999999999999.0.0", "1.18446744073709551616.0", "1.0.0-" + "9" * 5000])
def test_version_numbers_past_64_bits_are_constraint_errors(text: str) -> None:
    """Helm reads each number with strconv.ParseUint(s, 10, 64); int() raised past 4300 digits."""
    with pytest.raises(ConstraintError):
        parse_version(text)
    with pytest.raises(ConstraintError):
        parse_constraints(">= " + text)


def test_long_numeric_pre_releases_compare_as_numbers() -> None:
    """Compared by length and digits now, not int(): the order must not change."""
    constraint = parse_constraints(">= 1.0.0-" + "9" * 500)
    assert constraint.check("1.0.0-1" + "0" * 500)
    assert not constraint.check("1.0.0-" + "9" * 499)


@pytest.mark.parametrize("text", ["1\v2", ">= 1.0\u00a0", "1\u20032"])
def test_constraint_white_space_is_go_white_space(text: str) -> None:
    """Go's \\s is [\\t\\n\\f\\r ]; Python's also takes \\v and Unicode spaces."""
    with pytest.raises(ConstraintError):
        parse_constraints(text)


def test_five_thousand_digit_versions_in_a_chart_are_findings(tmp_path: Path) -> None:
    big = "1" * 5000
    folder = chart(
        tmp_path / "big",
        f"apiVersion: v2\nname: big\nversion: {big}.0.0\nkubeVersion: '>= {big}'\n"
        f"dependencies:\n- name: sub\n  version: '>= {big}.0.0'\n  repository: https://example.com\n"
        "- name: pinned\n  version: '1.0.0'\n  repository: https://example.com\n"
        "- name: local\n  version: '1.0.0'\n  repository: file://./local\n",
    )
    (folder / "Chart.lock").write_text(
        f"dependencies:\n- name: sub\n  version: {big}.0.0\n  repository: https://example.com\n"
        f"- name: pinned\n  version: 1.{big}.0\n  repository: https://example.com\n"
    )
    chart(folder / "charts" / "sub", f"apiVersion: v2\nname: sub\nversion: {big}.0.0\n")
    chart(folder / "local", f"apiVersion: v2\nname: local\nversion: {big}.0.0\n")
    result, _ = timed_lint(folder)
    no_crash(result)
    assert any("larger than 2^64-1" in m for m in messages(result, "chart-version-not-semver"))
    assert any("kubeVersion" in m and "too long" in m for m in messages(result, "chart-metadata"))
    assert any("too long" in m for m in messages(result, "chart-dependency"))
    unavailable = messages(result, "chart-dependency-unavailable")
    assert any("Chart.lock pins pinned" in m for m in unavailable)
    assert any("dependency 'local'" in m for m in unavailable)


# --- # Source: comments ------------------------------------------------------------------------


def test_source_comment_with_long_white_space_is_linear(tmp_path: Path) -> None:
    # 40,000 spaces took 3.2 s (the lazy (.+?)\s*$ retried them at each character): 400,000 took minutes
    target = tmp_path / "rendered.yaml"
    target.write_text("# Source: a" + " " * 400_000 + "b\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    result, seconds = timed_lint(target)
    assert seconds < 2
    no_crash(result)


def test_source_comments_keep_their_meaning() -> None:
    text = (
        "# Source: chart/templates/a.yaml   \t\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
        + "# Source: chart/templates/b.yaml\r\n" * 3
        + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
    )
    objects = load_manifest_text(SourceFile("rendered.yaml", text), "default").objects
    assert [(o.data["metadata"]["name"], o.source) for o in objects] == [
        ("a", "chart/templates/a.yaml"),
        ("b", "chart/templates/b.yaml"),
    ]


def test_many_source_comments_grow_linearly() -> None:
    def make(n: int) -> str:
        return "".join(
            f"# Source: chart/templates/t{i}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n---\n" for i in range(n)
        )

    assert growth(make, lambda text: load_manifest_text(SourceFile("r.yaml", text), "default"), 1500) < 3


# --- Ingress hosts -----------------------------------------------------------------------------


def test_ingress_host_of_colons_is_linear(tmp_path: Path) -> None:
    # 40,000 colons took 2.9 s (the IPv6 pattern backtracked, before the length check): 200,000 took 70 s
    target = tmp_path / "ingress.yaml"
    target.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: x\nspec:\n"
        "  rules:\n  - host: '" + ":" * 200_000 + "x'\n  tls:\n  - hosts: ['" + ":" * 200_000 + "x']\n"
    )
    result, seconds = timed_lint(target)
    assert seconds < 2
    assert sum("characters long" in m for m in messages(result, "invalid-hostname")) == 2


def test_ingress_ip_pattern_grows_linearly() -> None:
    from k8slint.checks.ingress import _IP, hostname_problem

    assert growth(lambda n: ":" * n + "x", _IP.fullmatch, 20_000) < 3
    assert hostname_problem("::1") == hostname_problem("10.0.0.1") == "is an IP address; Ingress hosts must be DNS names"
    assert hostname_problem("fe80::1:2") is not None and hostname_problem("a.b.example.com") is None


# --- Go templates ------------------------------------------------------------------------------


def test_chart_of_many_template_actions_is_linear(tmp_path: Path) -> None:
    # 100,000 "{{ . }}" took 11-24 s (each action counted lines from the start and copied the rest): 200,000 took 40 s or more
    folder = chart(tmp_path / "t", "apiVersion: v2\nname: t\nversion: 1.0.0\n", {"t.yaml": "{{ . }}\n" * 200_000})
    result, seconds = timed_lint(folder)
    assert seconds < 4
    no_crash(result)


def test_values_read_by_many_actions_are_matched_linearly(tmp_path: Path) -> None:
    # 20,000 values and 20,000 reads of others took 77 s (every leaf compared with every read)
    count = 20_000
    folder = chart(
        tmp_path / "u",
        "apiVersion: v2\nname: u\nversion: 1.0.0\n",
        {"t.yaml": "".join(f"{{{{ .Values.read{i} }}}}\n" for i in range(count))},
        values="".join(f"set{i}: 1\n" for i in range(count)) + "read0: {x: 1}\n",
    )
    result, seconds = timed_lint(folder)
    assert seconds < 6
    unused = messages(result, "unused-value")
    assert len(unused) == count and not any(m.startswith("read0") for m in unused)


TEMPLATES = {
    "actions": lambda n: "{{ . }}\n" * n,
    "one-line": lambda n: "{{ .Values.a }}" * n,
    "nested-if": lambda n: "{{ if .Values.x }}" * n + "{{ .Values.y.z }}" * n + "{{ end }}" * n,
    "nested-with": lambda n: "{{ with .Values.a }}" * n + "{{ .b }}" * n + "{{ end }}" * n,
    "comments": lambda n: "{{/* c */}}\n" * n,
    "strings": lambda n: '{{ "a\\"b" | quote }}' * n,
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_analysis_grows_linearly(name: str) -> None:
    # nested blocks looked at every open block for each action: 10,000 nested ifs took 26 s
    size = 80_000 if name == "comments" else 8000  # comments are cheap: only this large did the old copy per comment show
    assert growth(TEMPLATES[name], analyse, size) < 3


def test_deeply_nested_template_is_analysed_quickly() -> None:
    assert best_of(lambda: analyse(TEMPLATES["nested-if"](20_000)), 1) < 2


def test_template_analysis_keeps_its_answers() -> None:
    info = analyse(
        "{{ if .Values.a.on }}{{ .Values.a.x }}{{ else if .Values.b.on }}{{ .Values.b.y }}{{ end }}{{ .Values.a.z }}\n"
        "{{ with .Values.c }}{{ .d }}{{ range .list }}{{ .e }}{{ end }}{{ end }}\n"
        "{{ include \"x.y\" . }} {{ 'a' }} {{ `raw }}` }}\n"
    )
    assert not info.errors
    refs = {(".".join(r.path), r.line, r.guarded) for r in info.refs}
    assert (("a.x", 1, True)) in refs and ("b.y", 1, True) in refs and ("a.z", 1, False) in refs
    assert ("c.d", 2, True) in refs and not any(path == "c.e" for path, _, _ in refs)
    assert info.calls == [("x.y", 3, 1)]
    assert [(e.message, e.line, e.column) for e in analyse("a\nb {{ 'abcdefghijklmnop' }}").errors] == [
        ("unterminated character constant in action", 2, 3)
    ]
    assert [e.message for e in analyse('{{ "a\nb" }}').errors] == ["unterminated quoted string in action"]


# --- numbers in rules ----------------------------------------------------------------------------


def test_five_thousand_digit_quantities_are_findings(lint_text: Callable[..., Result]) -> None:
    digits = "1" * 5000
    result = lint_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    image: nginx:1.2\n"
        f"    resources:\n      requests:\n        cpu: '{digits}'\n        memory: {digits}\n"
        f"      limits:\n        cpu: 1e{'9' * 5000}\n        memory: 1e-{'9' * 5000}\n"
    )
    no_crash(result)
    invalid = messages(result, "invalid-quantity")
    assert len([m for m in invalid if "more than k8slint reads in a quantity" in m]) == 3
    # go-yaml reads the plain 1e-999...9 as the float 0 (ParseFloat underflows without an error)
    assert messages(result, "non-positive-limit") == ["limits.memory is 0.0: a zero limit sets no limit at all"]


def test_long_exponents_are_clamped_without_int() -> None:
    from k8slint.model.quantity import parse_quantity

    assert parse_quantity("1e" + "9" * 1500) == 10**1000
    assert parse_quantity("1e-" + "9" * 1500) == parse_quantity("1n")  # rounded up to a nano-unit
    assert parse_quantity("1" * 1000 + "m") == int("1" * 997) + parse_quantity("111m")


def test_quantities_take_ascii_digits_only() -> None:
    from k8slint.model.quantity import QuantityError, parse_quantity

    for text in ("\u0661", "1\u0662", "\u00b2", "1e\u0663"):
        with pytest.raises(QuantityError):
            parse_quantity(text)


def test_superscript_and_long_digits_in_dockerfiles_and_annotations(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.19 AS base\nFROM base\nEXPOSE \u00b2\nEXPOSE 8\u00b2\nEXPOSE 1-\u00b2\nEXPOSE " + "8" * 5000 + "\n"
        "COPY --from=" + "1" * 5000 + " /a /b\nCOPY --from=\u00b2 /a /b\nUSER app\n"
    )
    (tmp_path / "ingress.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: x\n  annotations:\n"
        "    nginx.ingress.kubernetes.io/limit-rps: '\u00b2'\n"
        "    nginx.ingress.kubernetes.io/limit-rpm: '" + "9" * 5000 + "'\n"
        "spec:\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
        "        backend:\n          service:\n            name: web\n            port:\n              name: '\u00b2'\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n"
    )
    result, _ = timed_lint(tmp_path)
    no_crash(result)
    assert len([m for m in messages(result, "port-out-of-range") if "is not a port" in m]) == 4
    assert len(messages(result, "dockerfile-unknown-stage")) == 2
    assert len(messages(result, "rate-limit-annotation")) == 2


# --- Dockerfile variable expansion ---------------------------------------------------------------


def nested_args(levels: int, fan_out: int = 10) -> str:
    lines = ["FROM alpine:3.20", "ARG A0=aaaaaaaaaa"]
    lines += [f"ARG A{i}=" + f"$A{i - 1}" * fan_out for i in range(1, levels + 1)]
    return "\n".join([*lines, f"EXPOSE $A{levels}", f"ENV X=$A{levels}", f"FROM $A{levels}", "USER app"]) + "\n"


def test_args_referencing_each_other_are_bounded_and_reported(tmp_path: Path) -> None:
    # 7 levels took 1 GB of memory and made a 200 MB report; 9 levels would take 100 GB
    (tmp_path / "Dockerfile").write_text(nested_args(9))
    result, seconds = timed_lint(tmp_path)
    assert seconds < 2
    no_crash(result)
    budget = [f for f in result.findings if f.rule == "work-budget-exceeded"]
    assert [(f.code, f.location.line) for f in budget] == [("KL016", 6)]  # ARG A4, the first past 65,536 characters
    assert "ARG A4" in budget[0].message and "unknown" in budget[0].message
    assert sum(len(f.message) for f in result.findings) < 10_000


def test_many_words_spend_the_file_budget(tmp_path: Path) -> None:
    from k8slint.model.dockerfile import MAX_EXPANDED_FILE

    value = "x" * 60_000
    words = " ".join(f"l{i}=$BIG" for i in range(2 * MAX_EXPANDED_FILE // len(value)))
    (tmp_path / "Dockerfile").write_text(
        f"FROM alpine:3.20\nARG BIG={value}\nLABEL {words}\nEXPOSE {' '.join(['$BIG'] * 5000)}\nUSER app\n"
    )
    result, seconds = timed_lint(tmp_path)
    # about 0.8 s alone, and up to 2.9 s late in a full run of the suite on CI's two cores; the budget finding
    # below is what shows the expansion stopped at 1 MB (EXPOSE alone would expand to 300 MB)
    assert seconds < 6
    no_crash(result)
    budget = [f for f in result.findings if f.rule == "work-budget-exceeded"]
    assert len(budget) == 1 and budget[0].location.line == 3 and "1,048,576 characters in total" in budget[0].message


def test_rules_expand_within_the_budget() -> None:
    from k8slint.model.dockerfile import MAX_EXPANDED_FILE, ExpansionTooLarge, substitute
    from k8slint.sources.dockerfiles import RULE_EXPANSIONS, parse_dockerfile

    doc, _ = parse_dockerfile(SourceFile("Dockerfile", "FROM alpine:3.20\nARG BIG=" + "x" * 60_000 + "\nUSER app\n"))
    assert doc is not None
    variables = doc.stages[0].variables
    with pytest.raises(ExpansionTooLarge):
        substitute("$BIG$BIG", variables)  # past one word's bound
    with pytest.raises(ExpansionTooLarge):
        for _ in range(RULE_EXPANSIONS * MAX_EXPANDED_FILE // 60_000 + 1):
            substitute("$BIG", variables)  # past what rules may expand in the file
    assert doc.budget.left < 0


def test_unclosed_braces_expand_in_linear_time() -> None:
    from k8slint.model.dockerfile import Unresolved, substitute

    def expand(text: str) -> None:
        try:
            substitute(text, {"A": "a"})
        except Unresolved:
            pass

    # "${A" with no "}" after it made the old regex rescan to the end from every "${"
    assert growth(lambda n: "${A" * (n // 3), expand, 20_000) < 3
    assert growth(lambda n: "$A${A}" * (n // 6), expand, 20_000) < 3


class _Missing(Exception):
    pass


def _old_substitute(text: str, variables: dict[str, str | None]) -> str:
    """The regex expansion k8slint used before, as a model of the semantics to keep: a variable
    left unresolved anywhere, a default word included, leaves the whole word unresolved."""
    try:
        return _old_expand(text, variables)
    except _Missing as exc:
        return f"<unresolved {exc}>"


def _old_expand(text: str, variables: dict[str, str | None]) -> str:
    import re

    pattern = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+])?(?P<word>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")

    def replace(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        op, word = match.group("op"), match.group("word") or ""
        value = variables.get(name)
        if op in (":-", "-"):
            return value if value not in (None, "") or (op == "-" and value is not None) else _old_expand(word, variables)
        if op in (":+", "+"):
            # "+" alone takes a set but empty value as set (BuildKit's lex tests: ${BAR+bbb} with BAR="" is bbb)
            return _old_expand(word, variables) if value is not None and (op == "+" or value != "") else ""
        if value is None:
            raise _Missing(name)
        return value

    return pattern.sub(replace, text)


# Words the old regex and BuildKit's lexer read alike: literal text around well-formed references
# (the lexer refuses "${}" and unclosed braces, and expands "$1", "$-" and nested references,
# which the regex left as they were; tests/test_buildkit_lexer.py holds BuildKit's own cases).
_REFERENCES = st.sampled_from(["$A", "$B", "$_", "$A1", "${A}", "${B}", "${_}", "${A1}"])
_FLAT_WORD = st.text(alphabet="AB_1x :+-", max_size=4)
_MODIFIED = st.builds(
    lambda name, op, word: "${" + name + op + word + "}",
    st.sampled_from(["A", "B", "_", "A1"]),
    st.sampled_from([":-", "-", ":+", "+"]),
    st.one_of(_FLAT_WORD, st.sampled_from(["$A", "$B", "$_", "$A1"])),  # the regex cannot nest braces
)
_WORDS = st.lists(st.one_of(_FLAT_WORD, _REFERENCES, _MODIFIED), max_size=6).map("".join)


@settings(max_examples=400, deadline=None)
@given(_WORDS)
def test_expansion_agrees_with_the_old_regex(text: str) -> None:
    from k8slint.model.dockerfile import Unresolved, substitute

    variables: dict[str, str | None] = {"A": "a", "B": "", "A1": "$A", "_": None}
    try:
        expanded = substitute(text, variables)
    except Unresolved as exc:
        expanded = f"<unresolved {exc}>"
    assert expanded == _old_substitute(text, variables)


def test_helm_error_lines_are_read_in_linear_time() -> None:
    """helm's error text is under the template's control ({{ fail "..." }}): a path of many
    segments, or a line number of many digits, must not backtrack or overflow int()."""
    from k8slint.sources.helmrender import _PLACE

    match = _PLACE.search("Error: template: chart/templates/sub/x.yaml:12:3: executing boom")
    assert match is not None and match.group("path", "line", "column") == ("chart/templates/sub/x.yaml", "12", "3")
    hostile = "Error: template: c/" + "a/" * 20_000 + "x::" + "b/" * 20_000
    assert best_of(lambda: list(_PLACE.finditer(hostile))) < 0.5
    assert best_of(lambda: list(_PLACE.finditer(" a/b:" * 20_000 + "x"))) < 0.5
    assert _PLACE.search("template: c/a.yaml:" + "9" * 5000 + ": x") is None
