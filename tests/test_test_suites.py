"""End-to-end test assertions (chainsaw assert/error files, kuttl NN-assert/NN-errors) are set aside, not linted.

open-telemetry/opentelemetry-operator's tests/ hold 109 chainsaw tests; their assert files are partial
objects (a Deployment with only status.readyReplicas) that chainsaw matches against the cluster.
Linted as objects they gave 1,200 false errors.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import run_lint

# open-telemetry/opentelemetry-operator, tests/e2e/smoke-deletion (commit be8944414a87; Apache-2.0), cut
CHAINSAW_TEST = """apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: smoke-deletion
spec:
  steps:
  - name: step-00
    try:
    - apply:
        file: 00-install.yaml
    - assert:
        file: 00-assert.yaml
    - error:
        file: 00-error.yaml
  - name: step-01
    try:
    - apply:
        file: 01-install.yaml
    - assert:
        file: "01-assert-*.yaml"
"""
ASSERT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: stateful-collector
status:
  readyReplicas: 1
---
apiVersion: v1
kind: Pod
metadata:
  labels:
    app.kubernetes.io/name: stateful-collector
spec:
  containers:
  - name: otc-container
"""
ERROR = "apiVersion: v1\nkind: Service\nmetadata:\n  name: stateful-collector-old\n"
# an applied file keeps every rule: a Pod with no image is refused by the API server
APPLIED = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n"


def _suite(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "chainsaw-test.yaml").write_text(CHAINSAW_TEST)
    (folder / "00-install.yaml").write_text(APPLIED)
    (folder / "00-assert.yaml").write_text(ASSERT)
    (folder / "00-error.yaml").write_text(ERROR)
    (folder / "01-install.yaml").write_text(APPLIED.replace("web", "api"))
    (folder / "01-assert-collector.yaml").write_text(ASSERT)


def test_chainsaw_assertions_are_set_aside_and_applied_files_linted(tmp_path: Path) -> None:
    _suite(tmp_path / "tests" / "e2e" / "smoke-deletion")
    result = run_lint(".", cwd=tmp_path)
    linted = {Path(f.location.file).name for f in result.findings}
    assert linted <= {"00-install.yaml", "01-install.yaml"}, linted
    assert any(f.code == "KR005" and f.location.file.endswith("00-install.yaml") for f in result.findings)
    aside = dict((Path(file).name, why) for file, why in result.not_kubernetes)
    assert aside["00-assert.yaml"].startswith("an assertion of the chainsaw test ")
    assert aside["00-error.yaml"].startswith("an error assertion (must not exist) of the chainsaw test ")
    assert "01-assert-collector.yaml" in aside  # a glob in file:
    assert "configures a tool" in aside["chainsaw-test.yaml"]


def test_an_assertion_named_on_the_command_line_is_set_aside_too(tmp_path: Path) -> None:
    """pre-commit passes files one by one: the test file beside it still says what it is."""
    folder = tmp_path / "smoke"
    _suite(folder)
    result = run_lint(folder / "00-assert.yaml", cwd=tmp_path)
    assert result.findings == [] or all(not f.location.file.endswith("00-assert.yaml") for f in result.findings)
    assert [Path(file).name for file, _ in result.not_kubernetes] == ["00-assert.yaml"]


def test_a_file_no_test_names_is_linted(tmp_path: Path) -> None:
    (tmp_path / "00-assert.yaml").write_text(ASSERT)
    codes = {f.code for f in run_lint(".", cwd=tmp_path).findings}
    assert "KR005" in codes  # no chainsaw test or kuttl suite says it is an assertion: an object, every rule


def test_kuttl_assert_and_errors_files_are_set_aside(tmp_path: Path) -> None:
    (tmp_path / "kuttl-test.yaml").write_text("apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\ntestDirs:\n- ./tests/e2e\n")
    case = tmp_path / "tests" / "e2e" / "basic"
    case.mkdir(parents=True)
    (case / "00-install.yaml").write_text(APPLIED)
    (case / "00-assert.yaml").write_text(ASSERT)
    (case / "01-errors.yaml").write_text(ERROR)
    result = run_lint(".", cwd=tmp_path)
    assert {Path(f.location.file).name for f in result.findings} <= {"00-install.yaml"}
    aside = dict((Path(file).name, why) for file, why in result.not_kubernetes)
    assert aside["00-assert.yaml"].startswith("an assertion of the kuttl suite ")
    assert aside["01-errors.yaml"].startswith("an error assertion (must not exist) of the kuttl suite ")


# open-telemetry/opentelemetry-operator, tests/e2e-ta-collector-mtls/ta-collector-mtls (cut): the operator makes
# the Certificate (and cert-manager its Secret) that 00-install.yaml's Pod mounts; 00-assert.yaml waits for it
MTLS_TEST = """apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: ta-collector-mtls
spec:
  steps:
  - try:
    - apply:
        file: 00-install.yaml
    - assert:
        file: 00-assert.yaml
"""
MTLS_ASSERT = "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: prometheus-cr-ta-client-cert\n"
MTLS_POD = """apiVersion: v1
kind: Pod
metadata:
  name: check-metrics
spec:
  containers:
  - name: check
    image: curlimages/curl:8.7.1
    volumeMounts:
    - name: client-cert
      mountPath: /certs
  volumes:
  - name: client-cert
    secret:
      secretName: prometheus-cr-ta-client-cert
---
apiVersion: v1
kind: Secret
metadata:
  name: unrelated
stringData:
  token: x
"""


