"""Deployment units: cross-object rules resolve names, selectors and targets within their unit.

The repository shapes are those of GoogleCloudPlatform/kubernetes-engine-samples
(quickstarts/hello-app and hello-app-tls, guestbook and hello-app-redis), where
one run over the whole repository used to resolve an autoscaler to the
Deployment of another sample and blame a budget of one sample for a workload of
the next.
"""

from __future__ import annotations

import gc
import os
import random
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import fake_helm, run_lint
from k8slint.config import build_settings
from k8slint.engine import Result, lint
from k8slint.model.graph.index import ObjectIndex
from k8slint.model.graph.units import ByUnit, Units, divergence_roots, folder_parts
from k8slint.model.objects import K8sObject, SourceFile
from k8slint.model.selectors import from_map
from k8slint.registry import registry
from k8slint.sources.manifests import load_manifest_text

HELLOWEB_WITH_REQUESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: helloweb
  labels:
    app: hello
spec:
  selector:
    matchLabels:
      app: hello
      tier: web
  template:
    metadata:
      labels:
        app: hello
        tier: web
    spec:
      containers:
      - name: hello-app
        image: us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0
        ports:
        - containerPort: 8080
        resources:
          requests:
            cpu: 200m
"""

HELLOWEB_TLS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: helloweb
  labels:
    app: hello
spec:
  selector:
    matchLabels:
      app: hello
      tier: web
  template:
    metadata:
      labels:
        app: hello
        tier: web
    spec:
      containers:
      - name: hello-app
        image: us-docker.pkg.dev/google-samples/containers/gke/hello-app-tls:1.0
        imagePullPolicy: Always
        ports:
        - containerPort: 8443
        volumeMounts:
          - name: tls
            mountPath: /etc/tls
            readOnly: true
      volumes:
      - name: tls
        secret:
          secretName: yourdomain-tls
"""

HELLOWEB_HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: cpu
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: helloweb
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 30
"""

REDIS_LEADER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-leader
  labels:
    app: redis
    role: leader
    tier: backend
spec:
  replicas: 1
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
        role: leader
        tier: backend
    spec:
      containers:
      - name: leader
        image: "docker.io/redis:6.0.5"
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 6379
"""

REDIS_PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: redis-pdb
spec:
  minAvailable: 3
  selector:
    matchLabels:
      app: redis
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def found(result: Result, code: str) -> list[tuple[str, int]]:
    """(file relative to the linted folder, line) of each finding of ``code``."""
    return sorted((f.location.file.split("quickstarts/", 1)[-1], f.location.line) for f in result.findings if f.code == code)


def related_files(result: Result, code: str) -> list[list[str]]:
    return [[r.location.file.split("quickstarts/", 1)[-1] for r in f.related] for f in result.findings if f.code == code]


def quickstarts(tmp_path: Path, **extra: str) -> Path:
    """The two hello-app samples of kubernetes-engine-samples: the same Deployment, one with a cpu request."""
    files = {
        "quickstarts/hello-app/manifests/helloweb-deployment.yaml": HELLOWEB_WITH_REQUESTS,
        "quickstarts/hello-app/manifests/helloweb-hpa.yaml": HELLOWEB_HPA,
        "quickstarts/hello-app-tls/manifests/helloweb-deployment.yaml": HELLOWEB_TLS,
        **{"quickstarts/" + name.replace("__", "/"): text for name, text in extra.items()},
    }
    return write(tmp_path, files) / "quickstarts"


# --- the shapes of kubernetes-engine-samples -------------------------------------------------------------------


def test_an_autoscaler_resolves_to_the_deployment_of_its_own_sample(tmp_path: Path) -> None:
    root = quickstarts(tmp_path)
    result = run_lint(root, select=["hpa-without-requests"])
    assert found(result, "KR032") == []  # hello-app's own Deployment requests cpu: 200m


