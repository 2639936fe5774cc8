"""What each file is: Kubernetes objects are linted; other tools' YAML and JSON, kustomize's own
input, k8slint's config and a chart's files are not linted as objects; the same whether a folder
is walked or its files are named one by one (as pre-commit passes them)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from k8slint.config import build_settings
from k8slint.engine import lint
from k8slint.model.kinds import is_kubernetes_document
from k8slint.registry import registry
from tests.conftest import run_lint

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
          image: ghcr.io/acme/web:1.4.2
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
"""

OTHER_TOOLS = {
    "package.json": '{"name": "web", "version": "1.0.0", "scripts": {"start": "node index.js"}}\n',
    "tsconfig.json": '{"compilerOptions": {"strict": true, "target": "es2022"}}\n',
    "docker-compose.yml": "services:\n  web:\n    image: web:dev\n    ports: ['8080:8080']\n",
    "mkdocs.yml": "site_name: Web\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
    "compose.override.yaml": "services:\n  web:\n    ports: !override\n      - 9090:8080\n",
    "openapi.yaml": "openapi: 3.0.3\ninfo: {title: Web, version: 1.0.0}\npaths: {}\n",
    "grafana-datasources.yaml": "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n",
    "index.yaml": "apiVersion: v1\nentries: {}\ngenerated: '2024-01-01T00:00:00Z'\n",
    "skaffold.yaml": "apiVersion: skaffold/v4beta6\nkind: Config\nmetadata:\n  name: web\nmanifests:\n  rawYaml: [k8s/*.yaml]\n",
    "rules.yaml": "groups:\n  - name: web\n    rules:\n      - alert: Down\n        expr: up == 0\n",
    "crs-config.yaml": "kind: CustomResourceStateMetrics\nspec:\n  resources: []\n",
    "kubeconfig.yaml": "apiVersion: v1\nkind: Config\nclusters: []\n",
    "catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: web}\nspec: {type: service}\n",
    "broken-notes.yaml": "title: [unclosed\n",
    # knative/serving, test/config/ytt/core/kapp-rebase-aggregate-roles.yaml (commit 98e5ef90aa70; Apache-2.0)
    "kapp-rebase-aggregate-roles.yaml": "apiVersion: kapp.k14s.io/v1alpha1\nkind: Config\nrebaseRules:\n- path: [rules]\n"
    "  type: copy\n  sources: [existing, new]\n  resourceMatchers:\n  - notMatcher:\n      matcher:\n"
    "        emptyFieldMatcher:\n          path: [aggregationRule]\n",
    "kbld.yml": "apiVersion: kbld.k14s.io/v1alpha1\nkind: Config\nsources:\n- image: web\n  path: .\n",
    # aws-samples/eks-workshop-v2 (commit bb1b30007ba6; MIT-0): cluster/eksctl/cluster.yaml (cut) and
    # manifests/modules/networking/eks-hybrid-nodes/nodeconfig.yaml
    "cluster.yaml": "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\navailabilityZones:\n  - ${AWS_REGION}a\n"
    'metadata:\n  name: ${EKS_CLUSTER_NAME}\n  region: ${AWS_REGION}\n  version: "1.33"\n',
    "nodeconfig.yaml": "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    name: $EKS_CLUSTER_NAME\n"
    "    region: $AWS_REGION\n  hybrid:\n    ssm:\n      activationCode: $ACTIVATION_CODE\n      activationId: $ACTIVATION_ID\n",
    "vendir.yml": "apiVersion: vendir.k14s.io/v1alpha1\nkind: Config\ndirectories:\n- path: vendor\n  contents: []\n",
    # kubernetes-sigs/cluster-api (commit ae7ff047db; Apache-2.0): metadata.yaml, clusterctl's release metadata (cut)
    "metadata.yaml": "# maps release series of major.minor to cluster-api contract version\n"
    "apiVersion: clusterctl.cluster.x-k8s.io/v1alpha3\nkind: Metadata\nreleaseSeries:\n  - major: 1\n    minor: 15\n"
    "    contract: v1beta2\n",
    # kubeflow/manifests (commit 009c88084; Apache-2.0): tensorboard-controller's config/manager/controller_manager_config.yaml
    "controller_manager_config.yaml": "apiVersion: controller-runtime.sigs.k8s.io/v1alpha1\nkind: ControllerManagerConfig\n"
    "health:\n  healthProbeBindAddress: :8081\nmetrics:\n  bindAddress: 127.0.0.1:8080\nwebhook:\n  port: 9443\n"
    "leaderElection:\n  leaderElect: false\n  resourceName: kubeflow-tensorboard-controller\n",
    # kubernetes-sigs/gateway-api (commit 4564255a; Apache-2.0): a conformance report under conformance/reports
    # and a GEP's metadata.yaml under geps/ (cut)
    "experimental-envoy-gateway-default-report.yaml": "apiVersion: gateway.networking.k8s.io/v1\nkind: ConformanceReport\n"
    'date: "2024-05-01T10:00:00Z"\ngatewayAPIVersion: v1.1.0\nimplementation:\n  organization: envoyproxy\n'
    "  project: envoy-gateway\nmode: default\n",
    # grafana/loki (commit 65e30f84; AGPL-3.0): production/helm/loki/test/integration/ingress/test-plan.yaml (cut)
    "test-plan.yaml": "apiVersion: helm-chart-toolbox.grafana.com/v1\nkind: TestPlan\nname: ingress\nsubject:\n"
    "  releaseName: loki\n  namespace: loki\n  path: ../../..\n",
    "gep-1748-metadata.yaml": "apiVersion: internal.gateway.networking.k8s.io/v1alpha1\nkind: GEPDetails\nnumber: 1748\n"
    "name: Gateway API Interaction with Multi-Cluster Services\nstatus: Experimental\n",
    # grafana/helm-charts (commit 7a0ab968; Apache-2.0): a Tanka environment's spec.json
    "spec.json": '{"apiVersion": "tanka.dev/v1alpha1", "kind": "Environment", "metadata": {"name": "environments/default"},'
    ' "spec": {"apiServer": "", "namespace": "enterprise-metrics"}}\n',
    # kubernetes/examples (commit 279e8e4f; Apache-2.0): _archived/scheduler-policy/scheduler-policy-config.json (cut),
    # kube-scheduler's legacy --policy-config-file
    "scheduler-policy-config.json": '{"kind": "Policy", "apiVersion": "v1", "predicates": [{"name": "PodFitsResources"}],'
    ' "priorities": [{"name": "LeastRequestedPriority", "weight": 1}]}\n',
    # open-policy-agent/gatekeeper (commit dd8507eb; Apache-2.0): test/gator/verify/suite.yaml (cut)
    "suite.yaml": "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\nmetadata:\n  name: suite\ntests:\n- name: required-labels\n"
    "  template: template.yaml\n  constraint: constraint.yaml\n",
    # open-policy-agent/gatekeeper-library (commit 5c441fb6; Apache-2.0): a gator case's update.yaml (cut), an
    # admission request gator reviews; and catalog.yaml, gator's PolicyCatalog
    "update.yaml": 'kind: AdmissionReview\napiVersion: admission.k8s.io/v1beta1\nrequest:\n  operation: "UPDATE"\n'
    "  object:\n    apiVersion: v1\n    kind: Pod\n    metadata: {name: nginx}\n    spec:\n      containers: [{name: nginx, image: nginx}]\n",
    # envoyproxy/gateway (commit d32f2829; Apache-2.0): examples/standalone/envoy-gateway.yaml (cut), read by
    # `envoy-gateway server --config-path`
    "envoy-gateway.yaml": "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\ngateway:\n"
    "  controllerName: gateway.envoyproxy.io/gatewayclass-controller\nprovider:\n  type: Custom\n",
    # kubernetes-sigs/jobset (commit 08dfbdfd; Apache-2.0): test/e2e/config/default/controller_manager_config.yaml (cut),
    # the manager's own Configuration, which no kustomization of its folder names
    "e2e-controller-config.yaml": "apiVersion: config.jobset.x-k8s.io/v1alpha1\nkind: Configuration\nleaderElection:\n"
    "  leaderElect: true\ninternalCertManagement:\n  enable: true\n",
    "catalog.yaml": "apiVersion: gator.gatekeeper.sh/v1alpha1\nkind: PolicyCatalog\nmetadata:\n  name: gatekeeper-library\n"
    "spec:\n  policies: [{name: k8sallowedrepos, templatePath: library/general/allowedrepos/template.yaml}]\n",
}