def test_what_a_test_asserts_exists_resolves_references(tmp_path: Path) -> None:
    case = tmp_path / "mtls"
    case.mkdir()
    (case / "chainsaw-test.yaml").write_text(MTLS_TEST)
    (case / "00-install.yaml").write_text(MTLS_POD)
    (case / "00-assert.yaml").write_text(MTLS_ASSERT)
    assert "KN021" not in {f.code for f in run_lint(".", cwd=tmp_path).findings}
    # without the assertion nothing says the Secret is made: the reference is reported
    (case / "00-assert.yaml").unlink()
    (case / "chainsaw-test.yaml").write_text(MTLS_TEST.replace("    - assert:\n        file: 00-assert.yaml\n", ""))
    assert "KN021" in {f.code for f in run_lint(".", cwd=tmp_path).findings}


def test_an_asserted_secret_is_present(tmp_path: Path) -> None:
    case = tmp_path / "secret"
    case.mkdir()
    (case / "chainsaw-test.yaml").write_text(MTLS_TEST)
    (case / "00-install.yaml").write_text(MTLS_POD)
    (case / "00-assert.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: prometheus-cr-ta-client-cert\n")
    assert "KN021" not in {f.code for f in run_lint(".", cwd=tmp_path).findings}


def test_a_test_pointing_outside_the_linted_paths_is_not_followed_there(tmp_path: Path) -> None:
    """A kuttl testDirs entry or a chainsaw glob that leaves the paths given is neither listed nor read."""
    from k8slint.sources.safefs import Roots
    from k8slint.sources.testsuites import TestAssertions

    inner, outside = tmp_path / "repo", tmp_path / "elsewhere"
    (outside / "case").mkdir(parents=True)
    (outside / "case" / "00-assert.yaml").write_text(ASSERT)
    (outside / "01-assert-x.yaml").write_text(ASSERT)
    inner.mkdir()
    (inner / "kuttl-test.yaml").write_text("apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\ntestDirs:\n- ../elsewhere\n")
    (inner / "chainsaw-test.yaml").write_text(CHAINSAW_TEST.replace('"01-assert-*.yaml"', '"../elsewhere/01-assert-*.yaml"'))
    (inner / "00-assert.yaml").write_text(ASSERT)
    suites = TestAssertions()
    roots = Roots((str(inner.resolve()),))
    suites.add_suite(str(inner / "kuttl-test.yaml"), roots)
    suites.add_suite(str(inner / "chainsaw-test.yaml"), roots)
    assert not any(path.startswith(str(outside)) for path in suites.roles)
    assert suites.role_of(str(inner / "00-assert.yaml")) is not None  # what lies inside is still known
    # with the outer folder linted too, both are followed
    wide = Roots((str(tmp_path.resolve()),))
    suites = TestAssertions()
    suites.add_suite(str(inner / "kuttl-test.yaml"), wide)
    suites.add_suite(str(inner / "chainsaw-test.yaml"), wide)
    assert suites.role_of(str(outside / "case" / "00-assert.yaml")) is not None
    assert suites.role_of(str(outside / "01-assert-x.yaml")) is not None


# kyverno/kyverno, test/conformance/chainsaw/image-validating-policies/match-conditions (commit 111e07bbec;
# Apache-2.0), cut: a step creates a file and the next asserts the same file, to wait until it is admitted
APPLIED_AND_ASSERTED_TEST = """apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: match-conditions
spec:
  steps:
  - name: create namespace
    try:
    - apply:
        file: ns.yaml
    - assert:
        file: ns.yaml
  - name: create good pod
    try:
    - create:
        file: good-pod.yaml
    - assert:
        file: good-pod.yaml
"""
GOOD_POD = """apiVersion: v1
kind: Pod
metadata:
  name: test-pod-good
  namespace: ivpol-match
  labels:
    prod: "true"
spec:
  containers:
    - name: nginx
      image: 'ghcr.io/kyverno/test-verify-image:signed'
      resources:
        requests: {memory: 512Mi}
        limits: {memory: 256Mi}
"""