def test_the_sample_without_requests_is_still_reported_and_names_the_deployment_used(tmp_path: Path) -> None:
    root = quickstarts(tmp_path, **{"hello-app-tls__manifests__helloweb-hpa.yaml": HELLOWEB_HPA})
    result = run_lint(root, select=["hpa-without-requests"])
    assert found(result, "KR032") == [("hello-app-tls/manifests/helloweb-hpa.yaml", 6)]
    (finding,) = result.findings
    (related,) = finding.related
    assert related.location.file.endswith("hello-app-tls/manifests/helloweb-deployment.yaml")
    assert related.message == (
        "container hello-app of Deployment default/helloweb "
        "(the definition nearest HorizontalPodAutoscaler default/cpu, of 2 in the linted files)"
    )


def test_a_budget_in_one_sample_is_not_blamed_for_a_workload_in_another(tmp_path: Path) -> None:
    root = quickstarts(
        tmp_path,
        **{
            "guestbook__redis-leader-deployment.yaml": REDIS_LEADER,
            "hello-app-redis__manifests__pdb-minavailable.yaml": REDIS_PDB,
        },
    )
    result = run_lint(root, select=["replicas"])
    assert found(result, "KR020") == []


def test_a_budget_in_the_workloads_own_sample_is_reported(tmp_path: Path) -> None:
    root = quickstarts(
        tmp_path,
        **{
            "guestbook__redis-leader-deployment.yaml": REDIS_LEADER,
            "guestbook__redis-pdb.yaml": REDIS_PDB,
        },
    )
    result = run_lint(root, select=["replicas"])
    assert found(result, "KR020") == [("guestbook/redis-leader-deployment.yaml", 10)]
    assert related_files(result, "KR020") == [["guestbook/redis-pdb.yaml"]]


def test_one_application_in_several_folders_is_one_unit(tmp_path: Path) -> None:
    # no name is defined twice: the folders are parts of one deployment, as before
    root = write(tmp_path, {"quickstarts/app/k8s/deploy.yaml": REDIS_LEADER, "quickstarts/app/policy/pdb.yaml": REDIS_PDB})
    result = run_lint(root / "quickstarts", select=["replicas"])
    assert found(result, "KR020") == [("app/k8s/deploy.yaml", 10)]


# --- shared objects, nearest definitions, ties ------------------------------------------------------------------


