"""ValidatingAdmissionPolicies applied offline: matching, params, actions, failure policy, --policies
folders (the docs' own examples are fixtures/rules/KV003)."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import run_lint

if importlib.util.find_spec("cel") is None:
    pytest.skip("the cel extra needs Python 3.11+", allow_module_level=True)

POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  failurePolicy: {failure}
  {param_kind}
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [{operations}]
        resources: [deployments]
  validations:
    - expression: {expression}
      message: too many replicas
"""

BINDING = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit-binding
spec:
  policyName: replica-limit
  validationActions: [{actions}]
  {param_ref}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {{team: web}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
"""


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def policy(
    expression: str = "object.spec.replicas <= 5",
    failure: str = "Fail",
    operations: str = "CREATE, UPDATE",
    param_kind: str = "",
) -> str:
    return POLICY.format(expression=expression, failure=failure, operations=operations, param_kind=param_kind)


def binding(actions: str = "Deny", param_ref: str = "") -> str:
    return BINDING.format(actions=actions, param_ref=param_ref)


def cel_findings(folder: Path, cwd: Path | None = None, **overrides: object) -> list[tuple[str, str, int, str, str]]:
    result = run_lint(folder, cwd=cwd, **overrides)
    return [
        (f.code, Path(f.location.file).name, f.location.line, f.severity.name.lower(), f.message)
        for f in result.findings
        if f.code in ("KV003", "KV004", "KV005", "KL900")
    ]


def test_deny_warn_and_audit_set_the_severity(tmp_path: Path) -> None:
    for actions, severity in (
        ("Deny", "error"),
        ("Warn", "warning"),
        ("Audit", "info"),
        ("Warn, Audit", "warning"),
        ("Audit, Deny", "error"),
    ):
        folder = write(tmp_path / actions.replace(", ", "-"), policy=policy(), binding=binding(actions), app=DEPLOYMENT.format(replicas=8))
        [(code, file, line, found, message)] = cel_findings(folder)
        assert (code, file, line, found) == ("KV003", "app.yaml", 8, severity), actions
        if severity == "error":
            assert (
                message
                == "ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-binding' denied request: too many replicas"
            )
        else:
            assert (
                message
                == "Validation failed for ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-binding': too many replicas"
            )


def test_a_policy_without_a_binding_does_nothing(tmp_path: Path) -> None:
    folder = write(tmp_path, policy=policy(), app=DEPLOYMENT.format(replicas=8))
    assert cel_findings(folder) == []


def test_a_policy_for_updates_only_does_not_apply_to_a_create(tmp_path: Path) -> None:
    folder = write(tmp_path, policy=policy(operations="UPDATE"), binding=binding(), app=DEPLOYMENT.format(replicas=8))
    assert cel_findings(folder) == []


PARAM_KIND = "paramKind: {apiVersion: v1, kind: ConfigMap}"
LIMITS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: shop
  labels: {{policy: replicas}}
data:
  maxReplicas: "{limit}"
"""


def test_params_by_name_and_by_selector(tmp_path: Path) -> None:
    check = "object.spec.replicas <= int(params.data.maxReplicas)"
    by_name = write(
        tmp_path / "name",
        policy=policy(check, param_kind=PARAM_KIND),
        binding=binding(param_ref="paramRef: {name: limits, parameterNotFoundAction: Deny}"),
        limits=LIMITS.format(name="limits", limit=3),
        app=DEPLOYMENT.format(replicas=4),
    )
    assert [f[:3] for f in cel_findings(by_name)] == [("KV003", "app.yaml", 8)]
    # by selector: each param selected is one evaluation, each failing one a finding
    by_selector = write(
        tmp_path / "selector",
        policy=policy(check, param_kind=PARAM_KIND),
        binding=binding(param_ref="paramRef: {selector: {matchLabels: {policy: replicas}}, parameterNotFoundAction: Deny}"),
        low=LIMITS.format(name="low", limit=2),
        high=LIMITS.format(name="high", limit=10),
        app=DEPLOYMENT.format(replicas=4),
    )
    assert [f[:3] for f in cel_findings(by_selector)] == [("KV003", "app.yaml", 8)]


def test_a_param_not_in_the_set_is_said_at_the_binding(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        policy=policy("object.spec.replicas <= int(params.data.maxReplicas)", param_kind=PARAM_KIND),
        binding=binding(param_ref="paramRef: {name: limits, parameterNotFoundAction: Deny}"),
        app=DEPLOYMENT.format(replicas=4),
    )
    [(code, file, line, severity, message)] = cel_findings(folder)
    assert (code, file, line, severity) == ("KV005", "binding.yaml", 8, "info")
    assert "its param ConfigMap limits in namespace shop is not in the set (parameterNotFoundAction: Deny)" in message


def test_a_broken_expression_is_an_error_at_its_line_and_the_policy_is_not_applied(tmp_path: Path) -> None:
    folder = write(tmp_path, policy=policy("object.spec.replicas <="), binding=binding(), app=DEPLOYMENT.format(replicas=8))
    [(code, file, line, severity, message)] = cel_findings(folder)
    assert (code, file, line, severity) == ("KV004", "policy.yaml", 15, "error")
    assert message.startswith("the expression object.spec.replicas <= does not compile: line 1, column 24: Syntax error")


def test_evaluation_errors_follow_the_failure_policy(tmp_path: Path) -> None:
    check = "object.spec.replicas + 'x' == 'y'"  # no such overload
    failing = write(tmp_path / "fail", policy=policy(check), binding=binding(), app=DEPLOYMENT.format(replicas=1))
    [(code, _, line, severity, message)] = cel_findings(failing)
    assert (code, line, severity) == ("KV003", 8, "error") and "failed to evaluate" in message
    ignored = write(tmp_path / "ignore", policy=policy(check, failure="Ignore"), binding=binding(), app=DEPLOYMENT.format(replicas=1))
    assert cel_findings(ignored) == []


def test_a_missing_field_may_be_defaulted_so_it_is_not_an_error(tmp_path: Path) -> None:
    app = DEPLOYMENT.format(replicas=1).replace("  replicas: 1\n", "")
    folder = write(tmp_path, policy=policy(), binding=binding(), app=app)
    [(code, _, line, severity, message)] = cel_findings(folder)
    assert (code, line, severity) == ("KV005", 4, "info")
    assert "no such key: 'replicas'" in message and "may default" in message


def test_the_requesting_user_cannot_be_known(tmp_path: Path) -> None:
    text = policy().replace(
        "  validations:",
        "  matchConditions:\n    - name: not-nodes\n      expression: '!(\"system:nodes\" in request.userInfo.groups)'\n  validations:",
    )
    folder = write(tmp_path, policy=text, binding=binding(), app=DEPLOYMENT.format(replicas=8))
    [(code, file, line, _, message)] = cel_findings(folder)
    assert (code, file, line) == ("KV005", "policy.yaml", 16)
    assert "reads the requesting user" in message


def test_namespace_selectors_need_the_namespace(tmp_path: Path) -> None:
    text = binding().replace(
        "  validationActions: [Deny]",
        "  validationActions: [Deny]\n  matchResources:\n    namespaceSelector:\n      matchLabels: {env: prod}",
    )
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {env: prod}\n"
    without = write(tmp_path / "without", policy=policy(), binding=text, app=DEPLOYMENT.format(replicas=8))
    [(code, _, line, _, message)] = cel_findings(without)
    assert (code, line) == ("KV005", 4) and "namespace 'shop', which is not in the set" in message
    # more objects there: one finding, on the first, that counts the others (kueue's docs examples, 53 objects)
    second = DEPLOYMENT.format(replicas=8).replace("name: web", "name: web-2", 1)
    many = write(tmp_path / "many", policy=policy(), binding=text, app=DEPLOYMENT.format(replicas=8), app2=second)
    [(code, file, line, _, message)] = cel_findings(many)
    assert (code, file, line) == ("KV005", "app.yaml", 4) and message.endswith("; nor to 1 more object in that namespace")
    present = write(tmp_path / "with", policy=policy(), binding=text, app=DEPLOYMENT.format(replicas=8), namespace=namespace)
    assert [f[:3] for f in cel_findings(present)] == [("KV003", "app.yaml", 8)]
    other = write(
        tmp_path / "other", policy=policy(), binding=text, app=DEPLOYMENT.format(replicas=8), namespace=namespace.replace("prod", "dev")
    )
    assert cel_findings(other) == []


def test_a_looping_validation_is_not_run(tmp_path: Path) -> None:
    check = "object.spec.template.spec.containers.all(a, object.spec.template.spec.containers.all(b, object.spec.template.spec.containers.all(c, a.name != '' || b.name != c.name)))"
    containers = "".join(f"        - name: c{i}\n          image: ghcr.io/acme/web:1.0.0\n" for i in range(1500))
    app = DEPLOYMENT.format(replicas=1).split("      containers:\n")[0] + "      containers:\n" + containers
    folder = write(tmp_path, policy=policy(check), binding=binding(), app=app)
    started = time.perf_counter()
    findings = cel_findings(folder)
    assert time.perf_counter() - started < 30
    assert [(code, severity) for code, _, _, severity, _ in findings] == [("KV005", "warning")]
    assert "estimated cost" in findings[0][4]


def test_policies_from_a_folder_apply_and_are_not_linted(tmp_path: Path, cli: Any) -> None:
    policies = write(
        tmp_path / "policies", policy=policy().replace("failurePolicy: Fail", "failurePolicy: Fail\n  unknownField: 1"), binding=binding()
    )
    app = write(tmp_path / "app", app=DEPLOYMENT.format(replicas=8))
    assert cel_findings(app) == []
    assert [f[:3] for f in cel_findings(app, policy_dirs=[str(policies)])] == [("KV003", "app.yaml", 8)]
    out = cli("check", "--no-config", "--format", "json", "--policies", str(policies), str(app))
    assert out.exit_code == 1, out.output
    reported = [(f["code"], Path(f["file"]).name) for f in json.loads(out.output)["findings"]]
    assert ("KV003", "app.yaml") in reported
    assert not [f for f in reported if f[1] in ("policy.yaml", "binding.yaml")]  # the policy's unknown field is not reported
    broken = write(tmp_path / "broken", policy=policy("object.spec.replicas <="), binding=binding())
    out = cli("check", "--no-config", "--format", "json", "--policies", str(broken), str(app))
    assert '"KV004"' in out.output and "broken/policy.yaml" in out.output
    # a folder's policies apply to every deployment unit of the paths linted, side-by-side samples too
    samples = write(tmp_path / "samples" / "a", app=DEPLOYMENT.format(replicas=8)).parent
    write(samples / "b", app=DEPLOYMENT.format(replicas=9))
    found = cel_findings(samples, policy_dirs=[str(policies)])
    assert [f[:3] for f in found] == [("KV003", "app.yaml", 8), ("KV003", "app.yaml", 8)]


@pytest.mark.parametrize(
    ("resources", "applies"),
    [("deployments", True), ("'*'", True), ("'*/*'", True), ("deployments/scale", False), ("'*/status'", False), ("pods", False)],
)
def test_resource_patterns(tmp_path: Path, resources: str, applies: bool) -> None:
    folder = write(
        tmp_path,
        policy=policy().replace("resources: [deployments]", f"resources: [{resources}]"),
        binding=binding(),
        app=DEPLOYMENT.format(replicas=8),
    )
    assert bool(cel_findings(folder)) is applies


def test_a_variable_that_reads_a_missing_field_is_not_an_error(tmp_path: Path) -> None:
    text = policy("variables.replicas <= 5").replace(
        "  validations:", "  variables:\n    - name: replicas\n      expression: object.spec.replicas\n  validations:"
    )
    app = DEPLOYMENT.format(replicas=1).replace("  replicas: 1\n", "")
    [(code, _, line, severity, message)] = cel_findings(write(tmp_path / "missing", policy=text, binding=binding(), app=app))
    assert (code, line, severity) == ("KV005", 4, "info") and "variable 'replicas' failed to evaluate here" in message
    assert [f[:3] for f in cel_findings(write(tmp_path / "set", policy=text, binding=binding(), app=DEPLOYMENT.format(replicas=9)))] == [
        ("KV003", "app.yaml", 8)  # at object.spec.replicas, which the variable reads
    ]


def test_the_run_stops_evaluating_policies_at_its_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from k8slint.model import cel

    monkeypatch.setattr(cel, "MAX_EVALUATIONS", 3)
    apps = "---\n".join(DEPLOYMENT.format(replicas=1).replace("name: web", f"name: web{i}") for i in range(5))
    findings = cel_findings(write(tmp_path, policy=policy(), binding=binding(), app=apps))
    assert [(code, line, severity) for code, _, line, severity, _ in findings] == [
        ("KV005", 4 + 3 * 18, "warning")
    ]  # the fourth Deployment
    assert "budget of 3 evaluations of admission policy expressions in one run is spent" in findings[0][4]


def test_policies_from_the_config(tmp_path: Path, cli: Any) -> None:
    repository = tmp_path / "repo"
    write(repository / "policies", policy=policy(), binding=binding())
    write(repository / "app", app=DEPLOYMENT.format(replicas=8))
    (repository / ".git").mkdir()
    (repository / ".k8slint.yaml").write_text("policies: [policies]\n", encoding="utf-8")
    assert [f[:3] for f in cel_findings(repository / "app", cwd=repository)] == [("KV003", "app.yaml", 8)]
    (repository / ".k8slint.yaml").write_text("policies: [../elsewhere]\n", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    out = cli("check", str(repository / "app"), "--config", str(repository / ".k8slint.yaml"))
    assert out.exit_code == 2 and "policies[0]: '../elsewhere' is outside the repository" in out.output


# kyverno/kyverno (commit 111e07bbec; Apache-2.0), cut: test/cli/test-validating-admission-policy holds one
# kyverno CLI test per folder, each with its policy, binding and Deployments; test/conformance/chainsaw holds
# chainsaw tests that apply Deployments to another cluster. Side-by-side tests define the same objects
# (nginx-deployment in default), so each is a deployment unit of its own.
NAMESPACE_POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "check-deployment-namespace"
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: "namespaceObject.metadata.name != 'default'"
    message: "Using 'default' namespace is not allowed for pod controllers."
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "check-deployment-namespace-binding"
spec:
  policyName: "check-deployment-namespace"
  validationActions: [Deny]
  matchResources:
    objectSelector:
      matchLabels:
        app: nginx
"""
NGINX = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  namespace: {namespace}
  labels: {{app: nginx}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: nginx}}
  template:
    metadata:
      labels: {{app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""
DEFAULT_NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n"


def test_a_binding_applies_to_the_objects_of_its_own_unit_only(tmp_path: Path) -> None:
    cli = tmp_path / "test" / "cli" / "test-validating-admission-policy"
    write(
        cli / "with-namespaceObject-2", policy=NAMESPACE_POLICY, resources=NGINX.format(namespace="default") + "---\n" + DEFAULT_NAMESPACE
    )
    write(cli / "with-bindings-1", deployment1=NGINX.format(namespace="default"), namespace=DEFAULT_NAMESPACE)
    write(tmp_path / "test" / "conformance" / "apply", deployment1=NGINX.format(namespace="default"), ns=DEFAULT_NAMESPACE)
    found = [(code, file, line) for code, file, line, _, _ in cel_findings(tmp_path)]
    assert found == [("KV003", "resources.yaml", 4)]  # the test's own Deployment, not the next test's


def test_a_binding_reads_the_policy_and_the_params_nearest_it(tmp_path: Path) -> None:
    """Two tests each hold a policy of the same name: a binding applies its own test's."""
    check = "object.spec.replicas <= int(params.data.maxReplicas)"
    strict = write(
        tmp_path / "strict",
        policy=policy(check, param_kind=PARAM_KIND),
        binding=binding(param_ref="paramRef: {name: limits, parameterNotFoundAction: Deny}"),
        limits=LIMITS.format(name="limits", limit=3),
        app=DEPLOYMENT.format(replicas=4),
    )
    write(
        tmp_path / "lenient",
        policy=policy("object.spec.replicas <= 100"),
        limits=LIMITS.format(name="limits", limit=50),
        app=DEPLOYMENT.format(replicas=4),
    )
    [(code, file, line, _, _)] = cel_findings(tmp_path)
    assert (code, file, line) == ("KV003", "app.yaml", 8)
    result = run_lint(tmp_path)
    [finding] = [f for f in result.findings if f.code == "KV003"]
    assert finding.location.file.startswith(str(strict))
    assert all(r.location.file.startswith(str(strict)) for r in finding.related)