def test_a_file_a_step_applies_is_linted_though_another_step_asserts_it(tmp_path: Path) -> None:
    """chainsaw creates the file's objects whole, then waits for them: they are objects, not assertions."""
    case = tmp_path / "match-conditions"
    case.mkdir()
    (case / "chainsaw-test.yaml").write_text(APPLIED_AND_ASSERTED_TEST)
    (case / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ivpol-match\n")
    (case / "good-pod.yaml").write_text(GOOD_POD)
    result = run_lint(".", cwd=tmp_path)
    assert any(f.code == "KR002" and f.location.file.endswith("good-pod.yaml") for f in result.findings)
    assert [Path(file).name for file, _ in result.not_kubernetes] == ["chainsaw-test.yaml"]
    # asserted only, the same file is a partial object matched against the cluster
    (case / "chainsaw-test.yaml").write_text(APPLIED_AND_ASSERTED_TEST.replace("    - create:\n        file: good-pod.yaml\n", ""))
    result = run_lint(".", cwd=tmp_path)
    assert not any(f.location.file.endswith("good-pod.yaml") for f in result.findings)
    assert "good-pod.yaml" in {Path(file).name for file, _ in result.not_kubernetes}


# kyverno/kyverno, test/cli/test/simple and test/cli/test-mutating-admission-policy/with-params (commit
# 111e07bbec; Apache-2.0), cut: `kyverno test ./test/cli/test` reads each kyverno-test.yaml, whatever its
# apiVersion, and the values file it names; the policies and resources are what the CLI evaluates
KYVERNO_TEST = """apiVersion: {api_version}
kind: Test
metadata:
  name: kyverno-test.yaml
policies:
- policy.yaml
resources:
- resources.yaml
results:
- kind: Pod
  policy: restrict-pod-counts
  resources:
  - myapp-pod
  result: fail
  rule: restrict-pod-count
variables: values.yaml
"""
KYVERNO_VALUES = """apiVersion: cli.kyverno.io/v1alpha1
kind: Values
policies:
- name: restrict-pod-counts
  resources:
  - name: myapp-pod
    values:
      request.operation: CREATE
"""
KYVERNO_RESOURCE = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: myapp-pod\nspec:\n  containers:\n  - name: nginx\n"


def test_a_kyverno_cli_test_and_its_values_configure_the_cli(tmp_path: Path) -> None:
    for api_version in ("cli.kyverno.io/v1alpha1", "kyverno.io/v1"):
        case = tmp_path / api_version.split("/")[0] / "simple"
        case.mkdir(parents=True)
        (case / "kyverno-test.yaml").write_text(KYVERNO_TEST.format(api_version=api_version))
        (case / "values.yaml").write_text(KYVERNO_VALUES)
        (case / "resources.yaml").write_text(KYVERNO_RESOURCE)
        result = run_lint(".", cwd=case)
        assert {Path(f.location.file).name for f in result.findings} == {"resources.yaml"}, api_version
        assert any(f.code == "KR005" for f in result.findings)  # what the CLI evaluates is linted
        aside = dict((Path(file).name, why) for file, why in result.not_kubernetes)
        assert aside["kyverno-test.yaml"].startswith("a kyverno CLI test")
        assert set(aside) == {"kyverno-test.yaml", "values.yaml"}
    # a values file of the CLI's own group is its input wherever it is, named by a test or not
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "values.yaml").write_text(KYVERNO_VALUES)
    (alone / "user_info.yaml").write_text("apiVersion: cli.kyverno.io/v1alpha1\nkind: UserInfo\nclusterRoles:\n- cluster-admin\n")
    result = run_lint(".", cwd=alone)
    assert result.findings == []
    assert {Path(file).name for file, _ in result.not_kubernetes} == {"values.yaml", "user_info.yaml"}


def test_a_file_named_kyverno_test_that_is_no_cli_test_is_judged_by_its_content(tmp_path: Path) -> None:
    (tmp_path / "kyverno-test.yaml").write_text(KYVERNO_RESOURCE)
    assert "KR005" in {f.code for f in run_lint(".", cwd=tmp_path).findings}


# kyverno/kyverno, test/conformance/chainsaw/validating-admission-policy-reports/background (commit 111e07bbec;
# Apache-2.0), cut: side-by-side chainsaw tests that share no object name; chainsaw deletes what each test made
# when it ends, so one test's ValidatingAdmissionPolicy never judges the next test's Deployment
REPLICAS_POLICY = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: check-deployment-replicas-03
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: object.spec.replicas <= 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: check-deployment-replicas-binding-03
spec:
  policyName: check-deployment-replicas-03
  validationActions: [Deny]
"""
SEVEN_REPLICAS = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: deployment-{n}
  namespace: default
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: busybox-{n}}}
  template:
    metadata:
      labels: {{app: busybox-{n}}}
    spec:
      containers:
      - name: busybox
        image: busybox:1.35
"""
APPLY_BOTH = """apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: {name}
spec:
  steps:
  - try:
    - apply:
        file: {first}
  - try:
    - apply:
        file: {second}
"""


@pytest.mark.skipif(importlib.util.find_spec("cel") is None, reason="the cel extra needs Python 3.11+")
def test_each_chainsaw_test_folder_is_a_deployment_of_its_own(tmp_path: Path) -> None:
    background = tmp_path / "background"
    passing = background / "with-binding-pass"
    passing.mkdir(parents=True)
    (passing / "chainsaw-test.yaml").write_text(APPLY_BOTH.format(name="pass", first="policy.yaml", second="deployment.yaml"))
    (passing / "policy.yaml").write_text(REPLICAS_POLICY)
    (passing / "deployment.yaml").write_text(SEVEN_REPLICAS.format(n=1, replicas=3))
    other = background / "userinfo"
    other.mkdir()
    (other / "chainsaw-test.yaml").write_text(APPLY_BOTH.format(name="userinfo", first="deployment.yaml", second="deployment.yaml"))
    (other / "deployment.yaml").write_text(SEVEN_REPLICAS.format(n=2, replicas=7))
    assert not [f for f in run_lint(".", cwd=tmp_path).findings if f.code == "KV003"]
    # without the tests the two folders are one deployment (no name is defined twice): the policy applies to both
    (passing / "chainsaw-test.yaml").unlink()
    (other / "chainsaw-test.yaml").unlink()
    assert [Path(f.location.file).parent.name for f in run_lint(".", cwd=tmp_path).findings if f.code == "KV003"] == ["userinfo"]


# kyverno/kyverno, test/conformance/chainsaw/deleting-policies/schedule and
# validate/clusterpolicy/cornercases/ephemeral-containers (commit 111e07bbec; Apache-2.0), cut: a later step
# applies a partial object over the Pod an earlier step made; chainsaw's apply merge-patches an object that exists
MERGE_TEST = """apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: schedule
spec:
  namespace: default
  steps:
  - try:
    - apply:
        file: pod.yaml
  - try:
    - apply:
        file: pod-assert.yaml
  - try:
    - apply:
        file: debugged.yaml
    - apply:
        file: deployment-update.yaml
  - try:
    - error:
        file: pod-assert.yaml
"""
EXAMPLE_POD = """apiVersion: v1
kind: Pod
metadata:
  name: example
spec:
  containers:
  - name: busybox
    image: bar.io/busybox:1.35
"""
DEBUGGED = (
    EXAMPLE_POD
    + """  ephemeralContainers:
  - image: bar.io/busybox:1.35
    name: debugger
"""
)
DEPLOYMENT_UPDATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources:
          requests: {memory: 512Mi}
          limits: {memory: 256Mi}
