"""unrendered-placeholder: the one finding on a template placeholder, and the helpers behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run_lint
from k8slint.model.placeholders import (
    image_placeholder,
    port_placeholder,
    schema_placeholder,
    secret_data_placeholder,
    template_placeholder,
    value_placeholder,
)

CASES = sorted((FIXTURES / "rules" / "KM006").glob("fail_*.yaml"))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_a_placeholder_gets_one_finding_not_a_grammar_error_too(case: Path) -> None:
    findings = run_lint(case).findings
    placeholder_lines = {f.location.line for f in findings if f.code == "KM006"}
    assert placeholder_lines
    # Rules about the whole container (missing probes, security context) may share the line of an image.
    container_rules = ("KR01", "KS0")
    doubled = [
        f"{f.location.line} {f.code} {f.message}"
        for f in findings
        if f.location.line in placeholder_lines and f.code != "KM006" and not f.code.startswith(container_rules)
    ]
    assert doubled == []


@pytest.mark.parametrize(
    ("image", "parses", "expected"),
    [
        ("PROJECT_ID/app", False, "PROJECT_ID"),
        ("gcr.io/PROJECT_ID/app:1.0", False, "PROJECT_ID"),
        ("CONTAINER_IMAGE", False, "CONTAINER_IMAGE"),
        ("<DOCKER_REPO>/x", False, "<DOCKER_REPO>"),
        ("gcr.io/$PROJECT_ID/app", False, "$PROJECT_ID"),
        ("${REGISTRY}/app:${TAG}", False, "${REGISTRY}"),
        ("$(IMAGE)", False, "$(IMAGE)"),
        ("ko://github.com/tektoncd/pipeline/cmd/controller", False, "ko://"),
        ("gcr.io/MyProject/app", False, None),  # a mis-cased name, not a placeholder
        ("gcr.io/PROJECTid/app", False, None),
        ("REGION-docker.pkg.dev/PROJECT_ID/repo/app", False, "REGION"),
        ("Backend:latest", False, None),
        ("registry.example.com/acme/web:V1", True, None),  # a tag may be upper case
        ("MYREGISTRY:5000/app", True, None),  # valid: a host may be upper case
        ("ghcr.io/acme/web__api:1.0", True, None),
    ],
)
def test_image_placeholder(image: str, parses: bool, expected: str | None) -> None:
    assert image_placeholder(image, parses) == expected


@pytest.mark.parametrize(
    ("value", "caps", "expected"),
    [
        ("${ACCELERATOR_QUANTITY}", True, "${ACCELERATOR_QUANTITY}"),
        ("${ CLUSTER_NAME }-control-plane-0", False, "${ CLUSTER_NAME }"),  # clusterctl's legacy spacing
        ("${ NAMESPACE}", False, "${ NAMESPACE}"),
        ("${CLUSTER_NAME }-md-0", False, "${CLUSTER_NAME }"),
        ("${ not a name }", False, None),
        ("${GPU_LIMIT:-1}", True, "${GPU_LIMIT:-1}"),
        ("CPU_LIMIT", True, "CPU_LIMIT"),
        ("CPU_LIMIT", False, None),
        ("PROD", False, None),
        ("M", True, None),  # one letter: a bad quantity suffix, not a placeholder
        ("500m", True, None),
        ("__INGRESS_HOST__", False, "__INGRESS_HOST__"),
        ("registry.<your domain>", False, "<your domain>"),
        ("{{ .Values.name }}", False, "{{ .Values.name }}"),
        ("registry/{Organization name}/app", False, "{Organization name}"),  # kubernetes/autoscaler's docs
        ("{ spaced first}", False, None),
        ("...", False, "..."),  # an elision
        ("\u2026", True, "\u2026"),
        ("..", False, None),
        ("a...", False, None),
    ],
)
def test_value_placeholder(value: str, caps: bool, expected: str | None) -> None:
    assert value_placeholder(value, caps=caps) == expected


def test_dollar_paren_is_a_placeholder_only_where_the_api_never_expands_it() -> None:
    assert template_placeholder("$(POD_NAME)") is None  # env values, command, args: the API's own expansion
    assert template_placeholder("$(POD_NAME)", unexpanded=True) == "$(POD_NAME)"  # an image, a mountPath


def test_a_relative_mount_path_is_a_warning_that_says_where_the_kubelet_mounts_it() -> None:
    findings = [f for f in run_lint(FIXTURES / "rules" / "KC004" / "fail_relative.yaml").findings if f.code == "KC004"]
    assert [(f.severity.name.lower(), f.message.split(": ", 1)[1]) for f in findings] == [
        ("warning", "the kubelet mounts it at '/data', under the root, not under the image's working directory"),
        ("warning", "the kubelet mounts it at '/cache', under the root, not under the image's working directory"),
        ("warning", "the kubelet mounts it at '/logs', under the root, not under the image's working directory"),
        ("warning", "the kubelet mounts it at 'c:\\\\data', under the root, not under the image's working directory"),  # Windows
    ]


def test_a_dollar_paren_mount_path_is_a_placeholder_not_a_relative_path() -> None:
    findings = run_lint(FIXTURES / "rules" / "KM006" / "fail_kustomize_replacement_mount_path.yaml").findings
    assert [(f.code, f.location.line) for f in findings if f.code in ("KM006", "KC004")] == [("KM006", 33)]


@pytest.mark.parametrize(
    ("value", "number_only", "expected"),
    [
        ("PORT", True, "PORT"),
        ("PORT", False, "PORT"),
        ("TARGET_PORT", False, "TARGET_PORT"),
        ("HTTP", False, None),  # may be a mis-cased port name
        ("HTTP", True, "HTTP"),
        ("http", False, None),
        (8080, True, None),
        ("${PORT}", False, "${PORT}"),
    ],
)
def test_port_placeholder(value: object, number_only: bool, expected: str | None) -> None:
    assert port_placeholder(value, number_only=number_only) == expected


@pytest.mark.parametrize("unit", ["{{", "${", "<a", "{a", "{a b", "A", "__A_", "$a", "A_"])
def test_a_megabyte_value_is_searched_in_linear_time(unit: str) -> None:
    import time

    text = unit * (1_000_000 // len(unit)) + "a"
    started = time.perf_counter()
    image_placeholder(text, parses=False)
    value_placeholder(text, caps=True)
    port_placeholder(text, number_only=False)
    assert time.perf_counter() - started < 2.0


def test_a_placeholder_base_image_is_one_warning_not_an_invalid_reference(tmp_path: Path) -> None:
    """rook/rook images/ceph/Dockerfile: its Makefile copies the file and writes the base image over BASEIMAGE."""
    (tmp_path / "Dockerfile").write_text("# see Makefile for the BASEIMAGE definition\nFROM BASEIMAGE\nRUN true\nUSER 1000\n")
    found = [(f.code, str(f.severity), f.location.line) for f in run_lint(tmp_path).findings if f.code in ("KM006", "KR005")]
    assert found == [("KM006", "warning", 2)]
    (tmp_path / "Dockerfile").write_text("FROM Ubuntu:22.04\nUSER 1000\n")  # a mis-cased name: no placeholder
    found = [(f.code, str(f.severity)) for f in run_lint(tmp_path).findings if f.code in ("KM006", "KR005")]
    assert found == [("KR005", "error")]


@pytest.mark.parametrize(("value", "expected"), [("ROOK_TOKEN", "ROOK_TOKEN"), ("PASSWORD", None), ("cGFzcw==", None), ("<b64>", "<b64>")])
def test_secret_data_placeholder(value: str, expected: str | None) -> None:
    assert secret_data_placeholder(value) == expected


# external-secrets/external-secrets docs/snippets (commit cc5bfbc2; Apache-2.0), cut: mkdocs-macros snippets wrapped
# in a Jinja raw block, so that the site shows the controller's {{ }} templates as written
RAW_SNIPPET = """{% raw %}
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: Template
spec:
  target:
    template:
      data:
        tls.crt: "{{ .mysecret | pkcs12cert | pemCertificate }}"
{% endraw %}
"""


def test_a_file_in_a_jinja_raw_block_is_linted_as_what_it_wraps(tmp_path: Path) -> None:
    (tmp_path / "snippet.yaml").write_text(RAW_SNIPPET)
    found = [(f.code, f.location.line) for f in run_lint(tmp_path).findings]
    assert ("KM003", 5) in found and "KL001" not in {code for code, _ in found}  # the name is the snippet's own defect
    # nothing in a raw block is rendered: a quote inside a quoted {{ }} is the file's own syntax error, not a template
    (tmp_path / "snippet.yaml").write_text(RAW_SNIPPET.replace("pkcs12cert | pemCertificate", 'filterPEM "CERTIFICATE"'))
    assert [(f.code, str(f.severity), f.location.line) for f in run_lint(tmp_path).findings] == [("KL001", "error", 10)]
    # other Jinja statements: a template to be rendered first, one placeholder warning
    (tmp_path / "snippet.yaml").write_text("{% if ingress %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n{% endif %}\n")
    assert [(f.code, str(f.severity), f.location.line) for f in run_lint(tmp_path).findings] == [("KM006", "warning", 1)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  name: @STS_NAME@", [("KM006", "warning", 4)]),  # longhorn's scale test: sed fills these in
        ("  name: @sts@", [("KL001", "error", 4)]),  # YAML reserves @; no all-caps name between them: the file's own error
        ("  name: @STS_NAME", [("KL001", "error", 4)]),  # one at sign: not a placeholder the file is filled in by
        # cert-manager's e2e bind Service (make/config/bind/service.yaml): sed fills {SERVICE_IP_PREFIX} in
        ("  name: {SERVICE_IP_PREFIX}.16", [("KM006", "warning", 4)]),
        # a lower-case word between braces with text run on after it, which no flow mapping has: a str.format-style
        # fill-in (kserve's docs: `image: {username}/torchserve:latest`)
        ("  name: {service}.16", [("KM006", "warning", 4)]),
        ("  name: {service} .16", [("KL001", "error", 4)]),  # a flow mapping, then more: the file's own error
        ("  name: {{SERVICE}.16", [("KL001", "error", 4)]),  # not one placeholder between single braces
    ],
)
def test_an_at_sign_or_brace_placeholder_is_a_template_to_render(tmp_path: Path, line: str, expected: list[tuple[str, str, int]]) -> None:
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n{line}\ndata: {{}}\n"
    (tmp_path / "cm.yaml").write_text(text)
    found = [(f.code, str(f.severity), f.location.line) for f in run_lint(tmp_path).findings if f.code in ("KM006", "KL001")]
    assert found == expected


@pytest.mark.parametrize(
    ("value", "message", "expected"),
    [
        (["YOUR_BASE64_AK_ID"], "expected a string, found a list", "[YOUR_BASE64_AK_ID]"),
        (["${REGION}"], "expected a string, found a list", "[${REGION}]"),
        (["a", "B_C"], "expected a string, found a list", None),  # a list of two: written as a list
        (["region"], "expected a string, found a list", None),
        (["YOUR_ID"], "expected one of 'A', 'B'", None),
    ],
)
def test_a_one_item_flow_list_of_a_placeholder_is_one(value: object, message: str, expected: str | None) -> None:
    assert schema_placeholder(value, message) == expected


def test_an_elision_line_is_one_warning_not_a_syntax_error(tmp_path: Path) -> None:
    """external-secrets' docs/snippets/1password-connect-server-deployment.yaml (cut): a `...` line leaves fields out."""
    (tmp_path / "connect.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: onepassword-connect\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: connect-api\n        image: 1password/connect-api:1.5.0\n        ...\n"
        "      - name: connect-sync\n        image: 1password/connect-sync:1.5.0\n"
    )
    found = [(f.code, f.location.line, f.message.split(",")[0]) for f in run_lint(tmp_path).findings]
    assert found == [("KM006", 11, "line 11 is the elision '...'")]


