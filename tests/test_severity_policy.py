"""The severity policy (README "Severity policy"): every rule justifies its grade, and the grades hold.

error = the API server rejects it, or the rollout, the traffic, the build or the chart fails;
warning = a likely defect or a Pod Security Standards restricted gap; info = advice.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run_lint
from k8slint.findings import Severity
from k8slint.registry import _severity_reasons, registry

RULES = list(registry())

# The rules (or their variants at error) that the policy grades error because the API server rejects the object.
API_SERVER_REJECTS = (
    *("KC001", "KC002", "KC003", "KC005", "KC006", "KL004", "KL010", "KL012", "KL014", "KM002", "KM003", "KM005"),
    *("KN002", "KN003", "KN010", "KN030", "KN031", "KN032", "KN042", "KN045"),
    *("KR001", "KR002", "KR003", "KR004", "KR016", "KR022", "KR024", "KR025", "KR027"),
)
# Pod Security Standards gaps: accepted by the API server, so warnings, however much they matter.
# Cases too large for a fixture file.
GENERATED_CASES = {
    "KC002": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: " + "x" * (1024 * 1024 + 1) + "\n",
}
POD_SECURITY_GAPS = ("DF002", "KS001", "KS002", "KS003", "KS005", "KS006", "KS007", "KS008")


def _error_reasons(code: str) -> list[str]:
    rule = registry()[code]
    reasons = [rule.severity_reason] if rule.severity is Severity.ERROR else []
    return reasons + [rule.variant_reasons[name] for name, severity in rule.severities.items() if severity is Severity.ERROR]


def _severities_on(case: Path, code: str, into: Path) -> set[Severity]:
    if case.is_dir():
        shutil.copytree(case, into)
    else:
        into.mkdir(parents=True)
        shutil.copy(case, into / case.name)
    return {f.severity for f in run_lint(".", cwd=into).findings if f.code == code}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_justifies_its_severity_and_each_variant(rule) -> None:
    assert len(rule.severity_reason) >= 20
    assert set(rule.variant_reasons) == set(rule.severities)
    assert all(len(reason) >= 20 for reason in rule.variant_reasons.values())


def test_the_loader_refuses_a_rule_without_a_reason() -> None:
    definition = {"_file": "KX001-x.yaml", "code": "KX001", "severity": "error"}
    with pytest.raises(RuntimeError, match="no severity-reason"):
        _severity_reasons(definition)
    definition["severity-reason"] = "The API server rejects it, always."
    assert _severity_reasons(definition) == ("The API server rejects it, always.", {})
    definition["severities"] = {"soft": "warning"}
    with pytest.raises(RuntimeError, match="variant-reasons must justify each variant"):
        _severity_reasons(definition)
    definition["variant-reasons"] = {"soft": "It deploys; it is a likely defect.", "other": "A variant that does not exist."}
    with pytest.raises(RuntimeError, match="no more and no fewer"):
        _severity_reasons(definition)


def test_the_rules_page_shows_every_reason() -> None:
    page = (Path(__file__).parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert rule.severity_reason in page, rule.code
        for name, reason in rule.variant_reasons.items():
            assert f"- `{name}` ({rule.severities[name]}): {reason}" in page, (rule.code, name)


@pytest.mark.parametrize("code", API_SERVER_REJECTS)
def test_an_api_server_error_says_so_and_a_failing_fixture_is_an_error(code: str, tmp_path: Path) -> None:
    reasons = _error_reasons(code)
    assert any("API server" in reason and ("reject" in reason or "forbids" in reason) for reason in reasons), reasons
    cases = sorted((FIXTURES / "rules" / code).glob("fail_*"))
    if code in GENERATED_CASES:
        case = tmp_path / "generated" / "case.yaml"
        case.parent.mkdir()
        case.write_text(GENERATED_CASES[code])
        cases.append(case)
    assert cases
    seen = set().union(*(_severities_on(case, code, tmp_path / str(n)) for n, case in enumerate(cases)))
    assert Severity.ERROR in seen, f"no failing fixture of {code} is reported at error"


def test_only_errors_claim_that_the_api_server_rejects() -> None:
    for rule in RULES:
        graded = [(rule.severity, rule.severity_reason)] + [(rule.severities[n], r) for n, r in rule.variant_reasons.items()]
        for severity, reason in graded:
            if severity is not Severity.ERROR:
                assert "API server rejects" not in reason and "API server refuses" not in reason, (rule.code, reason)


@pytest.mark.parametrize("code", POD_SECURITY_GAPS)
def test_pod_security_gaps_are_warnings(code: str) -> None:
    rule = registry()[code]
    assert rule.severity is Severity.WARNING
    assert "Pod Security Standards" in rule.severity_reason


NODE_AGENT = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: cni-node
  namespace: kube-system
spec:
  selector:
    matchLabels: {k8s-app: cni-node}
  template:
    metadata:
      labels: {k8s-app: cni-node}
    spec:
      hostNetwork: true
      hostPID: true
      containers:
        - name: agent
          image: quay.io/acme/cni-node:v3.27.0
          securityContext:
            privileged: true
          resources:
            requests: {cpu: 250m, memory: 128Mi}
            limits: {memory: 256Mi}
          readinessProbe:
            exec: {command: [/bin/agent, -ready]}
          volumeMounts:
            - {name: cni-bin, mountPath: /host/opt/cni/bin}
            - {name: cni-net, mountPath: /host/etc/cni/net.d}
      volumes:
        - name: cni-bin
          hostPath: {path: /opt/cni/bin}
        - name: cni-net
          hostPath: {path: /etc/cni/net.d}
"""