def _names(entries: list[tuple[str, str]]) -> set[str]:
    return {Path(file).name for file, _ in entries}


@pytest.mark.parametrize(
    ("data", "meant"),
    [
        ({"apiVersion": "apps/v1", "kind": "Deployment"}, True),
        ({"kind": "Deployment", "spec": {}}, True),  # forgot its apiVersion: still an object (missing-field)
        ({"kind": "Widget", "metadata": {"name": "w"}}, True),
        ({"apiVersion": "v1", "metadata": {"name": "x"}}, True),  # forgot its kind
        ({"apiVersion": 1, "kind": 5, "metadata": {}}, True),  # written wrongly, but an object
        ({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor"}, True),
        ({"apiVersion": 1, "datasources": []}, False),
        ({"apiVersion": "v1", "entries": {}}, False),
        ({"apiVersion": "v2", "name": "chart"}, False),
        ({"apiVersion": "skaffold/v4beta6", "kind": "Config"}, False),
        ({"apiVersion": "builtin", "kind": "LabelTransformer", "metadata": {"name": "l"}}, False),
        ({"kind": "CustomResourceStateMetrics", "spec": {}}, False),
        ({"name": "web", "version": "1.0.0"}, False),
        (["a", "b"], False),
    ],
)
def test_a_document_is_an_object_by_what_it_says(data: object, meant: bool) -> None:
    assert is_kubernetes_document(data) is meant


def test_other_tools_files_are_not_linted_and_the_summary_counts_them(tmp_path: Path, cli) -> None:
    for name, text in OTHER_TOOLS.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    result = run_lint(tmp_path)
    assert {Path(f.location.file).name for f in result.findings} <= {"deploy.yaml"}
    assert _names(result.not_kubernetes) == set(OTHER_TOOLS)
    assert result.objects == 1 and result.files == 1
    shown = cli("check", "--no-config", "--verbose", str(tmp_path))
    assert f"; {len(OTHER_TOOLS)} files not Kubernetes;" in shown.output
    for name in OTHER_TOOLS:
        line = next(line for line in shown.output.splitlines() if line.endswith(")") and f"{name} (" in line)
        assert line.startswith("not Kubernetes: ")
    assert "Config (skaffold/v4beta6) configures a tool" in shown.output
    assert "Component (backstage.io/v1alpha1) configures a tool" in shown.output
    assert "Config (kapp.k14s.io/v1alpha1) configures a tool" in shown.output
    report = json.loads(cli("check", "--no-config", "--format", "json", str(tmp_path)).output)
    assert {Path(entry["file"]).name for entry in report["summary"]["not_kubernetes"]} == set(OTHER_TOOLS)


def test_a_run_of_only_other_tools_files_passes_and_says_so(tmp_path: Path, cli) -> None:
    for name in ("package.json", "docker-compose.yml"):
        (tmp_path / name).write_text(OTHER_TOOLS[name])
    shown = cli("check", "--no-config", str(tmp_path / "package.json"), str(tmp_path / "docker-compose.yml"))
    assert shown.exit_code == 0, shown.output
    assert "No problems found in 0 files (0 objects); 2 files not Kubernetes" in shown.output


def test_an_object_that_forgot_its_apiversion_is_still_reported(lint_text) -> None:
    result = lint_text("kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n")
    assert ("missing-field", "apiVersion is missing") in {(f.rule, f.message) for f in result.findings}


def test_a_broken_file_that_names_a_kind_is_still_a_syntax_error(lint_text) -> None:
    result = lint_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n")
    assert [f.rule for f in result.findings] == ["yaml-syntax"]
    assert not result.not_kubernetes


def test_a_template_action_that_breaks_the_yaml_is_an_unrendered_placeholder(lint_text) -> None:
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: nginx\n  annotations:\n"
        "    external-dns.kubernetes.io/target: {{ Elastic-IP-address }}\nspec:\n  ingressClassName: nginx\n"
    )
    result = lint_text(text)
    assert [(f.rule, f.severity.name, f.location.line) for f in result.findings] == [("unrendered-placeholder", "WARNING", 6)]
    assert "'{{ Elastic-IP-address }}'" in result.findings[0].message


KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
patches:
  - path: replicas.yaml
  - path: image-patch.json
    target: {kind: Deployment, name: web}
patchesStrategicMerge:
  - env.yaml
configMapGenerator:
  - name: web-config
    files: [settings=config/settings.yaml]
transformers:
  - labels.yaml
"""


def _kustomize_tree(root: Path, kustomization: str = KUSTOMIZATION) -> Path:
    base = root / "k8s"
    (base / "config").mkdir(parents=True)
    (base / "kustomization.yaml").write_text(kustomization)
    (base / "deployment.yaml").write_text(DEPLOYMENT)
    (base / "replicas.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 5\n")
    (base / "image-patch.json").write_text('[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "web:2"}]\n')
    (base / "env.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: web\n          env: [{name: LOG_LEVEL, value: debug}]\n"
    )
    (base / "config" / "settings.yaml").write_text("logLevel: debug\n")
    (base / "labels.yaml").write_text(
        "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\nlabels: {team: web}\nfieldSpecs: []\n"
    )
    return base


def test_kustomize_input_is_not_linted_walked_or_named(tmp_path: Path) -> None:
    base = _kustomize_tree(tmp_path)
    # settings.yaml is a configMapGenerator's file: set aside for what it holds (no apiVersion or kind)
    inputs = {"kustomization.yaml", "replicas.yaml", "image-patch.json", "env.yaml", "settings.yaml", "labels.yaml"}
    walked = run_lint(base)
    assert {Path(f.location.file).name for f in walked.findings} <= {"deployment.yaml"}
    assert _names(walked.not_kubernetes) == inputs
    reasons = dict((Path(file).name, why) for file, why in walked.not_kubernetes)
    assert reasons["replicas.yaml"].startswith("a kustomize patch named by ")
    assert reasons["env.yaml"].startswith("a kustomize strategic-merge patch named by ")
    named = run_lint(*sorted(str(p) for p in base.rglob("*") if p.is_file()), cwd=tmp_path)
    assert [f.fingerprint for f in named.findings] == [f.fingerprint for f in walked.findings]
    assert _names(named.not_kubernetes) == inputs


def test_a_patch_named_by_no_kustomization_is_an_object_and_gets_every_rule(tmp_path: Path) -> None:
    (tmp_path / "env.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: web\n          env: [{name: LOG_LEVEL, value: debug}]\n"
    )
    rules = {f.rule for f in run_lint(tmp_path / "env.yaml").findings}
    # the missing selector is one error, selector-mismatch's (schema-violation leaves it to that rule)
    assert {"invalid-image-name", "selector-mismatch"} <= rules


def test_a_selector_left_to_commonlabels_is_not_reported(tmp_path: Path) -> None:
    unlabelled = DEPLOYMENT.replace("  selector:\n    matchLabels: {app: web}\n", "").replace(
        "    metadata:\n      labels: {app: web}\n", ""
    )
    overlay = tmp_path / "overlays" / "prod"
    base = tmp_path / "base"
    overlay.mkdir(parents=True)
    base.mkdir()
    (base / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    (base / "deployment.yaml").write_text(unlabelled)
    # without commonLabels anywhere, the API server refuses the Deployment (spec.selector: Required value)
    assert "selector-mismatch" in {f.rule for f in run_lint(tmp_path).findings}
    (overlay / "kustomization.yaml").write_text("resources: [../../base]\ncommonLabels: {app: web}\n")
    for paths in ([tmp_path], [base / "deployment.yaml", overlay / "kustomization.yaml"]):
        rules = {f.rule for f in run_lint(*paths, cwd=tmp_path).findings}
        assert not rules & {"schema-violation", "selector-mismatch"}, (paths, rules)


def _chart(root: Path) -> Path:
    chart = root / "charts" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "crds").mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0\n")  # not SemVer: chart-version-not-semver
    (chart / "values.yaml").write_text("replicas: 2\nimage: {repository: ghcr.io/acme/web, tag: 1.4.2}\n")
    (chart / "values.schema.json").write_text('{"type": "object", "properties": {"replicas": {"type": "integer"}}}\n')
    (chart / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n"
    )
    (chart / "crds" / "widget.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: 1\n  a: 2\n")
    return chart


def test_chart_files_named_one_by_one_are_linted_as_their_chart(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    chart = _chart(tmp_path)
    os.chdir(tmp_path)  # pre-commit runs at the repository root with relative names
    try:
        names = [str(p.relative_to(tmp_path)) for p in sorted(chart.rglob("*")) if p.is_file()]
        named = run_lint(*names, cwd=tmp_path)
    finally:
        os.chdir(Path(__file__).parent)
    walked = run_lint(tmp_path, cwd=tmp_path)
    rules = {(Path(f.location.file).name, f.rule) for f in named.findings}
    assert ("Chart.yaml", "chart-version-not-semver") in rules
    assert ("widget.yaml", "duplicate-key") in rules  # crds/ hold plain manifests
    assert not {rule for _, rule in rules} & {"missing-field", "yaml-syntax"}
    assert sorted((Path(f.location.file).name, f.rule) for f in named.findings) == sorted(
        (Path(f.location.file).name, f.rule) for f in walked.findings
    )
    assert _names(named.chart_files) == {"Chart.yaml", "values.yaml", "values.schema.json", "deployment.yaml"}


def test_the_k8slint_config_is_not_a_manifest(tmp_path: Path) -> None:
    (tmp_path / ".k8slint.yaml").write_text("rules:\n  KR006: {severity: info}\n")
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    result = run_lint(tmp_path / ".k8slint.yaml", tmp_path / "deploy.yaml", cwd=tmp_path)
    assert {Path(f.location.file).name for f in result.findings} <= {"deploy.yaml"}
    assert _names(result.not_kubernetes) == {".k8slint.yaml"}


MISSPELLED_IMAGE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          imgae: nginx:1.25
          securityContext:
            privileged: true
"""

POD_BESIDE = """\
apiVersion: v1
kind: Pod
metadata:
  name: pod
spec:
  containers:
    - name: a
      image: nginx:1.25
      securityContext:
        privileged: true
    - name: b
      imagee: busybox:1.36
"""


@pytest.mark.parametrize("text", [MISSPELLED_IMAGE, POD_BESIDE], ids=["misspelled-image-key", "pod-beside-misspelled"])
def test_a_container_without_an_image_is_an_error_and_its_neighbours_are_still_checked(lint_text, text: str) -> None:
    result = lint_text(text)
    missing = [f for f in result.findings if f.rule == "invalid-image-name"]
    assert len(missing) == 1 and missing[0].severity.name == "ERROR" and "image is missing" in missing[0].message
    assert "privileged-container" in {f.rule for f in result.findings}
    assert result.fails(missing[0].severity)


def test_an_empty_image_is_one_error(lint_text) -> None:
    """longhorn's deploy/longhorn-okd.yaml (commit bb2f2223; Apache-2.0): the oauth-proxy sidecar's ``image: ""``
    is the API server's refusal once, not that and an invalid reference too."""
    result = lint_text(MISSPELLED_IMAGE.replace("imgae: nginx:1.25", 'image: ""'))
    [empty] = [f for f in result.findings if f.rule == "invalid-image-name"]
    assert "image is empty; the API server rejects a container without an image" in empty.message


def test_set_aside_files_are_the_same_with_workers(tmp_path: Path) -> None:
    for number in range(20):  # 40 files: enough for the workers (scheduler.PARALLEL_MIN_FILES)
        (tmp_path / f"compose-{number}.yml").write_text(OTHER_TOOLS["docker-compose.yml"])
        (tmp_path / f"deploy-{number}.yaml").write_text(DEPLOYMENT.replace("name: web\nspec", f"name: web-{number}\nspec"))
    settings = build_settings(registry(), None)
    one, two = lint([str(tmp_path)], settings), lint([str(tmp_path)], settings, jobs=2)
    assert one.not_kubernetes == two.not_kubernetes and len(one.not_kubernetes) == 20
    assert [f.fingerprint for f in one.findings] == [f.fingerprint for f in two.findings]


def test_an_operator_pod_template_may_leave_the_image_to_the_operator(lint_text) -> None:
    pooler = """\
apiVersion: postgresql.cnpg.io/v1
kind: Pooler
metadata:
  name: pooler-rw
spec:
  cluster: {name: pg}
  instances: 3
  type: rw
  template:
    metadata:
      labels: {app: pooler}
    spec:
      containers:
        - name: pgbouncer
          resources:
            requests: {cpu: 500m}
"""
    assert "invalid-image-name" not in {f.rule for f in lint_text(pooler).findings}


def test_templates_of_a_missing_dependency_are_not_reported_undefined(tmp_path: Path) -> None:
    """bitnami charts call `common.*` templates of the `common` chart that their dependency pulls in."""
    chart = tmp_path / "postgresql-bootstrap"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: postgresql-bootstrap\nversion: 0.1.0\ndescription: d\nappVersion: '1'\n"
        "dependencies:\n  - name: postgresql-ha\n    version: 11.9.8\n    repository: https://charts.bitnami.com/bitnami\n"
    )
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "balloon.yaml").write_text(
        'apiVersion: {{ include "common.capabilities.deployment.apiVersion" . }}\nkind: Deployment\n'
        'metadata:\n  name: balloon\n  labels: {{- include "common.labels.standard" . | nindent 4 }}\n'
        "spec:\n  replicas: {{ .Values.replicas }}\n"
    )
    rules = [f.rule for f in run_lint(chart).findings]
    assert "chart-dependency-unavailable" in rules and "template-syntax" not in rules
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: postgresql-bootstrap\nversion: 0.1.0\ndescription: d\nappVersion: '1'\n")
    assert "template-syntax" in [f.rule for f in run_lint(chart).findings]  # with nothing missing, an unknown name is an error


