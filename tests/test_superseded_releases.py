"""Manifests of a release that a later one supersedes (k8slint.sources.releases)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint
from k8slint.sources.releases import _version

OLD_CRD = """apiVersion: apiextensions.k8s.io/v1beta1
kind: CustomResourceDefinition
metadata:
  name: inferenceservices.serving.kubeflow.org
spec:
  group: serving.kubeflow.org
  names: {kind: InferenceService, plural: inferenceservices}
  scope: Namespaced
  versions:
  - {name: v1beta1, served: true, storage: true}
"""


def test_versions_sort_as_releases() -> None:
    names = ["v0.10.0", "0.2.0", "v0.6.0-rc0", "v0.6.0", "v0.6.0-rc1", "0.1.0", "v0.9.0", "1.4", "v1.4.1-beta.2", "v1.4.1-beta.10"]
    keyed = sorted(names, key=lambda name: _version(name) or ())
    assert keyed == ["0.1.0", "0.2.0", "v0.6.0-rc0", "v0.6.0-rc1", "v0.6.0", "v0.9.0", "v0.10.0", "1.4", "v1.4.1-beta.2", "v1.4.1-beta.10"]
    assert _version("v1") is None and _version("release") is None and _version("v1beta1") is None


def test_a_superseded_release_keeps_its_findings_as_infos(tmp_path: Path) -> None:
    """kserve's install/v0.5.1/kfserving.yaml beside install/v0.20.0/: what was published for the clusters of its
    day; the latest release's folder keeps its errors, and so does a file outside any version folder."""
    (tmp_path / ".git").mkdir()
    for folder in ("install/0.2.0", "install/v0.5.1/extra", "install/v0.20.0-rc0", "install/v0.20.0", "config"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "crd.yaml").write_text(OLD_CRD)
    result = run_lint(".", cwd=tmp_path)
    removed = {f.location.file.removeprefix("./"): f for f in result.findings if f.code == "KM002"}
    assert set(removed) == {
        f"{folder}/crd.yaml" for folder in ("install/0.2.0", "install/v0.5.1/extra", "install/v0.20.0-rc0", "install/v0.20.0", "config")
    }
    assert removed["install/v0.20.0/crd.yaml"].severity.name == "ERROR" and removed["config/crd.yaml"].severity.name == "ERROR"
    for folder in ("install/0.2.0", "install/v0.5.1", "install/v0.20.0-rc0"):
        finding = removed[f"{folder}/crd.yaml" if folder != "install/v0.5.1" else "install/v0.5.1/extra/crd.yaml"]
        assert finding.severity.name == "INFO"
        assert finding.message.endswith(
            f"(not an error here: it lies in {folder}, the manifests of a release that install/v0.20.0 supersedes)"
        )
    # named one by one (as pre-commit names files), a file is known as it is when walked: the repository says so
    alone = run_lint("install/v0.5.1/extra/crd.yaml", "install/v0.20.0/crd.yaml", cwd=tmp_path)
    assert sorted((f.location.file, f.severity.name) for f in alone.findings if f.code == "KM002") == [
        ("install/v0.20.0/crd.yaml", "ERROR"),
        ("install/v0.5.1/extra/crd.yaml", "INFO"),
    ]
    # outside a repository, only the folders given are listed: the old release's folder is all there is
    (tmp_path / ".git").rmdir()
    alone = run_lint(tmp_path / "install" / "v0.5.1")
    assert {f.severity.name for f in alone.findings if f.code == "KM002"} == {"ERROR"}
