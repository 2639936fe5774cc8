"""Findings that the sixth fresh review of public repositories (docs/precision/2026-12-03/fresh-6/REVIEW.md)
showed to be wrong or doubled, each on the shape it had in the wild."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint

# kubernetes/autoscaler (commit 55c37cd5; Apache-2.0) cluster-autoscaler/cloudprovider/alicloud/examples, cut: two
# variants of one deployment, each with its own cloud-config Secret; one of them is applied.
ALICLOUD = """\
apiVersion: v1
kind: Secret
metadata:
  name: cloud-config
  namespace: kube-system
type: Opaque
data:
{keys}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cluster-autoscaler
  namespace: {namespace}
  labels:
    app: cluster-autoscaler
spec:
  replicas: 1
  selector:
    matchLabels:
      app: cluster-autoscaler
  template:
    metadata:
      labels:
        app: cluster-autoscaler
    spec:
      containers:
        - name: cluster-autoscaler
          image: registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0
          command: ["./cluster-autoscaler", "--cloud-provider=alicloud"]
          env:
{env}
"""
STANDARD_KEYS = "  access-key-id: YWtpZA==\n  access-key-secret: YWtzZWNyZXQ=\n  region-id: Y24taGFuZ3pob3U="
RRSA_KEYS = "  role-arn: YXJu\n  region-id: Y24taGFuZ3pob3U="


def _env(*keys: str) -> str:
    return "".join(
        f"            - name: {key.upper().replace('-', '_')}\n              valueFrom:\n                secretKeyRef:\n"
        f"                  name: cloud-config\n                  key: {key}\n"
        for key in keys
    )


def _key_findings(folder: Path) -> list[tuple[str, int, str]]:
    return [(Path(f.location.file).name, f.location.line, f.message) for f in run_lint(folder).findings if f.code == "KN025"]


def test_a_reference_never_resolves_into_a_variant_of_its_own_file(tmp_path: Path) -> None:
    # the standard file's Secret is in the default namespace (no namespace written): no Secret of its own for the
    # Deployment in the app namespace, and the RRSA file's Secret is another variant's
    for namespace in ("apps", "kube-system"):
        (tmp_path / "standard.yaml").write_text(
            ALICLOUD.format(keys=STANDARD_KEYS, namespace=namespace, env=_env("access-key-id", "access-key-secret")).replace(
                "  namespace: kube-system\ntype", "type"
            )
        )
        (tmp_path / "rrsa.yaml").write_text(
            ALICLOUD.format(keys=RRSA_KEYS, namespace="kube-system", env=_env("role-arn")).replace("kube-system", namespace)
        )
        assert _key_findings(tmp_path) == []
    # the same files applied together (the Deployment defined alike in both): one set, and the key is looked up
    shared = ALICLOUD.format(keys=RRSA_KEYS, namespace="apps", env=_env("role-arn", "access-key-id")).replace("kube-system", "apps")
    (tmp_path / "standard.yaml").write_text(shared.split("---\n")[1])
    (tmp_path / "rrsa.yaml").write_text(shared)
    found = _key_findings(tmp_path)
    assert [(file, message.split(" (")[0]) for file, _, message in found] == [
        ("rrsa.yaml", "Secret 'cloud-config' has no key 'access-key-id'"),
        ("standard.yaml", "Secret 'cloud-config' has no key 'access-key-id'"),
    ]


# elastic/cloud-on-k8s (commit 7b93383d; Apache-2.0) config/recipes/elastic-agent, cut: each recipe is a whole
# stack (its own Elasticsearch, Kibana and Ingress); one recipe's Secret says nothing of the Secrets another's
# Ingress needs, which the recipe expects made out of band (its comment says so).
RECIPE = """\
apiVersion: elasticsearch.k8s.elastic.co/v1
kind: Elasticsearch
metadata:
  name: elasticsearch