def _deployment(name: str, config: str, key: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - name: SETTING
          valueFrom:
            configMapKeyRef: {{name: {config}, key: {key}}}
"""


def _config(name: str, *keys: str) -> str:
    data = "".join(f"  {key}: x\n" for key in keys)
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n{data}"


def test_a_shared_object_higher_up_is_seen_by_both_samples(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "samples/shared-config.yaml": _config("shared", "LOG_LEVEL"),
            "samples/a/app.yaml": _deployment("web", "shared", "COLOR"),
            "samples/b/app.yaml": _deployment("web", "shared", "COLOR"),
        },
    )
    result = run_lint(root / "samples", select=["missing-configmap-key"])
    assert sorted(f.location.file.rsplit("samples/", 1)[1] for f in result.findings) == ["a/app.yaml", "b/app.yaml"]
    assert all(r.location.file.endswith("samples/shared-config.yaml") for f in result.findings for r in f.related)
    assert all("(its keys: LOG_LEVEL)" in f.message for f in result.findings)


def test_a_name_resolves_to_the_nearest_definition_and_the_finding_says_which(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "samples/settings.yaml": _config("settings", "LOG_LEVEL"),
            "samples/a/app.yaml": _deployment("web", "settings", "COLOR"),
            "samples/b/app.yaml": _deployment("web", "settings", "COLOR"),
            "samples/b/settings.yaml": _config("settings", "LOG_LEVEL", "COLOR"),
        },
    )
    result = run_lint(root / "samples", select=["missing-configmap-key"])
    (finding,) = result.findings  # b's own settings has COLOR; a sees only the one above
    assert finding.location.file.endswith("samples/a/app.yaml")
    (related,) = finding.related
    assert related.location.file.endswith("samples/settings.yaml")
    assert related.message == "ConfigMap default/settings (the definition nearest Deployment default/web, of 2 in the linted files)"


def test_the_same_file_is_nearest_of_one_folder_and_ties_go_by_the_canonical_order(tmp_path: Path) -> None:
    files = {
        "samples/x/1-settings.yaml": _config("settings", "LOG_LEVEL"),
        "samples/x/2-settings.yaml": _config("settings", "LOG_LEVEL", "COLOR"),
        "samples/x/3-app.yaml": _deployment("web", "settings", "COLOR"),
    }
    root = write(tmp_path, files)
    (finding,) = run_lint(root / "samples", select=["missing-configmap-key"]).findings
    assert finding.related[0].location.file.endswith("1-settings.yaml")  # a tie in one folder: the first file
    (root / "samples/x/3-app.yaml").write_text(files["samples/x/3-app.yaml"] + "---\n" + _config("settings", "COLOR"))
    assert run_lint(root / "samples", select=["missing-configmap-key"]).findings == []  # its own file's wins


def test_a_definition_beside_the_viewer_is_nearer_than_one_in_a_folder_under_it(tmp_path: Path) -> None:
    """kuberay's apiserver/test/cluster: cluster_external_redis.yaml mounts keys of the ConfigMap ray-example that
    code_configmap.yaml beside it defines; cluster/detachedactor.yaml, one folder down, defines another ray-example.
    Both share the viewer's folder; the one beside it is the one meant, whatever the order of the file names."""
    root = write(
        tmp_path,
        {
            "test/cluster/cluster_external_redis.yaml": _deployment("web", "ray-example", "increment_counter.py"),
            "test/cluster/code_configmap.yaml": _config("ray-example", "detached_actor.py", "increment_counter.py"),
            "test/cluster/cluster/detachedactor.yaml": _config("ray-example", "detached_actor.py"),
            "test/cluster/cluster/app.yaml": _deployment("worker", "ray-example", "increment_counter.py"),
        },
    )
    result = run_lint(root / "test", select=["missing-configmap-key"])
    (finding,) = result.findings  # the deployment under cluster/ resolves to its own folder's ConfigMap
    assert finding.location.file.endswith("test/cluster/cluster/app.yaml")
    assert finding.related[0].location.file.endswith("test/cluster/cluster/detachedactor.yaml")


def test_a_definition_only_in_a_sibling_sample_is_neither_used_nor_reported_missing(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "samples/a/app.yaml": _deployment("web", "settings", "COLOR") + "---\n" + _config("other", "X"),
            "samples/b/app.yaml": _deployment("web", "settings", "COLOR"),
            "samples/b/settings.yaml": _config("settings", "LOG_LEVEL"),
        },
    )
    result = run_lint(root / "samples", select=["missing-configmap", "missing-configmap-key"])
    # b's settings lacks COLOR: reported for b; a cannot see b's settings, and another unit may provide it
    assert [(f.code, f.location.file.rsplit("samples/", 1)[1]) for f in result.findings] == [("KN024", "b/app.yaml")]


def test_an_ingress_backend_port_is_checked_against_the_nearest_service(tmp_path: Path) -> None:
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {{app: web}}\n  ports:\n  - port: {port}\n"
    ingress = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  defaultBackend:\n"
        "    service:\n      name: web\n      port:\n        number: 8080\n"
    )
    root = write(
        tmp_path,
        {
            "samples/a/app.yaml": service.format(port=8080) + "---\n" + ingress,
            "samples/b/app.yaml": service.format(port=80) + "---\n" + ingress,
        },
    )
    result = run_lint(root / "samples", select=["ingress-backend-port-unknown"])
    assert [f.location.file.rsplit("samples/", 1)[1] for f in result.findings] == ["b/app.yaml"]
    assert "(its ports: 80)" in result.findings[0].message


STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
spec:
  serviceName: {name}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: postgres
        image: postgres:16
"""

POSTGRES_HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: accounts-db-postgresql
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: StatefulSet
    name: accounts-db-postgresql
  minReplicas: 1
  maxReplicas: 5
"""


def _bank_of_anthos(root: Path, **extra: str) -> Path:
    """bank-of-anthos: the app's databases under src/, a variant of the app under extras/postgres-hpa."""
    return write(
        root,
        {
            "src/accounts/accounts-db/k8s/accounts-db.yaml": STATEFULSET.format(name="accounts-db"),
            "src/ledger/ledger-db/k8s/ledger-db.yaml": STATEFULSET.format(name="ledger-db"),
            "src/ledger/balancereader/k8s/balance-reader.yaml": _deployment("balancereader", "environment-config", "LOCAL_ROUTING_NUM"),
            "extras/postgres-hpa/kubernetes-manifests/balance-reader.yaml": _deployment(
                "balancereader", "environment-config", "LOCAL_ROUTING_NUM"
            ),
            "extras/postgres-hpa/hpa/postgresql-hpa.yaml": POSTGRES_HPA,
            **{name.replace("__", "/"): text for name, text in extra.items()},
        },
    )


def test_an_autoscaler_target_is_missing_only_on_the_evidence_of_its_own_unit(tmp_path: Path) -> None:
    # the StatefulSet is made by a Helm chart installed by hand; the StatefulSets the old message
    # listed as evidence ("its StatefulSets: accounts-db, ledger-db") belong to the app under src/
    root = _bank_of_anthos(tmp_path)
    assert run_lint(root, select=["hpa-target-missing"]).findings == []
    root = _bank_of_anthos(tmp_path, **{"extras__postgres-hpa__hpa__pgpool.yaml": STATEFULSET.format(name="pgpool")})
    (finding,) = run_lint(root, select=["hpa-target-missing"]).findings
    assert finding.message.endswith("(its StatefulSets: pgpool)")


def test_an_ingress_is_not_checked_against_a_port_less_patch_beside_it(tmp_path: Path) -> None:
    # bank-of-anthos src/frontend/k8s/overlays/production: frontend-service.yaml is a strategic-merge
    # patch that adds annotations to the base's Service; the base declares port 80
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: frontend\nspec:\n  type: LoadBalancer\n  selector: {app: frontend}\n"
    patch = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: frontend\n  annotations:\n"
        "    cloud.google.com/neg: '{\"ingress\": true}'\nspec:\n  type: ClusterIP\n"
    )
    ingress = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: frontend-ingress\nspec:\n  defaultBackend:\n"
        "    service:\n      name: frontend\n      port:\n        number: 80\n"
    )
    root = write(
        tmp_path,
        {
            "frontend/k8s/base/frontend.yaml": service + "  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n",
            "frontend/k8s/overlays/production/frontend-service.yaml": patch,
            "frontend/k8s/overlays/production/frontend-ingress.yaml": ingress,
        },
    )
    # the nearest Service is the patch, which has no ports: nothing to compare the backend port with
    assert run_lint(root, select=["ingress-backend-port-unknown"]).findings == []


# --- determinism, workers, context, charts, duplicates ------------------------------------------------------------


def _many_samples(root: Path, count: int) -> list[Path]:
    """Sample folders that each define helloweb (half with requests), its autoscaler and a budget."""
    folders = []
    for number in range(count):
        folder = root / f"sample-{number:02d}"
        deployment = HELLOWEB_WITH_REQUESTS if number % 2 else HELLOWEB_TLS
        write(folder, {"deployment.yaml": deployment, "hpa.yaml": HELLOWEB_HPA})
        if number % 3 == 0:
            write(folder, {"pdb.yaml": REDIS_PDB.replace("app: redis", "app: hello")})
        folders.append(folder)
    return folders