def test_a_node_agent_gets_its_pod_security_findings_as_warnings_and_passes_the_gate(tmp_path: Path, cli) -> None:
    (tmp_path / "daemonset.yaml").write_text(NODE_AGENT)
    findings = run_lint(tmp_path).findings
    by_code = {(f.code, f.severity, f.location.line) for f in findings if f.code in ("KS003", "KS005", "KS006")}
    assert by_code == {
        ("KS003", Severity.WARNING, 19),
        ("KS005", Severity.WARNING, 13),
        ("KS005", Severity.WARNING, 14),
        ("KS006", Severity.WARNING, 30),
        ("KS006", Severity.WARNING, 32),
    }
    assert not [f for f in findings if f.severity is Severity.ERROR]
    assert cli("check", str(tmp_path)).exit_code == 0
    assert cli("check", "--fail-on", "warning", str(tmp_path)).exit_code == 1


def test_a_privileged_container_beside_a_real_error_still_fires(tmp_path: Path, cli) -> None:
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n"
        "    - name: shell\n      image: busybox:1.36\n      securityContext:\n        privileged: true\n"
        "      resources:\n        requests: {memory: 2Gi}\n        limits: {memory: 1Gi}\n"
    )
    found = {(f.code, f.severity) for f in run_lint(tmp_path).findings}
    assert {("KS003", Severity.WARNING), ("KR002", Severity.ERROR)} <= found
    assert cli("check", str(tmp_path)).exit_code == 1


CHART = "apiVersion: v2\nname: web\ndescription: Web\ntype: application\nversion: {version}\nappVersion: '1.0'\n"
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: ClusterIP\n  selector: {{app: web}}\n  ports:\n    - port: 80\n  {field}\n"
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n{containers}"


def _container(name: str, extra: str) -> str:
    return f"    - name: {name}\n      image: nginx:1.27\n" + "".join(f"      {line}\n" for line in extra.splitlines())