def test_a_generator_file_that_is_a_whole_object_is_linted(tmp_path: Path) -> None:
    """local-path-provisioner keeps its helper Pod in a configMapGenerator file: the provisioner creates it."""
    (tmp_path / "kustomization.yaml").write_text("configMapGenerator:\n  - name: local-path-config\n    files: [helperPod.yaml]\n")
    (tmp_path / "helperPod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: helper-pod}\nspec:\n  containers:\n"
        "    - name: helper-pod\n      image: busybox:1.36\n      securityContext: {privileged: true}\n"
    )
    result = run_lint(tmp_path)
    assert "privileged-container" in {f.rule for f in result.findings}
    assert _names(result.not_kubernetes) == {"kustomization.yaml"}


def test_templates_of_the_charts_a_packaged_dependency_packages_are_defined(tmp_path: Path) -> None:
    """postgresql-ha-x.tgz carries bitnami's `common` in its own charts/: its names are defined for the parent."""
    import io
    import tarfile

    chart = tmp_path / "bootstrap"
    (chart / "templates").mkdir(parents=True)
    (chart / "charts").mkdir()
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: bootstrap\nversion: 0.2.0\ndescription: d\nappVersion: '1'\n"
        "dependencies:\n  - name: postgresql-ha\n    version: 10.0.7\n    repository: https://charts.bitnami.com/bitnami\n"
    )
    (chart / "templates" / "cm.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {{- include "common.labels.standard" . | nindent 4 }}\n'
    )
    members = {
        "postgresql-ha/Chart.yaml": "apiVersion: v2\nname: postgresql-ha\nversion: 10.0.7\n",
        "postgresql-ha/templates/_helpers.tpl": '{{- define "postgresql-ha.name" -}}pg{{- end -}}\n',
        "postgresql-ha/charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 2.2.4\ntype: library\n",
        "postgresql-ha/charts/common/templates/_labels.tpl": '{{- define "common.labels.standard" -}}app: x{{- end -}}\n',
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    (chart / "charts" / "postgresql-ha-10.0.7.tgz").write_bytes(buffer.getvalue())
    assert "template-syntax" not in {f.rule for f in run_lint(chart).findings}
    (chart / "templates" / "cm.yaml").write_text((chart / "templates" / "cm.yaml").read_text().replace("standard", "standrad"))
    assert "template-syntax" in {f.rule for f in run_lint(chart).findings}


def test_testdata_vendor_and_node_modules_are_left_out_and_said(tmp_path: Path, cli) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    broken = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: configmap_ignore}\n"  # invalid on purpose, as test inputs are
    folders = (
        "cmd/flux/testdata/build",
        "cmd/cli/kubectl-kyverno/_testdata/resources",  # the go tool ignores folders whose name starts with _
        "hack/invalid-examples/v1/httproute",  # Gateway API's inputs its CI expects to be refused
        "vendor_jsonnet/kube-libsonnet/tests/golden",  # the expected output a test compares with
        "deploy/charts/external-secrets/tests/__snapshot__",  # helm-unittest's recorded renders
        "vendor/github.com/x/y",
        "web/node_modules/pkg",
    )
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "input.yaml").write_text(broken)
    (tmp_path / "cache-invalidator").mkdir()  # the word is "invalidator": walked
    (tmp_path / "cache-invalidator" / "input.yaml").write_text(broken)
    result = run_lint(tmp_path)
    assert {f.location.file.replace(str(tmp_path), "") for f in result.findings if f.rule == "invalid-name"} == {
        "/cache-invalidator/input.yaml"
    }
    assert sorted(Path(folder).name for folder in result.left_out) == [
        "__snapshot__",
        "_testdata",
        "golden",
        "invalid-examples",
        "node_modules",
        "testdata",
        "vendor",
    ]
    shown = cli("check", "--no-config", "-v", str(tmp_path))
    assert "; 7 test-data, vendor or node_modules folders left out;" in shown.output
    assert shown.output.count("left out: ") == 7
    everything = cli("check", "--no-config", "--no-default-excludes", "--format", "json", str(tmp_path))
    report = json.loads(everything.output)
    assert report["summary"]["left_out"] == []
    assert len([f for f in report["findings"] if f["rule"] == "invalid-name"]) == 8
    (tmp_path / ".k8slint.yaml").write_text("default-excludes: false\n")
    assert len([f for f in run_lint(tmp_path, cwd=tmp_path).findings if f.rule == "invalid-name"]) == 8
    named = run_lint(tmp_path / "vendor" / "github.com" / "x" / "y" / "input.yaml")
    assert [f.rule for f in named.findings] == ["invalid-name"]  # a file named on the command line is linted


