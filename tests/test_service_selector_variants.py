"""KN001 variants: a label the pods' own controller may set at run time, pods whose file leaves their namespace to kubectl.

A Service whose selector wants one label that the nearest pod template lacks is an error; when those pods run
as a ServiceAccount that RBAC lets patch or update pods in their namespace, it is a warning that says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run_lint

RUNTIME = FIXTURES / "rules" / "KN001" / "fail_runtime_label.yaml"


def _kn001(path: Path) -> list[tuple[str, str]]:
    return [(str(f.severity), f.message) for f in run_lint(path, select=["KN001"]).findings]


def test_a_label_the_operator_may_set_on_its_own_pods_is_a_warning() -> None:
    [(severity, message)] = _kn001(RUNTIME)
    assert severity == "warning"
    assert "may set at run time (RBAC lets it patch or update pods)" in message


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (("verbs: [get, list, watch, patch, delete]", "verbs: [get, list, watch, delete]"), "no patch or update on pods"),
        (("resources: [pods]", "resources: [services]"), "patch on another resource"),
        (('apiGroups: [""]', "apiGroups: [apps]"), "pods of another group"),
        (("serviceAccountName: minio-operator", "serviceAccountName: other"), "pods of another ServiceAccount"),
        (("    namespace: minio-operator\nEOF", "    namespace: elsewhere\nEOF"), "the binding names another namespace's account"),
    ],
)
def test_without_the_grant_to_those_pods_it_stays_an_error(tmp_path: Path, change: tuple[str, str], why: str) -> None:
    text = RUNTIME.read_text(encoding="utf-8") + "EOF"
    assert change[0] in text, why
    target = tmp_path / "m.yaml"
    target.write_text(text.replace(change[0], change[1]).removesuffix("EOF"), encoding="utf-8")
    [(severity, message)] = _kn001(target)
    assert severity == "error", why
    assert "whose pods have no 'operator' label where the selector wants operator: leader" in message


def test_a_role_binding_grants_only_in_its_own_namespace(tmp_path: Path) -> None:
    text = RUNTIME.read_text(encoding="utf-8")
    text = text.replace(
        "kind: ClusterRoleBinding\nmetadata:\n  name: minio-operator-binding",
        "kind: RoleBinding\nmetadata:\n  name: b\n  namespace: minio-operator",
    )
    (tmp_path / "here.yaml").write_text(text, encoding="utf-8")
    assert [s for s, _ in _kn001(tmp_path / "here.yaml")] == ["warning"]
    elsewhere = text.replace("name: b\n  namespace: minio-operator", "name: b\n  namespace: other")
    (tmp_path / "here.yaml").write_text(elsewhere, encoding="utf-8")
    assert [s for s, _ in _kn001(tmp_path / "here.yaml")] == ["error"]


IMPLICIT = FIXTURES / "rules" / "KN001" / "fail_implicit_namespace.yaml"


def test_pods_whose_file_leaves_their_namespace_to_kubectl_are_a_warning() -> None:
    [(severity, message)] = _kn001(IMPLICIT)
    assert severity == "warning"
    assert "applied with -n dapr-tests (the only -n kubectl accepts for this file) they meet" in message


def test_pods_in_another_namespace_of_the_same_file_are_an_error(tmp_path: Path) -> None:
    text = IMPLICIT.read_text(encoding="utf-8").replace(
        "  name: zipkin\nspec:\n  selector:\n", "  name: zipkin\n  namespace: tracing\nspec:\n  selector:\n", 1
    )
    assert "namespace: tracing" in text
    (tmp_path / "z.yaml").write_text(text, encoding="utf-8")
    [(severity, message)] = _kn001(tmp_path / "z.yaml")
    assert severity == "error"
    assert message.startswith("selector {app: zipkin} matches the pods of Deployment tracing/zipkin, but a Service only selects pods")


def test_a_binding_whose_subject_the_build_moves_to_the_pods_namespace(tmp_path: Path) -> None:
    """minio/operator's resources/: the ClusterRoleBinding's subject says namespace default, and the kustomization's
    namespace: minio-operator moves it there when built (kustomize's setRoleBindingSubjects: defaultOnly)."""
    text = RUNTIME.read_text(encoding="utf-8").replace(
        "    name: minio-operator\n    namespace: minio-operator\n", "    name: minio-operator\n    namespace: default\n"
    )
    assert "    namespace: default\n" in text
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "all.yaml").write_text(text, encoding="utf-8")
    assert [s for s, _ in _kn001(tmp_path / "base")] == ["error"]  # unbuilt and alone: the subject is in default
    (tmp_path / "kustomization.yaml").write_text("namespace: minio-operator\nresources:\n  - base/all.yaml\n", encoding="utf-8")
    assert [s for s, _ in _kn001(tmp_path)] == ["warning"]


# luksa/kubernetes-in-action-2nd-edition (commit a511b9ed; Apache-2.0), Chapter11/kiada-0.5 (cut): a Service whose
# selector no pod matches, beside an HTTPRoute of the same name
KIADA = """apiVersion: v1
kind: Pod
metadata:
  name: kiada
  labels:
    app: kiada
spec:
  containers:
  - name: kiada
    image: luksa/kiada:0.5
    ports:
    - name: http
      containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: quote
spec:
  selector:
    app.kubernetes.io/name: quote
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: quote
spec:
  parentRefs:
  - name: kiada
  rules:
  - backendRefs:
    - name: quote
      port: 80
"""


@pytest.mark.parametrize(
    "custom",
    [
        "",
        "---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: quote\nspec:\n  endpoints: []\n",
    ],
)
def test_a_route_or_scrape_config_named_like_the_selector_makes_no_pods(tmp_path: Path, custom: str) -> None:
    (tmp_path / "kiada.yaml").write_text(KIADA + custom, encoding="utf-8")
    [(severity, message)] = _kn001(tmp_path / "kiada.yaml")
    assert severity == "error" and "quote" in message


def test_a_custom_resource_named_like_the_selector_may_make_its_pods(tmp_path: Path) -> None:
    operator = "---\napiVersion: example.com/v1\nkind: QuoteServer\nmetadata:\n  name: quote\nspec:\n  replicas: 1\n"
    (tmp_path / "kiada.yaml").write_text(KIADA + operator, encoding="utf-8")
    assert _kn001(tmp_path / "kiada.yaml") == []  # an operator's pods may carry its name: not known to be missing