def _output(result: Result) -> list[tuple[object, ...]]:
    return [(f.code, f.location, f.message, tuple(f.related)) for f in result.findings]


def test_argument_order_and_jobs_give_the_same_output(tmp_path: Path) -> None:
    folders = _many_samples(tmp_path, 40)
    settings_ = build_settings(registry(), None, select=["KR032", "KR020", "KR030", "KN026", "KN001"])
    paths = [str(f) for f in folders]
    one = lint(paths, settings_)
    assert len([f for f in one.findings if f.code == "KR032"]) == 20  # the samples without requests
    assert all(f.related[0].location.file.startswith(f.location.file.rsplit("/", 1)[0]) for f in one.findings if f.code == "KR032")
    shuffled = paths[:]
    random.Random(7).shuffle(shuffled)
    assert _output(lint(shuffled, settings_)) == _output(one)
    assert _output(lint(list(reversed(paths)), settings_, jobs=2)) == _output(one)


def test_with_context_resolves_within_the_unit_of_each_file_given(tmp_path: Path) -> None:
    root = quickstarts(tmp_path, **{"hello-app-tls__manifests__helloweb-hpa.yaml": HELLOWEB_HPA})
    settings_ = build_settings(registry(), None, select=["hpa-without-requests"])
    given_files = [str(root / "hello-app/manifests/helloweb-hpa.yaml"), str(root / "hello-app-tls/manifests/helloweb-hpa.yaml")]
    result = lint(given_files, settings_, with_context=True)
    assert [f.location.file for f in result.findings] == [given_files[1]]
    assert result.findings[0].related[0].location.file == str(root / "hello-app-tls/manifests/helloweb-deployment.yaml")


def test_a_rendered_chart_release_is_a_unit_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart = tmp_path / "deploy" / "chart"
    write(chart, {"Chart.yaml": "apiVersion: v2\nname: chart\nversion: 1.0.0\nappVersion: '1'\ndescription: x\n"})
    write(chart, {"templates/deployment.yaml": "{{ .Values.x }}\n"})
    rendered = (
        "---\n# Source: chart/templates/deployment.yaml\n" + HELLOWEB_TLS + "---\n# Source: chart/templates/hpa.yaml\n" + HELLOWEB_HPA
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "rendered.yaml").write_text(rendered)
    fake_helm(bin_dir, f'[ "$1" = version ] && echo v3.99.0 && exit 0\n[ "$1" = template ] || exit 2\ncat "{tmp_path / "rendered.yaml"}"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    # the plain manifests beside the chart: the same Deployment with a cpu request, and its autoscaler
    write(tmp_path / "deploy" / "plain", {"deployment.yaml": HELLOWEB_WITH_REQUESTS, "hpa.yaml": HELLOWEB_HPA})
    result = run_lint(tmp_path / "deploy", render=True, select=["hpa-without-requests"])
    (finding,) = result.findings
    # hpa.yaml is not a template on disk: the finding lands on the chart's Chart.yaml, never on the rendered stream
    assert finding.location.file == str(chart / "Chart.yaml")
    assert finding.related[0].location.file == str(chart / "templates" / "deployment.yaml")
    _, facts, _ = result.loaded
    units = facts.index.units
    rendered = [o for o in facts.index.objects if o.source is not None]
    assert len(rendered) == 2
    assert all(
        units.roots[units.unit(o)] == units.folder(o) and units.folder(o)[-3:] == ("deploy", "chart", "(helm template)") for o in rendered
    )


def test_objects_in_sibling_folders_are_not_duplicates_but_one_file_twice_is(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "overlays/dev/settings.yaml": _config("settings", "A"),
            "overlays/prod/settings.yaml": _config("settings", "B"),
            "base/settings.yaml": _config("settings", "C") + "---\n" + _config("settings", "D"),
        },
    )
    result = run_lint(root, select=["duplicate-object"])
    assert [(f.location.file.rsplit("/", 2)[-2:], f.location.line) for f in result.findings] == [(["base", "settings.yaml"], 11)]