def test_a_patch_named_in_the_older_string_form_is_still_a_patch(tmp_path: Path) -> None:
    """argocd-example-apps plugins/kustomized-helm: `patches: [overlays/guestbook-deployment.yaml]`."""
    (tmp_path / "overlays").mkdir()
    (tmp_path / "kustomization.yaml").write_text(
        "namePrefix: kustomize-\nresources:\n- ./all.yaml\npatches:\n- overlays/guestbook-deployment.yaml\n"
    )
    (tmp_path / "overlays" / "guestbook-deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: guestbook-ui\nspec:\n  replicas: 2\n"
    )
    result = run_lint(tmp_path)
    # all.yaml is what the Argo CD plugin renders before kustomize runs: a warning, not an error
    assert [(f.rule, str(f.severity), f.location.line) for f in result.findings] == [("kustomize-missing-file", "warning", 3)]
    assert _names(result.not_kubernetes) == {"kustomization.yaml", "guestbook-deployment.yaml"}


def test_hidden_folders_are_not_walked_and_verbose_names_them(tmp_path: Path, cli) -> None:
    """A privileged Pod in .deploy/ is not linted by a walk (hidden, like .git and .github), but --verbose
    says the folder was left out, and naming the file lints it."""
    (tmp_path / ".deploy").mkdir()
    (tmp_path / ".deploy" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n"
        "      securityContext: {privileged: true}\n"
    )
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    result = run_lint(tmp_path)
    assert [Path(folder).name for folder in result.hidden_folders] == [".deploy"]
    assert "privileged-container" not in {f.rule for f in result.findings}
    shown = cli("check", "--no-config", "-v", str(tmp_path))
    assert "left out: " in shown.output and ".deploy (a hidden folder; name its files to lint them)" in shown.output
    report = json.loads(cli("check", "--no-config", "--format", "json", str(tmp_path)).output)
    assert [Path(folder).name for folder in report["summary"]["hidden_folders"]] == [".deploy"]
    assert "privileged-container" in {f.rule for f in run_lint(tmp_path / ".deploy" / "pod.yaml").findings}


