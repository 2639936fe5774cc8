"""duplicate-key is an error where kustomize reads the file, a warning where it is applied as it is.

kustomize (kyaml) refuses a mapping with a key twice; kubectl and the API server decode YAML
leniently and keep the last value (kubernetes/kubernetes#125885: the request body kubectl sends
holds only the last `containers`). Flux builds every folder it applies with kustomize.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.config import build_settings
from k8slint.engine import lint
from k8slint.findings import Severity
from k8slint.registry import registry

DUPLICATED = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n  LOG_LEVEL: debug\n"

# GoogleCloudPlatform/kubernetes-engine-samples, streaming/kafka-confluent/manifests/06-confluent-platform/platform.yaml
# (commit 2b5036514162a489145c5e5570bc320efbcb37bf; Apache-2.0), the part with the repeated key: its README applies
# the folder with `kubectl apply -f`, which keeps the second `requests`.
KAFKA = """apiVersion: platform.confluent.io/v1beta1
kind: Kafka
metadata:
  name: kafka
  namespace: kafka
spec:
  replicas: 3
  image:
    application: confluentinc/cp-server:7.4.0
    init: confluentinc/confluent-init-container:2.6.0
  podTemplate:
    resources:
      requests:
        memory: 512Mi
        cpu: 200m
      requests:
        memory: 2Gi
        cpu: 500m
  dataVolumeCapacity: 10Gi
"""


def _duplicates(result) -> list[tuple[str, Severity, str]]:
    return [(f.location.file.removeprefix("./"), f.severity, f.message) for f in result.findings if f.code == "KL002"]


def test_a_file_applied_as_it_is_gets_a_warning_that_says_kubectl_keeps_the_last(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(KAFKA)
    [(_, severity, message)] = _duplicates(run_lint(".", cwd=tmp_path))
    assert severity is Severity.WARNING
    assert message.startswith("key 'requests' appears again (first on line 13); kubectl and the API server keep the last value")
    assert "kustomize, and Flux building the folder, refuse the file" in message


def test_a_resource_of_a_kustomization_keeps_the_error(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text(DUPLICATED)
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - settings.yaml\n")
    [(_, severity, message)] = _duplicates(run_lint(".", cwd=tmp_path))
    assert severity is Severity.ERROR
    assert "kustomize refuses the file" in message


def test_a_base_used_by_an_overlay_only_keeps_the_error(tmp_path: Path) -> None:
    """The base folder's own kustomization is what names the file; the overlay reaches it through the base."""
    base, overlay, loose = tmp_path / "base", tmp_path / "overlays" / "prod", tmp_path / "scratch"
    for folder in (base, overlay, loose):
        folder.mkdir(parents=True)
    (base / "settings.yaml").write_text(DUPLICATED)
    (base / "kustomization.yaml").write_text("resources:\n  - settings.yaml\n")
    (overlay / "kustomization.yaml").write_text("resources:\n  - ../../base\n")
    (loose / "settings.yaml").write_text(DUPLICATED.replace("settings", "other"))
    found = {file: severity for file, severity, _ in _duplicates(run_lint(".", cwd=tmp_path))}
    assert found == {"base/settings.yaml": Severity.ERROR, "scratch/settings.yaml": Severity.WARNING}


def test_a_folder_a_flux_kustomization_applies_keeps_the_error(tmp_path: Path) -> None:
    """kustomize-controller builds spec.path with kustomize even where the folder has no kustomization.yaml."""
    (tmp_path / ".git").mkdir()
    apps, other = tmp_path / "apps" / "prod", tmp_path / "docs"
    apps.mkdir(parents=True)
    other.mkdir()
    (apps / "settings.yaml").write_text(DUPLICATED)
    (other / "settings.yaml").write_text(DUPLICATED.replace("settings", "example"))
    flux = tmp_path / "clusters" / "prod"
    flux.mkdir(parents=True)
    (flux / "apps.yaml").write_text(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n"
        "spec:\n  interval: 10m\n  path: ./apps/prod\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    )
    found = {file: severity for file, severity, _ in _duplicates(run_lint(".", cwd=tmp_path))}
    assert found == {"apps/prod/settings.yaml": Severity.ERROR, "docs/settings.yaml": Severity.WARNING}
    # the same from inside a sub-folder: Flux paths are relative to the repository root
    found = {file: severity for file, severity, _ in _duplicates(run_lint("..", cwd=flux.parent))}
    assert found == {"../apps/prod/settings.yaml": Severity.ERROR, "../docs/settings.yaml": Severity.WARNING}


def test_standard_input_is_applied_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DUPLICATED.encode())))
    [(file, severity, _)] = _duplicates(run_lint("-", cwd=tmp_path))
    assert (file, severity) == ("<stdin>", Severity.WARNING)


