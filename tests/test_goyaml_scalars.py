"""Plain scalars read as go-yaml v2 reads them (sigs.k8s.io/yaml/goyaml.v2, resolve.go), which is how
kubectl and the API server decode a manifest: ``y``/``n`` are booleans, ``0o``/``0X``/``0B`` prefixes and
``_`` separators make integers, ``1e3`` and ``08`` are floats, ``1:30`` and dates stay strings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from conftest import run_lint
from k8slint.model.positions import locate
from k8slint.sources.yamlsafe import KubernetesSafeLoader, load_documents

CASES = [
    ("y", True),
    ("N", False),
    ("Yes", True),
    ("off", False),
    ("1e3", 1000.0),
    ("1E+3", 1000.0),
    ("1.5e3", 1500.0),
    ("6.02e+23", 6.02e23),
    ("08", 8.0),  # not octal: ParseInt fails, the float pattern takes it
    ("010", 8),
    ("0o17", 15),
    ("0O17", 15),
    ("0X1F", 31),
    ("0B101", 5),
    ("1_000", 1000),
    ("1_0.5", 10.5),
    ("-0x10", -16),
    ("+4", 4),
    (".5", 0.5),
    ("1.", 1.0),
    ("-.Inf", -math.inf),
    ("18446744073709551615", 18446744073709551615),  # ParseUint takes what int64 cannot hold
    ("+18446744073709551615", 1.8446744073709552e19),  # but no sign: a float
    ("-9223372036854775808", -9223372036854775808),
    ("-9223372036854775809", -9.223372036854776e18),
    ("9" * 30, 1e30),  # above 64 bits: the float pattern takes it
    ("1e" + "9" * 400, "1e" + "9" * 400),  # ParseFloat's range error: text
    ("1e-400", 0.0),  # an underflow is no range error
    ("0x_", "0x_"),  # no digit once the '_' is gone
    ("_1", "_1"),
    ("e3", "e3"),
    ("1e", "1e"),
    ("0.0.1", "0.0.1"),
    ("1:30", "1:30"),
    ("2024-01-01", "2024-01-01"),
    ("=", "="),
    ("yes please", "yes please"),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text[:24] for text, _ in CASES])
def test_a_plain_scalar_reads_as_go_yaml_reads_it(text: str, expected: object) -> None:
    (document,), errors, _ = load_documents(f"value: {text}\nlisted: [{text}]\n")
    assert errors == []
    for value in (document.data["value"], document.data["listed"][0]):
        assert value == expected and type(value) is type(expected)
    # the constructor PyYAML builds unusual documents with reads it the same way
    assert yaml.load(f"value: {text}\n", Loader=KubernetesSafeLoader)["value"] == expected


def test_an_explicit_int_tag_on_text_go_yaml_cannot_read_is_an_error() -> None:
    _, errors, _ = load_documents("value: !!int 1:30\n")
    assert [error.message for error in errors] == ["'1:30' is not an integer (!!int)"]


def test_what_the_api_server_refuses_and_accepts(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(
        """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    build: 1e3
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.2.3
          env:
            - name: DEBUG
              value: y
          volumeMounts:
            - name: config
              mountPath: /etc/web
      volumes:
        - name: config
          configMap:
            name: web
            defaultMode: 0o644
""",
        encoding="utf-8",
    )
    found = run_lint(tmp_path / "app.yaml", select=["KL010"]).findings
    # `build: 1e3` is the number 1000 and `value: y` the boolean true to kubectl: a label value and an env
    # value must be strings. `defaultMode: 0o644` is the integer 420, which the schema accepts.
    assert sorted((f.location.line, f.message) for f in found) == [
        (7, "metadata.labels.build: expected a string, found the number 1000.0"),
        (21, "spec.template.spec.containers[0].env[0].value: expected a string, found the boolean true"),
    ]


# -- go-yaml's escapes in double-quoted scalars (scannerc.go, yaml_parser_scan_flow_scalar): `\'` is a quote there,
# where libyaml refuses it. kubernetes/website's pods/inject/envars-file-container.yaml holds one.

ESCAPED_QUOTE = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: envfile\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n"
    '      command: ["/bin/sh", "-c", "echo \\\'ok\\\'; sleep 3600"]\n'
    '      env:\n        - {name: GREETING, value: "it\\\'s"}\n'
)


def test_an_escaped_quote_in_a_double_quoted_scalar_reads_as_go_yaml_reads_it() -> None:
    documents, errors, _ = load_documents(ESCAPED_QUOTE)
    assert errors == []
    container = documents[0].data["spec"]["containers"][0]
    assert container["command"][2] == "echo 'ok'; sleep 3600" and container["env"][0]["value"] == "it's"
    # the same length as written: every position stays
    line, column, found = locate(documents[0].positions, ("spec", "containers", 0, "env", 0, "value"))
    assert found == 6 and ESCAPED_QUOTE.splitlines()[line - 1][column - 1 :].startswith('value: "it')


def test_an_escaped_quote_elsewhere_and_other_unknown_escapes_stay_errors() -> None:
    # a bell or a \a escape in the text: the quotes cannot be told from it, and the error stands
    for text in (ESCAPED_QUOTE.replace("it\\'s", "it\\'s\\a"), ESCAPED_QUOTE.replace('"/bin/sh"', '"\\q"')):
        _, errors, _ = load_documents(text)
        assert [error.message.rsplit(" ", 3)[-3:] for error in errors] == [["unknown", "escape", "character"]]
    # in a single-quoted or plain scalar a backslash is a backslash: nothing to read again
    documents, errors, _ = load_documents("a: 'it\\'\nb: don\\'t\n")
    assert errors == [] and documents[0].data == {"a": "it\\", "b": "don\\'t"}


def test_a_manifest_with_an_escaped_quote_is_linted(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(ESCAPED_QUOTE)
    assert [f.code for f in run_lint(tmp_path).findings if f.code.startswith("KL")] == []


def test_a_slash_escape_is_refused_as_go_yaml_refuses_it_and_the_file_is_still_linted(tmp_path: Path) -> None:
    """YAML 1.2 and libyaml read `\\/` in a double-quoted scalar; go-yaml stops at it. JSON readers take it."""
    (tmp_path / "cm.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: urls\ndata:\n  a: "http:\\/\\/example.com"\n'
        '  b: plain\\/ok\n  c: "ok\\\\/"\n  d: ok\n'
    )
    result = run_lint(tmp_path)
    ((line, column, message),) = [(f.location.line, f.location.column, f.message) for f in result.findings if f.code == "KL001"]
    assert (line, column) == (6, 12) and "go-yaml" in message and result.objects == 1
    (tmp_path / "cm.yaml").unlink()
    (tmp_path / "cm.json").write_text(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "urls"}, "data": {"a": "http:\\/\\/x"}}'
    )
    assert [f.code for f in run_lint(tmp_path).findings] == []