"""
# kyverno/kyverno, test/conformance/chainsaw/validate/clusterpolicy/standard/cel-deprecated/disallow-host-port (cut):
# the same Pod again, with a port that lacks its number; a merge patch replaces the containers list whole
PORTLESS = (
    EXAMPLE_POD
    + """    ports:
    - hostPort: 80
"""
)


def test_a_file_applied_over_objects_an_earlier_step_made_is_merged_into_them(tmp_path: Path) -> None:
    case = tmp_path / "schedule"
    case.mkdir()
    (case / "chainsaw-test.yaml").write_text(MERGE_TEST)
    (case / "pod.yaml").write_text(EXAMPLE_POD + "---\n" + DEPLOYMENT_UPDATE.replace("512Mi", "128Mi"))
    (case / "pod-assert.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: example\n  namespace: default\n")
    (case / "debugged.yaml").write_text(DEBUGGED)
    (case / "deployment-update.yaml").write_text(DEPLOYMENT_UPDATE)
    errors = {(Path(f.location.file).name, f.code) for f in run_lint(".", cwd=tmp_path).findings if f.severity.name == "ERROR"}
    # no spec, an ephemeral container: what a create refuses, an update keeps; a request over its limit is refused either way
    assert errors == {("deployment-update.yaml", "KR002")}
    # applied first, the same partial Pod is a create: the API server refuses it
    (case / "chainsaw-test.yaml").write_text(MERGE_TEST.replace("file: pod.yaml", "file: other.yaml"))
    errors = {(Path(f.location.file).name, f.code) for f in run_lint(".", cwd=tmp_path).findings if f.severity.name == "ERROR"}
    assert errors == {("pod-assert.yaml", "KV001"), ("deployment-update.yaml", "KR002")}  # debugged.yaml merges into it
    # what a list item lacks is the file's own: the list replaces the live one
    (case / "debugged.yaml").write_text(PORTLESS)
    errors = {(Path(f.location.file).name, f.code) for f in run_lint(".", cwd=tmp_path).findings if f.severity.name == "ERROR"}
    assert ("debugged.yaml", "KL010") in errors
    # an apply the test expects refused makes nothing: the next apply of the same Pod creates it
    refused = "    - apply:\n        file: pod-assert.yaml\n        expect:\n        - check:\n            ($error != null): true\n"
    (case / "chainsaw-test.yaml").write_text(
        MERGE_TEST.replace("file: pod.yaml", "file: other.yaml").replace("    - apply:\n        file: pod-assert.yaml\n", refused, 1)
    )
    (case / "debugged.yaml").write_text(DEBUGGED)
    errors = {(Path(f.location.file).name, f.code) for f in run_lint(".", cwd=tmp_path).findings if f.severity.name == "ERROR"}
    assert ("debugged.yaml", "KV001") in errors


# kyverno/kyverno, test/conformance/chainsaw/validating-admission-policy-reports/background/
# with-validating-admission-policy-binding-fail (commit 111e07bbec; Apache-2.0), cut: the Deployment is created
# before the policy, which then reports it in the background; the API server admitted it before the binding existed
BACKGROUND_TEST = """apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: with-validating-admission-policy-binding-fail
spec:
  steps:
  - name: step-01
    try:
    - apply:
        file: {first}
  - name: step-02
    try:
    - apply:
        file: {second}
"""


@pytest.mark.skipif(importlib.util.find_spec("cel") is None, reason="the cel extra needs Python 3.11+")
def test_a_policy_a_test_applies_after_an_object_does_not_judge_it(tmp_path: Path) -> None:
    case = tmp_path / "binding-fail"
    case.mkdir()
    (case / "policy.yaml").write_text(REPLICAS_POLICY)
    (case / "deployment.yaml").write_text(SEVEN_REPLICAS.format(n=3, replicas=7))
    (case / "chainsaw-test.yaml").write_text(BACKGROUND_TEST.format(first="deployment.yaml", second="policy.yaml"))
    assert not [f for f in run_lint(".", cwd=tmp_path).findings if f.code == "KV003"]
    (case / "chainsaw-test.yaml").write_text(BACKGROUND_TEST.format(first="policy.yaml", second="deployment.yaml"))
    assert [Path(f.location.file).name for f in run_lint(".", cwd=tmp_path).findings if f.code == "KV003"] == ["deployment.yaml"]


# kyverno/kyverno, test/conformance/chainsaw/exceptions/exclude-privileged-containers (commit 111e07bbec;
# Apache-2.0), cut: the test applies a policy exception, then a Pod it expects the admission webhook to refuse
REFUSING_TEST = """apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: exclude-privileged-containers
spec:
  steps:
  - name: step-01
    try:
    - apply:
        file: good-pod.yaml
    - apply:
        file: bad-pod.yaml
        expect:
        - check:
            ($error != null): true