# --- the units themselves ---------------------------------------------------------------------------------------


def test_folder_parts() -> None:
    assert folder_parts("a/b/c.yaml") == ("a", "b")
    assert folder_parts("./a/c.yaml") == ("a",)
    assert folder_parts("c.yaml") == ()
    assert folder_parts("/abs/c.yaml") == ("abs",)
    assert folder_parts("deploy/chart (helm template)") == ("deploy", "chart", "(helm template)")
    assert folder_parts("deploy/chart (helm template -f ci/a-values.yaml)") == ("deploy", "chart", "(helm template -f ci/a-values.yaml)")


def _pairwise(folders: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """The rule as stated: for each pair, the children of their deepest common folder on the way to each."""
    roots = set()
    for a in folders:
        for b in folders:
            if a == b:
                continue
            common = 0
            while common < min(len(a), len(b)) and a[common] == b[common]:
                common += 1
            for side in (a, b):
                if len(side) > common:
                    roots.add(side[: common + 1])
    return roots


_FOLDERS = st.sets(st.lists(st.sampled_from("abc"), max_size=4).map(tuple), max_size=6)


@settings(max_examples=300, deadline=None)
@given(_FOLDERS)
def test_divergence_roots_follow_the_pairwise_rule(folders: set[tuple[str, ...]]) -> None:
    assert divergence_roots(folders) == _pairwise(folders)


def _objects(placed: list[tuple[tuple[str, ...], str]]) -> list[K8sObject]:
    objects = []
    for position, (folder, name) in enumerate(placed):
        display = "/".join((*folder, f"f{position}.yaml"))
        text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\n"
        objects.extend(load_manifest_text(SourceFile(display, text), "default").objects)
    return sorted(objects, key=lambda o: o.key)


_PLACED = st.lists(st.tuples(st.lists(st.sampled_from("abc"), max_size=3).map(tuple), st.sampled_from("xyz")), min_size=1, max_size=10)


@settings(max_examples=300, deadline=None)
@given(_PLACED)
def test_the_indexed_ranges_hold_exactly_what_each_object_sees(placed: list[tuple[tuple[str, ...], str]]) -> None:
    objects = _objects(placed)
    units = Units(objects)
    scoped = ByUnit(units, ((o, o) for o in objects))
    for viewer in objects:
        assert {id(o) for o in scoped.visible(viewer)} == {id(o) for o in objects if units.sees(viewer, o)}
        assert len(scoped.visible(viewer)) == len({id(o) for o in scoped.visible(viewer)})
        for other in objects:
            assert units.sees(viewer, other) == units.sees(other, viewer)


@settings(max_examples=200, deadline=None)
@given(_PLACED)
def test_named_returns_the_visible_definitions_nearest_first(placed: list[tuple[tuple[str, ...], str]]) -> None:
    objects = _objects(placed)
    index = ObjectIndex(objects)
    for viewer in objects:
        for name in "xyz":
            expected = [o for o in objects if o.name == name and index.units.sees(viewer, o)]
            expected.sort(key=lambda o: (*index.units.nearness(viewer, o), o.key))
            assert index.named(viewer, "ConfigMap", name) == expected


def test_samples_see_neither_each_other_nor_side_folders_but_what_is_above() -> None:
    placed = [(("samples", "a"), "web"), (("samples", "b"), "web"), (("samples",), "shared"), (("samples", "c"), "lone"), ((), "top")]
    objects = _objects(placed)
    units = Units(objects)
    by_name = {o.name: o for o in objects if o.name != "web"}
    a, b = (o for o in objects if o.name == "web")
    assert not units.sees(a, b)
    assert not units.sees(a, by_name["lone"])  # a folder beside two samples is a sample too
    assert units.sees(a, by_name["shared"]) and units.sees(b, by_name["shared"]) and units.sees(a, by_name["top"])
    assert units.sees(by_name["shared"], a)  # an object higher up sees below it


def test_selectors_see_the_pods_of_the_unit() -> None:
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n"
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}}\n"
    objects = []
    for folder in ("samples/a", "samples/b"):
        objects.extend(load_manifest_text(SourceFile(f"{folder}/app.yaml", text + "---\n" + service), "default").objects)
    index = ObjectIndex(sorted(objects, key=lambda o: o.key))
    selector = from_map({"app": "web"})
    for service_obj in (o for o in objects if o.kind == "Service"):
        (template,) = index.templates_matching(service_obj, selector)
        assert template.obj.file is service_obj.file
        assert index.most_agreeing_template(service_obj, from_map({"app": "web", "tier": "x"})) == (template, 1)
    assert index.selects_anywhere("default", selector)