def test_clusterctls_provider_is_an_object_though_its_metadata_file_is_not(tmp_path: Path) -> None:
    """clusterctl.cluster.x-k8s.io serves Provider as a CRD (clusterctl writes them to the management
    cluster); only Metadata, the release's metadata.yaml, is clusterctl's input."""
    (tmp_path / "metadata.yaml").write_text(OTHER_TOOLS["metadata.yaml"])
    (tmp_path / "provider.yaml").write_text(
        "apiVersion: clusterctl.cluster.x-k8s.io/v1alpha3\nkind: Provider\nproviderName: cluster-api\ntype: CoreProvider\n"
    )
    result = run_lint(tmp_path)
    assert _names(result.not_kubernetes) == {"metadata.yaml"}
    assert [(Path(f.location.file).name, f.rule) for f in result.findings if f.severity.name == "ERROR"] == [
        ("provider.yaml", "missing-field")
    ]


EKSCTL_TEMPLATE = """\
# aws-ebs-csi-driver's hack/e2e/eksctl/cluster.yaml: gomplate renders it before `eksctl create cluster -f`
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: {{ .Env.CLUSTER_NAME }}
  region: {{ .Env.REGION }}
{{- if env.Getenv "USE_IRSA" }}
iam:
  withOIDC: true
{{- end }}
"""