"""
ACCEPTED_POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: good\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n"
# no image: the API server refuses the Pod (containers[0].image: Required value), as the test wants
REFUSED_POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: web\n"


def _errors_and_infos(result) -> tuple[set[tuple[str, str]], list[str]]:
    errors = {(Path(f.location.file).name, f.code) for f in result.findings if f.severity.name == "ERROR"}
    infos = [f.message for f in result.findings if f.severity.name == "INFO" and "not an error here" in f.message]
    return errors, infos


def test_a_file_a_test_expects_refused_is_a_test_input_whose_errors_are_infos(tmp_path: Path) -> None:
    case = tmp_path / "exclude-privileged-containers"
    case.mkdir()
    (case / "chainsaw-test.yaml").write_text(REFUSING_TEST)
    (case / "good-pod.yaml").write_text(ACCEPTED_POD)
    (case / "bad-pod.yaml").write_text(REFUSED_POD)
    errors, infos = _errors_and_infos(run_lint(".", cwd=tmp_path))
    assert errors == set()
    assert len(infos) == 1 and infos[0].endswith(
        "(not an error here: the chainsaw test ./exclude-privileged-containers/chainsaw-test.yaml applies it expecting the API server to refuse it)"
    )
    # the same file applied without an expected error by another step: the API server gets it to accept, an error
    (case / "chainsaw-test.yaml").write_text(REFUSING_TEST + "    - apply:\n        file: bad-pod.yaml\n")
    assert _errors_and_infos(run_lint(".", cwd=tmp_path)) == ({("bad-pod.yaml", "KR005")}, [])
    # a file that no test expects refused keeps its errors
    (case / "chainsaw-test.yaml").write_text(REFUSING_TEST.replace("file: bad-pod.yaml", "file: other.yaml"))
    (case / "good-pod.yaml").write_text(REFUSED_POD.replace("name: bad", "name: good"))
    assert ("good-pod.yaml", "KR005") in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]


def test_the_resources_of_a_kyverno_cli_test_are_test_inputs(tmp_path: Path) -> None:
    case = tmp_path / "test" / "cli" / "simple"
    case.mkdir(parents=True)
    (case / "kyverno-test.yaml").write_text(KYVERNO_TEST.format(api_version="cli.kyverno.io/v1alpha1"))
    (case / "values.yaml").write_text(KYVERNO_VALUES)
    (case / "resources.yaml").write_text(KYVERNO_RESOURCE)
    result = run_lint(".", cwd=tmp_path)
    errors, _ = _errors_and_infos(result)
    # linted, every rule, but `kyverno test` never sends it to an API server: not an error
    assert errors == set()
    [info] = [f for f in result.findings if f.code == "KR005"]
    assert info.message.endswith(
        "(not an error here: a resource of the kyverno CLI test ./test/cli/simple/kyverno-test.yaml, which never sends it to an API server)"
    )
    # a configured severity wins
    (tmp_path / ".k8slint.yaml").write_text("rules:\n  KR005: error\n")
    assert ("resources.yaml", "KR005") in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]
    (tmp_path / ".k8slint.yaml").unlink()
    # a resource outside the test's folder is a manifest of its own that a test also reads: its errors stay errors
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "pod.yaml").write_text(KYVERNO_RESOURCE)
    (case / "kyverno-test.yaml").write_text(
        KYVERNO_TEST.format(api_version="cli.kyverno.io/v1alpha1").replace(
            "- resources.yaml", "- resources.yaml\n- ../../../deploy/pod.yaml"
        )
    )
    assert ("pod.yaml", "KR005") in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]
    # patched resources, expected outputs of a mutation, are inputs too
    (case / "kyverno-test.yaml").write_text(
        KYVERNO_TEST.format(api_version="cli.kyverno.io/v1alpha1").replace(
            "  result: fail\n", "  result: fail\n  patchedResources: patched.yaml\n"
        )
    )
    (case / "patched.yaml").write_text(KYVERNO_RESOURCE)
    assert ("patched.yaml", "KR005") not in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]


# open-telemetry/opentelemetry-operator, tests/e2e/annotation-change-collector (commit be8944414a87; Apache-2.0),
# cut: the operator makes the Deployment from the collector; step-00 asserts it is there, step-02 applies an
# annotation over it (no selector, no containers: a merge into the live Deployment)
OPERATOR_MADE_TEST = """apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: annotation-change-collector
spec:
  steps:
  - name: step-00
    try:
    - apply:
        file: 00-install.yaml
    - assert:
        file: 00-assert.yaml
  - name: step-02
    try:
    - apply:
        file: 02-manual-annotation.yaml