def test_a_placeholder_yaml_reads_as_a_comment_is_one_warning(tmp_path: Path) -> None:
    """argoproj/argo-cd (commit 37ee0097; Apache-2.0) test/remote/argocd-remote-permissions.yaml, cut:
    generate-permissions.sh fills `##CRNAME##` in with sed; YAML reads it as a comment, so the values are null."""
    (tmp_path / "permissions.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ##CRBNAME##\n"
        "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: ##CRNAME##\n"
        "subjects:\n- kind: ServiceAccount\n  name: ##CONTROLLERSANAME##\n  namespace: ##NAMESPACE##\n"
    )
    found = [(f.code, str(f.severity), f.location.line) for f in run_lint(tmp_path).findings]
    assert found == [("KM006", "warning", 4), ("KM006", "warning", 8), ("KM006", "warning", 11)]
    # a real comment after an empty value is no placeholder: the missing name is the file's own error
    (tmp_path / "permissions.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: # set me\nrules: []\n"
    )
    assert [(f.code, str(f.severity)) for f in run_lint(tmp_path).findings] == [("KL004", "error")]


def test_an_elision_at_the_start_of_a_line_is_called_the_end_of_a_document(tmp_path: Path) -> None:
    """kubernetes/website's validatingadmissionpolicy/failure-policy-ignore.yaml: `spec:` then `...` at column 0."""
    (tmp_path / "vap.yaml").write_text(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nspec:\n...\n"
        'failurePolicy: Ignore\nvalidations:\n- expression: "object.spec.xyz == params.x"\n'
    )
    (found,) = [f for f in run_lint(tmp_path).findings if f.code == "KM006"]
    assert found.message.startswith("line 4 is the elision '...', YAML's end of a document, which cuts the file there: ")