def test_a_tool_config_that_is_a_template_is_not_kubernetes(tmp_path: Path) -> None:
    (tmp_path / "cluster.yaml").write_text(EKSCTL_TEMPLATE)
    result = run_lint(tmp_path)
    assert result.findings == []
    ((name, why),) = result.not_kubernetes
    assert name.endswith("cluster.yaml") and why.startswith("ClusterConfig (eksctl.io/v1alpha5) configures a tool")


def test_a_manifest_template_beside_a_tool_config_is_still_a_template(tmp_path: Path) -> None:
    # one document a Deployment: the file is a manifest to render, reported as one
    (tmp_path / "both.yaml").write_text(
        EKSCTL_TEMPLATE + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Env.NAME }}\n"
    )
    result = run_lint(tmp_path)
    assert [f.code for f in result.findings] == ["KM006"] and result.not_kubernetes == []


def test_a_scorecard_config_with_a_lower_case_apiversion_key_is_a_tools(tmp_path: Path) -> None:
    """percona-server-mongodb-operator's deploy/csv/*/tests/scorecard/config.yaml: operator-sdk reads `apiversion:`
    (encoding/json matches keys case-insensitively); it is no object, so no missing apiVersion either."""
    (tmp_path / "config.yaml").write_text(
        "kind: Configuration\napiversion: scorecard.operatorframework.io/v1alpha3\nmetadata:\n  name: config\nstages:\n- parallel: true\n"
    )
    result = run_lint(tmp_path)
    assert result.findings == []
    ((_, why),) = result.not_kubernetes
    assert why.startswith("Configuration (scorecard.operatorframework.io/v1alpha3) configures a tool")
    # a manifest that misspells the key the same way is still an object without an apiVersion
    (tmp_path / "config.yaml").write_text("kind: Deployment\napiversion: apps/v1\nmetadata:\n  name: web\n")
    assert "KL004" in {f.code for f in run_lint(tmp_path).findings}