"""
COLLECTOR = "apiVersion: opentelemetry.io/v1beta1\nkind: OpenTelemetryCollector\nmetadata:\n  name: deployment\nspec:\n  mode: deployment\n"
MADE_ASSERT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: deployment-collector\n  annotations:\n    extra: 'true'\n"
MANUAL = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: deployment-collector\n  annotations:\n    manual: 'true'\n"
    "spec:\n  template:\n    metadata:\n      annotations:\n        manual: 'true'\n"
)


def test_an_apply_over_objects_an_earlier_assert_waited_for_is_merged_into_them(tmp_path: Path) -> None:
    case = tmp_path / "annotation-change-collector"
    case.mkdir()
    (case / "chainsaw-test.yaml").write_text(OPERATOR_MADE_TEST)
    (case / "00-install.yaml").write_text(COLLECTOR)
    (case / "00-assert.yaml").write_text(MADE_ASSERT)
    (case / "02-manual-annotation.yaml").write_text(MANUAL)
    errors = {(Path(f.location.file).name, f.code) for f in run_lint(".", cwd=tmp_path).findings if f.severity.name == "ERROR"}
    assert errors == set()
    # asserted only after the apply, or in a finally block (no order to rely on): the apply creates it, and the
    # API server refuses a Deployment without a selector
    for moved in (
        OPERATOR_MADE_TEST.replace("    - assert:\n        file: 00-assert.yaml\n", "").replace(
            "        file: 02-manual-annotation.yaml\n",
            "        file: 02-manual-annotation.yaml\n    - assert:\n        file: 00-assert.yaml\n",
        ),
        OPERATOR_MADE_TEST.replace(
            "    - assert:\n        file: 00-assert.yaml\n", "    finally:\n    - assert:\n        file: 00-assert.yaml\n"
        ),
    ):
        (case / "chainsaw-test.yaml").write_text(moved)
        errors = {(Path(f.location.file).name, f.code) for f in run_lint(".", cwd=tmp_path).findings if f.severity.name == "ERROR"}
        assert ("02-manual-annotation.yaml", "KR001") in errors, moved


def test_a_file_no_step_or_script_of_its_chainsaw_test_names_is_a_test_input(tmp_path: Path) -> None:
    """kyverno/kyverno test/conformance/chainsaw/validating-policies/context/globalreference: an assertion-shaped
    new-deployment-exists.yaml lies beside the test, and nothing in it names the file."""
    case = tmp_path / "globalreference"
    case.mkdir()
    (case / "chainsaw-test.yaml").write_text(REFUSING_TEST)
    (case / "good-pod.yaml").write_text(ACCEPTED_POD)
    (case / "bad-pod.yaml").write_text(ACCEPTED_POD.replace("name: good", "name: bad"))
    (case / "new-deployment-exists.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: new-deployment\n")
    result = run_lint(".", cwd=tmp_path)
    errors, infos = _errors_and_infos(result)
    assert errors == set()
    assert [message.rsplit("(not an error here: ", 1)[1] for message in infos] == [
        "no operation or script of the chainsaw test ./globalreference/chainsaw-test.yaml names it, so the test never applies it)"
    ] * len(infos) and infos
    # named by a script (kubectl apply -f in its content): applied, an object like any other
    script = "    - script:\n        content: kubectl apply -f new-deployment-exists.yaml\n"
    (case / "chainsaw-test.yaml").write_text(REFUSING_TEST + script)
    assert ("new-deployment-exists.yaml", "KL010") in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]
    # a step template's operations run as the step's: what the template names counts; a template that cannot be
    # read leaves every file an object
    (case / "chainsaw-test.yaml").write_text(REFUSING_TEST + "  - use:\n      template: ../_step-templates/apply.yaml\n")
    assert ("new-deployment-exists.yaml", "KL010") in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]
    (tmp_path / "_step-templates").mkdir()
    (tmp_path / "_step-templates" / "apply.yaml").write_text(
        "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: StepTemplate\nmetadata:\n  name: apply\nspec:\n  try:\n"
        "  - apply:\n      file: new-deployment-exists.yaml\n"
    )
    assert ("new-deployment-exists.yaml", "KL010") in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]
    (tmp_path / "_step-templates" / "apply.yaml").write_text(
        "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: StepTemplate\nmetadata:\n  name: apply\nspec:\n  try:\n"
        "  - create:\n      file: ($file)\n"
    )
    assert ("new-deployment-exists.yaml", "KL010") not in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]
    # a kustomization beside the test builds it (a script may apply the build): an object
    (case / "chainsaw-test.yaml").write_text(REFUSING_TEST)
    (case / "kustomization.yaml").write_text("resources:\n- new-deployment-exists.yaml\n")
    assert ("new-deployment-exists.yaml", "KL010") in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]


# open-policy-agent/gatekeeper, test/gator/verify (commit dd8507eb; Apache-2.0) and the gatekeeper-library
# layout (library/general/<policy>/suite.yaml naming samples/<case>/...): `gator verify` reviews each case's
# object against the constraint offline; the template and the constraint are policies, linted as objects
GATOR_SUITE = """kind: Suite
apiVersion: test.gatekeeper.sh/v1alpha1
metadata:
  name: foo-is-bar
tests:
- name: foo-is-bar
  template: template.yaml
  constraint: samples/foo/constraint.yaml
  cases:
  - name: foo-bar
    object: samples/foo/allow_foo.yaml
    assertions:
    - violations: no
  - name: foo-not-bar
    object: samples/foo/deny_foo.yaml
    inventory:
    - samples/foo/inventory.yaml
    assertions:
    - violations: yes
"""
# a fake kind gator evaluates and no API server serves
FOO = "kind: Foo\napiVersion: v1\nfoo: qux\n"
CONSTRAINT_TEMPLATE = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: FooIsBar
spec:
  crd:
    spec:
      names:
        kind: FooIsBar
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package foobar
      violation[{"msg": "foo is not bar"}] { input.review.object.foo != "bar" }
"""