def test_the_grade_is_the_same_with_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from k8slint import scheduler

    monkeypatch.setattr(scheduler, "PARALLEL_MIN_FILES", 2)
    loads: list[int] = []
    real = scheduler.load_in_workers
    monkeypatch.setattr(scheduler, "load_in_workers", lambda files, *rest: loads.append(len(files)) or real(files, *rest))
    for index in range(12):
        (tmp_path / f"loose-{index}.yaml").write_text(DUPLICATED.replace("settings", f"loose-{index}"))
    built = tmp_path / "built"
    built.mkdir()
    for index in range(12):
        (built / f"cm-{index}.yaml").write_text(DUPLICATED.replace("settings", f"cm-{index}"))
    (built / "kustomization.yaml").write_text("resources:\n" + "".join(f"  - cm-{i}.yaml\n" for i in range(12)))
    settings = build_settings(registry(), None)
    one, two = (_duplicates(lint([str(tmp_path)], settings, jobs=jobs)) for jobs in (1, 2))
    assert one == two
    grades = {(Path(file).parent.name, severity) for file, severity, _ in one}
    assert grades == {("built", Severity.ERROR), (tmp_path.name, Severity.WARNING)}
    assert len(one) == 24
    assert loads == [24]  # the run with two jobs loaded the files in workers


KUBECTL = shutil.which("kubectl")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_what_the_grades_say_of_kubectl_and_kustomize_holds(tmp_path: Path) -> None:
    """kubectl reads the duplicated file without a word (it stops only where it needs the cluster);
    kustomize refuses the same file. A file kubectl cannot parse fails before the cluster is needed."""
    assert KUBECTL is not None
    (tmp_path / "settings.yaml").write_text(DUPLICATED)
    (tmp_path / "broken.yaml").write_text(DUPLICATED.replace("debug", "[debug"))
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    offline = ["--kubeconfig", str(tmp_path / "kubeconfig"), "--server", "https://127.0.0.1:9", "--request-timeout", "2s"]

    def create(name: str) -> str:
        run = subprocess.run(
            [KUBECTL, "create", "--dry-run=client", "--validate=false", "-o", "yaml", "-f", str(tmp_path / name), *offline],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode != 0  # no cluster to map the kind
        return run.stderr

    assert "yaml:" in create("broken.yaml")  # the parser's refusal, as a control
    assert "yaml:" not in create("settings.yaml") and "already defined" not in create("settings.yaml")
    folder = tmp_path / "built"
    folder.mkdir()
    (folder / "settings.yaml").write_text(DUPLICATED)
    (folder / "kustomization.yaml").write_text("resources:\n  - settings.yaml\n")
    built = subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=60)
    assert built.returncode != 0 and 'mapping key "LOG_LEVEL" already defined' in built.stderr


# spring-petclinic/spring-petclinic-cloud, k8s/vets-service-deployment.yaml (commit 8aabe98751904463fa01bd0ec9052a95c6bd2aa8;
# Apache-2.0), cut: `resources:` twice in one container; kubectl applies the second, `{}`
PETCLINIC = """apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: vets-service
  name: vets-service
  namespace: spring-petclinic
spec:
  replicas: 1
  selector:
    matchLabels:
      app: vets-service
  template:
    metadata:
      labels:
        app: vets-service
    spec:
      containers:
      - image: springcommunity/spring-petclinic-cloud-vets-service:3.0.1
        name: vets-service
        resources:
          limits:
            memory: 1Gi
          requests:
            cpu: 2000m
            memory: 1Gi
        ports:
        - containerPort: 8080
        resources: {}
"""


def test_findings_on_a_repeated_key_point_at_the_value_that_is_applied(tmp_path: Path) -> None:
    """The data holds the last `resources` (as kubectl applies it); the findings about it point there, not at the first."""
    (tmp_path / "vets-service-deployment.yaml").write_text(PETCLINIC)
    found = {f.code: f.location.line for f in run_lint(".", cwd=tmp_path).findings if f.code in ("KL002", "KR010", "KR011")}
    assert found == {"KL002": 29, "KR010": 29, "KR011": 29}