def test_a_placeholder_api_version_is_a_template_not_another_tools_file(tmp_path: Path) -> None:
    """secrets-store-csi-driver's e2e SecretProviderClasses (`apiVersion: $API_VERSION`, filled by envsubst) were set
    aside as "not Kubernetes" without a word; a Deployment so written hid whatever was wrong in it."""
    (tmp_path / "spc.yaml").write_text(
        "apiVersion: $API_VERSION\nkind: SecretProviderClass\nmetadata:\n  name: azure\nspec:\n  provider: azure\n"
    )
    result = run_lint(tmp_path)
    assert result.not_kubernetes == []
    ((code, line, message),) = [(f.code, f.location.line, f.message) for f in result.findings]
    assert (code, line) == ("KM006", 1) and message.startswith("apiVersion is '$API_VERSION', a placeholder: the SecretProviderClass")


def test_a_line_that_is_one_envsubst_variable_is_a_template_not_a_syntax_error(tmp_path: Path) -> None:
    """secrets-store-csi-driver's conjur e2e templates: `$CONJUR_SSL_CERT` alone at column 1 under `sslCertificate: |`."""
    (tmp_path / "spc.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conjur\ndata:\n  sslCertificate: |\n$CONJUR_SSL_CERT\n  account: x\n"
    )
    ((code, line, message),) = [(f.code, f.location.line, f.message) for f in run_lint(tmp_path).findings]
    assert (code, line) == ("KM006", 7) and "'$CONJUR_SSL_CERT'" in message