def _lookups(folders: int) -> float:
    """Index a repository of ``folders`` samples that all define the same names, and look each name up from each object."""
    text = "\n---\n".join((HELLOWEB_TLS, HELLOWEB_HPA, REDIS_PDB.replace("app: redis", "app: hello"), _config("settings", "A")))
    objects = []
    for number in range(folders):
        objects.extend(load_manifest_text(SourceFile(f"samples/s{number}/app.yaml", text), "default").objects)
    objects.sort(key=lambda o: o.key)
    gc.collect()
    gc.disable()  # its passes over the growing heap are noise here
    try:
        start = time.perf_counter()
        index = ObjectIndex(objects)
        selector = from_map({"app": "hello", "tier": "web"})
        for obj in objects:
            assert len(index.named(obj, "Deployment", "helloweb")) == 1
            assert len(index.in_namespace(obj, "PodDisruptionBudget")) == 1
            assert len(index.templates_matching(obj, selector)) == 1
            index.most_agreeing_template(obj, selector)
        return time.perf_counter() - start
    finally:
        gc.enable()


def test_lookups_stay_linear_in_the_number_of_units() -> None:
    _lookups(50)  # warm up
    # in rounds, so that a busy moment of a shared machine spoils one round, not the verdict
    ratios = [_lookups(1600) / _lookups(800) for _ in range(3)]
    assert min(ratios) < 3, ratios  # about 2 when linear; 4 when each lookup scans every sample


def test_a_service_may_select_the_pods_of_a_leaderworkerset_template(tmp_path) -> None:
    """LeaderWorkerSet pods carry the set's name and the labels of its leader or worker template."""
    from tests.conftest import run_lint

    (tmp_path / "lws.yaml").write_text(
        "apiVersion: leaderworkerset.x-k8s.io/v1\nkind: LeaderWorkerSet\nmetadata:\n  name: vllm\nspec:\n"
        "  replicas: 1\n  leaderWorkerTemplate:\n    size: 2\n    leaderTemplate:\n      metadata:\n"
        "        labels: {role: leader}\n      spec:\n        containers:\n          - name: leader\n"
        "            image: vllm/vllm-openai:v0.8.5\n    workerTemplate:\n      spec:\n        containers:\n"
        "          - name: worker\n            image: vllm/vllm-openai:v0.8.5\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: vllm-leader\nspec:\n  selector:\n"
        "    leaderworkerset.sigs.k8s.io/name: vllm\n    role: leader\n  ports:\n    - port: 8080\n---\n"
        # a Deployment in the same file: evidence the file defines the pods its Services select
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: redis\nspec:\n  selector:\n"
        "    matchLabels: {app: redis}\n  template:\n    metadata:\n      labels: {app: redis}\n    spec:\n"
        "      containers:\n        - name: redis\n          image: redis:7.2\n"
    )
    assert "service-selector-no-match" not in {f.rule for f in run_lint(tmp_path).findings}
    (tmp_path / "lws.yaml").write_text((tmp_path / "lws.yaml").read_text().replace("role: leader}", "role: head}"))
    assert "service-selector-no-match" in {f.rule for f in run_lint(tmp_path).findings}