def test_the_objects_a_gator_suite_reviews_are_test_inputs(tmp_path: Path) -> None:
    policy = tmp_path / "library" / "general" / "foo-is-bar"
    samples = policy / "samples" / "foo"
    samples.mkdir(parents=True)
    (policy / "suite.yaml").write_text(GATOR_SUITE)
    (policy / "template.yaml").write_text(CONSTRAINT_TEMPLATE)  # metadata.name must be lower case: refused
    (samples / "allow_foo.yaml").write_text(FOO.replace("qux", "bar"))
    (samples / "deny_foo.yaml").write_text(FOO)
    (samples / "inventory.yaml").write_text(REFUSED_POD)
    (samples / "constraint.yaml").write_text(
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: FooIsBar\nmetadata:\n  name: foo-is-bar\n"
    )
    result = run_lint(".", cwd=tmp_path)
    errors, infos = _errors_and_infos(result)
    # the cases' objects and inventory are linted, but only gator reads them: infos that say why
    assert {name for name, _ in errors} == {"template.yaml"}
    shown = "./library/general/foo-is-bar/suite.yaml"
    assert any(
        info.endswith(
            f"(not an error here: the object of a case of the gator suite {shown}, which gator verify reviews offline and never sends to an API server)"
        )
        for info in infos
    )
    assert any("an inventory object of a case of the gator suite" in info for info in infos)
    assert {Path(file).name for file, _ in result.not_kubernetes} >= {"suite.yaml"}
    # named one by one, as pre-commit names them: the suite two folders up is found
    named = run_lint(str(samples / "deny_foo.yaml"), cwd=tmp_path)
    assert _errors_and_infos(named)[0] == set() and _errors_and_infos(named)[1]
    # a file of the same name that is no gator suite is judged by its content, and names nothing
    (policy / "suite.yaml").write_text(KYVERNO_RESOURCE)
    errors, _ = _errors_and_infos(run_lint(".", cwd=tmp_path))
    assert {("suite.yaml", "KR005"), ("deny_foo.yaml", "KL012"), ("inventory.yaml", "KR005")} <= errors


# kubernetes-sigs/gateway-api, conformance/tests/httproute-invalid-nonexistent-backendref.go (Apache-2.0), cut
CONFORMANCE_GO = """package tests

var HTTPRouteInvalidNonExistentBackendRef = suite.ConformanceTest{
\tShortName:   "HTTPRouteInvalidNonExistentBackendRef",
\tDescription: "A single HTTPRoute in the gateway-conformance-infra namespace should set a ResolvedRefs status False",
\tFeatures:    []features.FeatureName{features.SupportGateway, features.SupportHTTPRoute},
\tManifests:   []string{"tests/httproute-invalid-nonexistent-backendref.yaml"},
\tTest: func(t *testing.T, s *suite.ConformanceTestSuite) {},
}
"""
CONFORMANCE_ROUTE = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: invalid-nonexistent-backend-ref
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: same-namespace
    sectionName: no-such-listener
  rules:
  - backendRefs:
    - name: nonexistent
      port: 8080
"""
CONFORMANCE_GATEWAY = """apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: same-namespace
  namespace: gateway-conformance-infra
spec:
  gatewayClassName: conformance
  listeners:
  - name: http
    port: 80
    protocol: HTTP
"""


def test_the_manifests_a_gateway_api_conformance_test_applies_are_test_inputs(tmp_path: Path) -> None:
    tests = tmp_path / "conformance" / "tests"
    tests.mkdir(parents=True)
    (tmp_path / "conformance" / "base").mkdir()
    (tmp_path / "conformance" / "base" / "manifests.yaml").write_text(CONFORMANCE_GATEWAY)
    (tests / "httproute-invalid-nonexistent-backendref.go").write_text(CONFORMANCE_GO)
    (tests / "httproute-invalid-nonexistent-backendref.yaml").write_text(CONFORMANCE_ROUTE)
    (tests / "other-route.yaml").write_text(CONFORMANCE_ROUTE.replace("name: invalid-nonexistent-backend-ref", "name: other"))
    errors, infos = _errors_and_infos(run_lint(".", cwd=tmp_path))
    assert ("other-route.yaml", "KN052") in errors  # no conformance test names it: an error still
    assert not {file for file, _ in errors} & {"httproute-invalid-nonexistent-backendref.yaml"}
    assert infos and all(
        info.endswith(
            "(not an error here: the Gateway API conformance test HTTPRouteInvalidNonExistentBackendRef "
            "(./conformance/tests/httproute-invalid-nonexistent-backendref.go) applies it to see how an implementation handles it)"
        )
        for info in infos
    )
    # a Go file that declares no conformance test (or names another manifest) changes nothing
    (tests / "httproute-invalid-nonexistent-backendref.go").write_text(CONFORMANCE_GO.replace("ConformanceTest{", "Case{"))
    assert ("httproute-invalid-nonexistent-backendref.yaml", "KN052") in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]


ROLLOUT_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 99999
"""


def test_a_file_named_as_a_tests_expected_output_is_a_test_input(tmp_path: Path) -> None:
    """argo-rollouts' test/kustomize/rollout/expected.yaml: test.sh diffs it with `kustomize build` of its folder."""
    case = tmp_path / "test" / "kustomize" / "rollout"
    case.mkdir(parents=True)
    (case / "kustomization.yaml").write_text("resources:\n- rollout.yaml\n")
    (case / "rollout.yaml").write_text(ROLLOUT_SERVICE)
    (case / "expected.yaml").write_text(ROLLOUT_SERVICE)
    (case / "expectedPipeline.yaml").write_text(ROLLOUT_SERVICE)
    (case / "unexpected.yaml").write_text(ROLLOUT_SERVICE)
    errors, infos = _errors_and_infos(run_lint(".", cwd=tmp_path))
    assert {file for file, _ in errors} == {"rollout.yaml", "unexpected.yaml"}
    assert len(infos) == 2 and all(
        info.endswith("(not an error here: its name says it is the expected output a test compares with, and no kustomization builds it)")
        for info in infos
    )
    # built by a kustomization, it is deployed: its errors stay errors
    (case / "kustomization.yaml").write_text("resources:\n- rollout.yaml\n- expected.yaml\n")
    assert "expected.yaml" in {file for file, _ in _errors_and_infos(run_lint(".", cwd=tmp_path))[0]}