# (files, code, the severities of that rule's findings): where a rule is only sometimes fatal, only the fatal case is an error
SPLITS = {
    "chart version Helm cannot read": ({"web/Chart.yaml": CHART.format(version="latest")}, "CH001", {Severity.ERROR}),
    "chart version Helm loads": ({"web/Chart.yaml": CHART.format(version="v1.2.3")}, "CH001", {Severity.WARNING}),
    "chart MAJOR.MINOR": ({"web/Chart.yaml": CHART.format(version="'1.2'")}, "CH001", {Severity.WARNING}),
    # unquoted, YAML reads 1.2 as a number, which Helm cannot load into the version string
    "chart version as a number": ({"web/Chart.yaml": CHART.format(version="1.2")}, "CH001", {Severity.ERROR}),
    "chart name with a path separator": (
        {"web/Chart.yaml": CHART.format(version="1.0.0").replace("name: web", "name: a/web")},
        "CH002",
        {Severity.ERROR},
    ),
    "chart name in capitals": (
        {"Web/Chart.yaml": CHART.format(version="1.0.0").replace("name: web", "name: Web")},
        "CH002",
        {Severity.WARNING},
    ),
    "chart of an unknown type": (
        {"web/Chart.yaml": CHART.format(version="1.0.0").replace("application", "app")},
        "CH002",
        {Severity.ERROR},
    ),
    "negative limit": (
        {"pod.yaml": POD.format(containers=_container("web", "resources:\n  limits: {memory: -1Gi}"))},
        "KR004",
        {Severity.ERROR},
    ),
    "zero limit": ({"pod.yaml": POD.format(containers=_container("web", "resources:\n  limits: {cpu: '0'}"))}, "KR004", {Severity.WARNING}),
    "loadBalancerSourceRanges on ClusterIP": (
        {"svc.yaml": SERVICE.format(field="loadBalancerSourceRanges: [10.0.0.0/8]")},
        "KN032",
        {Severity.ERROR},
    ),
    "loadBalancerIP on ClusterIP": ({"svc.yaml": SERVICE.format(field="loadBalancerIP: 10.0.0.7")}, "KN032", {Severity.WARNING}),
    "port name twice in one container": (
        {
            "pod.yaml": POD.format(
                containers=_container("web", "ports:\n  - {name: http, containerPort: 80}\n  - {name: http, containerPort: 81}")
            )
        },
        "KN010",
        {Severity.ERROR},
    ),
    "port name in two containers": (
        {
            "pod.yaml": POD.format(
                containers=_container("web", "ports:\n  - {name: http, containerPort: 80}")
                + _container("sidecar", "ports:\n  - {name: http, containerPort: 81}")
            )
        },
        "KN010",
        {Severity.WARNING},
    ),
    "env name with '='": (
        {"pod.yaml": POD.format(containers=_container("web", "env:\n  - {name: A=B, value: x}"))},
        "KR027",
        {Severity.ERROR},
    ),
    "env name with a dot": (
        {"pod.yaml": POD.format(containers=_container("web", "env:\n  - {name: log.level, value: x}"))},
        "KR027",
        {Severity.WARNING},
    ),
}


@pytest.mark.parametrize("case", SPLITS, ids=str)
def test_only_the_fatal_findings_of_a_rule_are_errors(case: str, tmp_path: Path) -> None:
    files, code, expected = SPLITS[case]
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert {f.severity for f in run_lint(".", cwd=tmp_path).findings if f.code == code} == expected


SECRETS = """\
apiVersion: v1
kind: Secret
metadata:
  name: registry
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: e30=
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      imagePullSecrets:
        - name: regcred
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
          env:
            - name: DATABASE_PASSWORD
              valueFrom:
                secretKeyRef: {name: db, key: password}
"""