spec:
  version: {version}
  nodeSets:
  - name: default
    count: 1
{extra}"""
INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: elastic-ingress
spec:
  tls:
    - hosts: ["es.example.com"]
      secretName: es-acme
  rules:
    - host: es.example.com
      http:
        paths:
        - path: /
          pathType: Prefix
          backend:
            service:
              name: elasticsearch-es-http
              port:
                number: 9200
"""
APM_SECRET = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: apm-secret-token\nstringData:\n  secret-token: change-me\n"


def test_a_missing_secret_is_judged_from_the_variants_own_file(tmp_path: Path) -> None:
    (tmp_path / "fleet-ingress-setup.yaml").write_text(RECIPE.format(version="8.15.0", extra=INGRESS))
    (tmp_path / "fleet-apm-integration.yaml").write_text(RECIPE.format(version="8.14.0", extra=APM_SECRET))
    assert [f.code for f in run_lint(tmp_path).findings if f.code == "KN043"] == []
    # not variants (the Elasticsearch written alike): the folder manages its Secrets, and es-acme is not among them
    (tmp_path / "fleet-apm-integration.yaml").write_text(RECIPE.format(version="8.15.0", extra=APM_SECRET))
    assert [f.code for f in run_lint(tmp_path).findings if f.code == "KN043"] == ["KN043"]


# elastic/cloud-on-k8s config/dev/registry.yaml (cut): a DaemonSet with no selector is one error, the selector rule's.
def test_a_workload_without_a_selector_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "registry.yaml").write_text(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: registry-proxy\nspec:\n  template:\n    metadata:\n"
        "      labels:\n        app: registry-proxy\n    spec:\n      containers:\n        - name: proxy\n          image: nginx:1.27\n"
    )
    errors = [(f.code, f.message) for f in run_lint(tmp_path).findings if f.severity.name == "ERROR"]
    assert errors == [("KR001", "spec.selector is missing; apps/v1 DaemonSet requires a selector that matches the pod template labels")]


# envoyproxy/gateway (commit d32f2829; Apache-2.0) test/helm/gateway-helm, cut: `helm template` outputs of one chart
# with different test values, each a whole install; only one of them renders a PodDisruptionBudget.
GATEWAY_RENDER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: envoy-gateway
  namespace: envoy-gateway-system
spec:
  replicas: 1
  selector:
    matchLabels: {control-plane: envoy-gateway}
  template:
    metadata:
      labels: {control-plane: envoy-gateway}
    spec:
      containers:
      - name: envoy-gateway
        image: docker.io/envoyproxy/gateway:v1.5.0
        args: [server, --config-path=/config/envoy-gateway.yaml, --log-level=LEVEL]
"""
GATEWAY_PDB = """\
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: envoy-gateway
  namespace: envoy-gateway-system
spec:
  minAvailable: 1
  selector:
    matchLabels: {control-plane: envoy-gateway}
"""


def _kr020(folder: Path) -> list[str]:
    return sorted(Path(f.location.file).name for f in run_lint(folder).findings if f.code == "KR020")


def test_a_pdb_of_one_render_is_not_held_against_the_others(tmp_path: Path) -> None:
    """Each file is one variant of the install (the Deployment differs): the PDB of one never judges another's."""
    (tmp_path / "control-plane-with-pdb.out.yaml").write_text(GATEWAY_RENDER.replace("LEVEL", "info") + GATEWAY_PDB)
    for number in range(40):  # more than the old limit of 32 definitions of one name
        (tmp_path / f"values-{number:02d}.out.yaml").write_text(GATEWAY_RENDER.replace("LEVEL", f"debug-{number}"))
    assert _kr020(tmp_path) == ["control-plane-with-pdb.out.yaml"]
    # the same Deployment in both files: one install, whose PDB does block drains
    (tmp_path / "values-00.out.yaml").write_text(GATEWAY_RENDER.replace("LEVEL", "info"))
    assert _kr020(tmp_path) == ["control-plane-with-pdb.out.yaml", "values-00.out.yaml"]