def test_a_compare_folder_of_an_e2e_test_holds_expected_output(tmp_path: Path) -> None:
    """percona-server-mongodb-operator's e2e-tests/<test>/compare/*.yml: `kubectl get -o yaml` output stripped of the
    fields that change, which e2e-tests/functions diffs with the cluster's; errors there are no deployment's."""
    stripped = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: some-name-rs0\nspec:\n  template:\n    spec:\n      containers:\n      - name: mongod\n"
    for folder in ("e2e-tests/arbiter/compare", "deploy/compare", "e2e-tests/arbiter"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "statefulset.yml").write_text(stripped)
    result = run_lint(tmp_path)
    errors = sorted(
        {Path(f.location.file).parent.as_posix().split(str(tmp_path) + "/")[-1] for f in result.findings if f.severity.name == "ERROR"}
    )
    assert errors == ["deploy/compare", "e2e-tests/arbiter"]  # a compare folder outside a test tree is no test's
    graded = [f for f in result.findings if "e2e-tests/arbiter/compare" in f.location.file and "(not an error here:" in f.message]
    assert graded and all(f.severity.name == "INFO" for f in graded)


PERCONA_BACKUP_FORM = """apiVersion: psmdb.percona.com/v1
kind: PerconaServerMongoDBBackup
metadata:
  name:
  finalizers:
    - percona.com/delete-backup
spec:
  clusterName: some-name
  storageName: minio
"""

PERCONA_CLUSTER_FORM = """apiVersion: v1
kind: Pod
metadata:
  name: some-name-rs0
spec:
  containers:
  - name: mongod
    image:
    resources:
      requests: {cpu: "2"}
      limits: {cpu: "1"}
"""


def test_a_form_in_a_test_tree_is_a_test_input(tmp_path: Path) -> None:
    """percona-server-mongodb-operator's e2e-tests/<test>/conf/*.yml leave `metadata.name:` or `image:` blank, which
    e2e-tests/functions fills with yq and sed before `kubectl apply`: what the blanks cause, and any other error of the
    file, is no deployment's. The same files outside a test tree, or a test file that merely lacks the field, keep
    their errors."""
    (tmp_path / ".git").mkdir()
    for folder in ("e2e-tests/pitr/conf", "deploy"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "backup.yml").write_text(PERCONA_BACKUP_FORM)
        (tmp_path / folder / "cluster.yml").write_text(PERCONA_CLUSTER_FORM)
    unnamed = PERCONA_CLUSTER_FORM.replace("  name: some-name-rs0\n", "").replace("    image:\n", "    image: mongo:7.0.14\n")
    (tmp_path / "e2e-tests/pitr/conf/unnamed.yml").write_text(unnamed)
    result = run_lint(".", cwd=tmp_path)
    errors = {(f.location.file.removeprefix("./"), f.code) for f in result.findings if f.severity.name == "ERROR"}
    assert {("deploy/backup.yml", "KL004"), ("deploy/cluster.yml", "KR002"), ("deploy/cluster.yml", "KR005")} <= errors
    assert {file for file, _ in errors if file.startswith("e2e-tests")} == {"e2e-tests/pitr/conf/unnamed.yml"}
    assert ("e2e-tests/pitr/conf/unnamed.yml", "KL004") in errors  # no blank: refused as written
    graded = [f for f in result.findings if "(not an error here:" in f.message]
    assert {(f.location.file.removeprefix("./"), f.code) for f in graded} >= {
        ("e2e-tests/pitr/conf/backup.yml", "KL004"),
        ("e2e-tests/pitr/conf/cluster.yml", "KR005"),
        ("e2e-tests/pitr/conf/cluster.yml", "KR002"),  # the file's other errors too
    }
    assert all(f.severity.name == "INFO" and "it lies in the test tree 'e2e-tests' and leaves" in f.message for f in graded), graded
    # the same from inside the test's folder: the tree is read from the repository's root
    inside = run_lint(".", cwd=tmp_path / "e2e-tests" / "pitr")
    assert {f.location.file.removeprefix("./") for f in inside.findings if f.severity.name == "ERROR"} == {"conf/unnamed.yml"}


def test_an_object_of_a_test_tree_with_an_empty_spec_is_a_handle(tmp_path: Path) -> None:
    """crossplane's test/e2e/manifests/pkg/**: `# We don't install this directly, but we do use it to ...`, a Provider
    with `spec: {}` that the e2e framework names to wait for the conditions the package manager gives it and to
    delete it. Outside a test tree the same object keeps its error."""
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: providers.pkg.crossplane.io\n"
        "spec:\n  group: pkg.crossplane.io\n  names: {kind: Provider, plural: providers}\n  scope: Cluster\n  versions:\n"
        "  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n"
        "        properties:\n          spec:\n            type: object\n            required: [package]\n"
        "            properties:\n              package: {type: string}\n"
    )
    handle = "# We don't install this directly, but we do use it to wait for it.\napiVersion: pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n  name: provider-nop\nspec: {}\n"
    (tmp_path / ".git").mkdir()
    (tmp_path / "cluster").mkdir()
    (tmp_path / "cluster" / "crd.yaml").write_text(crd)
    for folder in ("test/e2e/manifests/pkg/provider", "examples"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "provider.yaml").write_text(handle)
    findings = [f for f in run_lint(".", cwd=tmp_path).findings if f.code == "KL010"]
    by_file = {f.location.file.removeprefix("./"): f for f in findings}
    assert by_file["examples/provider.yaml"].severity.name == "ERROR"
    graded = by_file["test/e2e/manifests/pkg/provider/provider.yaml"]
    assert graded.severity.name == "INFO" and "writes its spec empty: a handle the test names the object by" in graded.message