VCLUSTER_E2E_CONFIG = """\
controlPlane:
  statefulSet:
    image:
      repository: {{.Repository}}
      tag: {{.Tag}}
experimental:
  deploy:
    vcluster:
      manifests: |-
        apiVersion: v1
        kind: Namespace
        metadata:
          name: from-vcluster-yaml
"""


def test_manifests_embedded_in_a_tool_config_template_do_not_make_it_kubernetes(tmp_path: Path) -> None:
    """vcluster's e2e/vcluster-default.yaml: a Go template of a vcluster config, whose block scalar holds manifests;
    the indented apiVersion and kind are text, not the file's keys."""
    (tmp_path / "vcluster-default.yaml").write_text(VCLUSTER_E2E_CONFIG)
    result = run_lint(tmp_path)
    assert result.findings == [] and [name for name, _ in result.not_kubernetes] == [str(tmp_path / "vcluster-default.yaml")]
    # a manifest template with the keys at the top still is one, and so is JSON, whose keys are indented
    (tmp_path / "vcluster-default.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{.Name}}\n")
    assert [f.code for f in run_lint(tmp_path).findings] == ["KM006"]
    (tmp_path / "vcluster-default.yaml").write_text(
        '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": {{.Name}}}\n}\n'
    )
    assert run_lint(tmp_path).not_kubernetes == []


def test_a_patch_its_kustomization_does_not_use_is_said_and_graded(tmp_path: Path) -> None:
    """chaos-mesh/chaos-mesh config/default (608b61e7): kubebuilder's manager_webhook_patch.yaml, a partial Deployment
    that config/default/kustomization.yaml does not list. Its errors are true of it as written, and nothing applies
    it: info, saying why; a file of the same content with another name is still an object."""
    default = tmp_path / "config" / "default"
    default.mkdir(parents=True)
    (default / "kustomization.yaml").write_text("namePrefix: chaos-mesh-\nresources:\n  - ../crd\n")
    (tmp_path / "config" / "crd").mkdir()
    (tmp_path / "config" / "crd" / "kustomization.yaml").write_text("resources: []\n")
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        ports: [{containerPort: 9443}]\n"
    (default / "manager_webhook_patch.yaml").write_text(patch)
    errors = [f for f in run_lint(tmp_path).findings if f.code in ("KR001", "KR005")]
    assert sorted((f.code, str(f.severity)) for f in errors) == [("KR001", "info"), ("KR005", "info")]
    assert all("its name says it is a kustomize patch" in f.message for f in errors)
    (default / "manager_webhook_patch.yaml").rename(default / "manager.yaml")
    assert sorted(str(f.severity) for f in run_lint(tmp_path).findings if f.code in ("KR001", "KR005")) == ["error", "error"]


