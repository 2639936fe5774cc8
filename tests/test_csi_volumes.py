"""KC009 csi-inline-volume-unsupported on the layout of kubernetes-csi/csi-driver-nfs: the CSIDriver of each
release in its own folder, the inline-volume example beside them."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint

DRIVER = "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata:\n  name: nfs.csi.k8s.io\nspec:\n  attachRequired: false\n{modes}"
INLINE = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-inline\nspec:\n  containers:\n    - name: nginx\n      image: nginx:1.27\n"
    "      volumeMounts:\n        - {name: data, mountPath: /var/www}\n  volumes:\n    - name: data\n      csi:\n"
    "        driver: nfs.csi.k8s.io\n        volumeAttributes: {server: nfs.example.com, share: /}\n"
)


def _repo(tmp_path: Path, current: str, old: str) -> Path:
    for folder, modes in (("deploy", current), ("deploy/v3.0.0", old)):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "csi-nfs-driverinfo.yaml").write_text(DRIVER.format(modes=modes))
    (tmp_path / "deploy" / "example").mkdir()
    (tmp_path / "deploy" / "example" / "nginx-pod-inline-volume.yaml").write_text(INLINE)
    return tmp_path


def _kc009(root: Path) -> list[tuple[str, int, str]]:
    return [(f.location.file, f.location.line, f.related[0].location.file) for f in run_lint(root).findings if f.code == "KC009"]


def test_the_nearest_csidriver_decides(tmp_path: Path) -> None:
    # the current driver serves Persistent only; an old release's served both: the example's own tree decides
    root = _repo(tmp_path, "  volumeLifecycleModes:\n    - Persistent\n", "  volumeLifecycleModes: [Persistent, Ephemeral]\n")
    ((file, line, driver),) = _kc009(root)
    assert (Path(file).name, line, Path(driver).parent.name) == ("nginx-pod-inline-volume.yaml", 14, "deploy")


def test_a_driver_that_serves_inline_volumes_is_no_finding(tmp_path: Path) -> None:
    root = _repo(tmp_path, "  volumeLifecycleModes: [Persistent, Ephemeral]\n", "")
    assert _kc009(root) == []


def test_a_driver_with_no_csidriver_here_is_not_judged(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(INLINE)
    assert _kc009(tmp_path) == []