def test_a_missing_pull_secret_is_a_warning_and_a_missing_env_secret_an_error(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(SECRETS)
    found = {(f.severity, f.location.line) for f in run_lint(tmp_path).findings if f.code == "KN021"}
    assert found == {(Severity.WARNING, 21), (Severity.ERROR, 28)}


def test_an_unfetched_dependency_is_a_warning_and_a_stale_lock_an_error(tmp_path: Path) -> None:
    chart = tmp_path / "web"
    (chart / "templates").mkdir(parents=True)
    dependencies = "dependencies:\n  - name: redis\n    version: ^18.0.0\n    repository: oci://registry-1.docker.io/bitnamicharts\n"
    (chart / "Chart.yaml").write_text(CHART.format(version="1.0.0") + dependencies)
    (chart / "values.yaml").write_text("redis:\n  enabled: true\n")
    lock = "dependencies:\n  - name: redis\n    repository: oci://registry-1.docker.io/bitnamicharts\n    version: {version}\ndigest: sha256:0\ngenerated: '2024-01-01T00:00:00Z'\n"
    (chart / "Chart.lock").write_text(lock.format(version="18.19.4"))
    assert {f.severity for f in run_lint(tmp_path).findings if f.code == "CH004"} == {Severity.WARNING}
    (chart / "Chart.lock").write_text(lock.format(version="17.0.0"))
    assert {f.severity for f in run_lint(tmp_path).findings if f.code == "CH004"} == {Severity.ERROR}


def _graded() -> list[tuple[str, Severity, str]]:
    return [
        (rule.code, severity, reason)
        for rule in RULES
        for severity, reason in [(rule.severity, rule.severity_reason)] + [(rule.severities[n], r) for n, r in rule.variant_reasons.items()]
    ]


# What the policy accepts as the ground of each severity, as the reasons word it.
ERROR_GROUNDS = (
    *("API server", "rollout", "traffic", "build fails", "Helm", "helm", "kustomize"),
    *("selector that finds nothing", "reference that finds nothing", "autoscaler that cannot work", "not checked", "cannot call"),
)
WARNING_GROUNDS = ("likely", "Pod Security Standards", "not check", "did not check", "was not checked")


def test_each_reason_gives_a_ground_the_policy_knows() -> None:
    for code, severity, reason in _graded():
        if severity is Severity.ERROR:
            assert any(ground in reason for ground in ERROR_GROUNDS), (code, reason)
        elif severity is Severity.WARNING:
            assert any(ground in reason for ground in WARNING_GROUNDS), (code, reason)


def test_the_readme_states_the_policy_once() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert readme.count("### Severity policy") == 1
    section = readme.split("### Severity policy", 1)[1].split("\n#", 1)[0]
    for level in ("**error**", "**warning**", "**info**"):
        assert level in section
    assert "API server rejects" in section and "Pod Security Standards restricted" in section


KUSTOMIZE_REFUSES = {
    "KL002": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: info\ndata:\n  PORT: '8080'\n",
    "KM004": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: info\n---\n"
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: debug\n",
}


@pytest.mark.parametrize("code", KUSTOMIZE_REFUSES)
def test_what_the_reason_says_kustomize_refuses_it_does(code: str, tmp_path: Path) -> None:
    """duplicate-key and duplicate-object are errors because kustomize (kubectl kustomize) refuses them."""
    import subprocess

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    assert "kustomize" in registry()[code].severity_reason
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - app.yaml\n")
    (tmp_path / "app.yaml").write_text(KUSTOMIZE_REFUSES[code])
    built = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert built.returncode != 0, built.stdout
    assert {f.severity for f in run_lint(tmp_path / "app.yaml").findings if f.code == code} == {Severity.ERROR}


def _namespace(name: str, level: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    pod-security.kubernetes.io/enforce: {level}\n---\n"


def test_a_pod_security_gap_in_a_namespace_that_enforces_its_profile_is_an_error(tmp_path: Path, cli) -> None:
    """tektoncd/pipeline (commit 3ee1745a; Apache-2.0): the resolvers' namespace enforces restricted, so a pod whose
    container drops 'all' in lower case is refused; kube-system enforcing baseline refuses the node agent."""
    (tmp_path / "daemonset.yaml").write_text(_namespace("kube-system", "baseline") + NODE_AGENT)
    findings = run_lint(tmp_path).findings
    errors = {(f.code, f.location.line) for f in findings if f.severity is Severity.ERROR}
    assert errors == {("KS003", 26), ("KS005", 20), ("KS005", 21), ("KS006", 37), ("KS006", 39)}
    [privileged] = [f for f in findings if f.code == "KS003"]
    assert privileged.message.endswith(
        "; namespace 'kube-system' enforces the baseline Pod Security profile (pod-security.kubernetes.io/enforce), "
        "so the API server refuses its pods and the rollout fails"
    )
    # baseline does not check what only restricted does: running as root stays a warning
    assert {f.severity for f in findings if f.code == "KS001"} == {Severity.WARNING}
    assert cli("check", "--no-config", str(tmp_path)).exit_code == 1
    # restricted checks both; privileged (or a value Pod Security admission does not know) checks nothing
    (tmp_path / "daemonset.yaml").write_text(_namespace("kube-system", "restricted") + NODE_AGENT)
    assert {f.severity for f in run_lint(tmp_path).findings if f.code == "KS001"} == {Severity.ERROR}
    for level in ("privileged", "Restricted"):
        (tmp_path / "daemonset.yaml").write_text(_namespace("kube-system", level) + NODE_AGENT)
        assert not [f for f in run_lint(tmp_path).findings if f.severity is Severity.ERROR], level
    # a severity set in config wins
    (tmp_path / "daemonset.yaml").write_text(_namespace("kube-system", "baseline") + NODE_AGENT)
    (tmp_path / ".k8slint.yaml").write_text("rules:\n  privileged-container: warning\n")
    graded = {f.code: f.severity for f in run_lint(tmp_path, cwd=tmp_path).findings if f.code in ("KS003", "KS005")}
    assert graded == {"KS003": Severity.WARNING, "KS005": Severity.ERROR}


def test_a_pod_refused_by_its_namespace_says_the_pod(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(
        _namespace("apps", "restricted")
        + "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  containers:\n  - name: web\n"
        "    image: nginx:1.27\n    securityContext:\n      privileged: true\n"
    )
    [finding] = [f for f in run_lint(tmp_path).findings if f.code == "KS003"]
    assert finding.severity is Severity.ERROR and finding.message.endswith("so the API server refuses the pod")


def test_seccomp_is_restricted_when_unset_and_baseline_when_unconfined(tmp_path: Path) -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  containers:\n  - name: web\n"
        "    image: nginx:1.27\n    securityContext:\n      runAsNonRoot: true\n      allowPrivilegeEscalation: false\n"
        "      capabilities: {drop: [ALL]}\n"
    )
    unconfined = pod + "      seccompProfile: {type: Unconfined}\n"
    for level, text, expected in (
        ("baseline", pod, Severity.WARNING),  # baseline does not require a profile
        ("baseline", unconfined, Severity.ERROR),  # but refuses Unconfined
        ("restricted", pod, Severity.ERROR),
    ):
        (tmp_path / "pod.yaml").write_text(_namespace("apps", level) + text)
        [finding] = [f for f in run_lint(tmp_path).findings if f.code == "KS008"]
        assert finding.severity is expected, (level, finding.message)


_GAPPY_DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: gatekeeper-audit\n  namespace: gatekeeper-system\nspec:\n"
    "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n"
    "      containers:\n      - name: manager\n        image: openpolicyagent/gatekeeper:v3.18.0\n"
)


def test_a_namespace_enforces_its_profile_only_on_the_objects_of_its_own_install(tmp_path: Path) -> None:
    """open-policy-agent/gatekeeper (commit dd8507eb; Apache-2.0): deploy/gatekeeper.yaml labels gatekeeper-system
    restricted; test/bats/tests/remote-cluster holds a second install of the same Deployment, into a namespace its CI
    creates without labels. The Namespace judges the objects of its own install, not the other's."""
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "gatekeeper.yaml").write_text(_namespace("gatekeeper-system", "restricted") + _GAPPY_DEPLOYMENT)
    (tmp_path / "test" / "remote-cluster").mkdir(parents=True)
    (tmp_path / "test" / "remote-cluster" / "deployment.yaml").write_text(_GAPPY_DEPLOYMENT)
    graded = {(f.location.file.split("/")[-2], f.severity) for f in run_lint(tmp_path).findings if f.code == "KS001"}
    assert graded == {("deploy", Severity.ERROR), ("remote-cluster", Severity.WARNING)}
    # with the install alone in the tree (no second definition), the Namespace above it is its own
    (tmp_path / "deploy" / "gatekeeper.yaml").write_text(_namespace("gatekeeper-system", "restricted"))
    assert {f.severity for f in run_lint(tmp_path).findings if f.code == "KS001"} == {Severity.ERROR}