NATS_HELPER = """\
{{- define "nats.loadMergePatch" -}}
{{- $doc := tpl (.ctx.Files.Get (printf "files/%s" .file)) .ctx | fromYaml | default dict -}}
{{- $doc | toYaml -}}
{{- end }}
"""


def test_a_chart_file_the_templates_render_with_tpl_is_the_charts(tmp_path: Path) -> None:
    """nats-io/k8s helm/charts/nats (957650fb): the objects are files/*.yaml, which templates/_helpers.tpl renders
    with `tpl (.ctx.Files.Get (printf "files/%s" .file)) .ctx`; they are templates, linted as rendered."""
    chart = tmp_path / "nats"
    (chart / "templates").mkdir(parents=True)
    (chart / "files").mkdir()
    (chart / "examples").mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: nats\nversion: 1.2.0\nappVersion: 2.10.0\ndescription: NATS\n")
    (chart / "values.yaml").write_text("service:\n  enabled: true\n")
    (chart / "templates" / "_helpers.tpl").write_text(NATS_HELPER)
    (chart / "templates" / "service.yaml").write_text('{{- include "nats.loadMergePatch" (dict "file" "service.yaml" "ctx" $) }}\n')
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  ports:\n  - port: 4222\n"
    (chart / "files" / "service.yaml").write_text(service)
    (chart / "examples" / "service.yaml").write_text(service)
    result = run_lint(tmp_path)
    reasons = {os.path.relpath(name, tmp_path): why for name, why in result.not_kubernetes}
    assert reasons["nats/files/service.yaml"].startswith("a template of the Helm chart")
    assert "templates/_helpers.tpl:2" in reasons["nats/files/service.yaml"]
    # a file the templates do not hand to tpl is judged by its content: a template to render first
    assert [(os.path.relpath(f.location.file, tmp_path), f.code) for f in result.findings if f.code == "KM006"] == [
        ("nats/examples/service.yaml", "KM006")
    ]


def test_a_chart_file_picked_by_a_printf_with_a_verb_inside_is_the_charts(tmp_path: Path) -> None:
    """volcano-sh/volcano installer/helm/chart/volcano (ed72c7c8): templates/batch_v1alpha1_job.yaml renders
    `tpl ($.Files.Get (printf "crd/%s/batch.volcano.sh_jobs.yaml" (include "crd_version" .))) .`: a file of crd/*/
    with actions is a template of the chart; one without is the same rendered or not, and linted."""
    chart = tmp_path / "volcano"
    (chart / "templates").mkdir(parents=True)
    for folder in ("bases", "v1beta1"):
        (chart / "crd" / folder).mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: volcano\nversion: 1.13.0\nappVersion: v1.13.0\ndescription: Volcano\n")
    (chart / "values.yaml").write_text("basic:\n  crd_labels: {}\n")
    (chart / "templates" / "_helpers.tpl").write_text('{{- define "crd_version" -}}bases{{- end -}}\n')
    (chart / "templates" / "job.yaml").write_text(
        '{{- tpl ($.Files.Get (printf "crd/%s/batch.volcano.sh_jobs.yaml" (include "crd_version" .))) . }}\n'
    )
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: jobs.batch.volcano.sh\n"
        "  labels: {{- toYaml .Values.basic.crd_labels | nindent 4 }}\nspec:\n  group: batch.volcano.sh\n"
        "  names: {kind: Job, plural: jobs}\n  scope: Namespaced\n  versions: []\n"
    )
    (chart / "crd" / "bases" / "batch.volcano.sh_jobs.yaml").write_text(crd)
    old = crd.replace("{{- toYaml .Values.basic.crd_labels | nindent 4 }}", "{}").replace(
        "apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"
    )
    (chart / "crd" / "v1beta1" / "batch.volcano.sh_jobs.yaml").write_text(old)
    result = run_lint(tmp_path)
    reasons = {os.path.relpath(name, tmp_path): why for name, why in result.not_kubernetes}
    assert reasons["volcano/crd/bases/batch.volcano.sh_jobs.yaml"].startswith("a template of the Helm chart")
    assert "volcano/crd/v1beta1/batch.volcano.sh_jobs.yaml" not in reasons  # no action: linted as written
    linted = {(os.path.relpath(f.location.file, tmp_path), f.code) for f in result.findings}
    assert ("volcano/crd/v1beta1/batch.volcano.sh_jobs.yaml", "KM002") in linted


def test_a_crossplane_package_file_is_a_tools(tmp_path: Path) -> None:
    """crossplane/crossplane pkg/configuration/private/package/crossplane.yaml (2d040d2d): `crossplane xpkg build`
    reads it into the package; its group's CRDs are "never installed, only used for API documentation"."""
    (tmp_path / "crossplane.yaml").write_text(
        "apiVersion: meta.pkg.crossplane.io/v1\nkind: Configuration\nmetadata:\n  name: private\nspec:\n  dependsOn:\n"
        "  - provider: xpkg.upbound.io/crossplane-contrib/provider-nop\n    version: '>=v0.2.1'\n"
    )
    result = run_lint(tmp_path)
    assert result.findings == [] and len(result.not_kubernetes) == 1
