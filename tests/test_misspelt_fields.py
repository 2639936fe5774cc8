"""misspelt-field (KL017): a known field's name with a typo, reported outside strict mode."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint
from k8slint.checks.schema import misspelling_of

CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: nodepools.karpenter.sh
spec:
  group: karpenter.sh
  names: {kind: NodePool, plural: nodepools}
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              disruption:
                type: object
                properties:
                  consolidateAfter: {type: string}
              template:
                type: object
                x-kubernetes-preserve-unknown-fields: true
"""

POOL = """apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: default
spec:
  disruption:
    consolidateAftr: 30s
  template:
    consolidateAftr: kept
"""


def test_typos_are_one_edit_or_a_case_away() -> None:
    assert misspelling_of("allowPrivilegedEscalation", "allowPrivilegeEscalation")
    assert misspelling_of("ImagePullPolicy", "imagePullPolicy")
    assert misspelling_of("resouces", "resources")
    assert misspelling_of("targerPort", "targetPort")
    assert misspelling_of("contianers", "containers")  # two neighbours swapped: one edit
    assert misspelling_of("imagePulPolicy", "imagePullPolicy")
    assert not misspelling_of("foo", "fsGroup") and not misspelling_of("ports", "ports")
    assert not misspelling_of("tty", "tt")  # names of three letters or fewer are never judged alike
    assert misspelling_of("label", "labels")  # metadata.label: one edit, a typo
    assert not misspelling_of("hostUsers", "hostIPC")
    assert not misspelling_of("replica", "resizePolicy")


def test_a_custom_resource_is_judged_by_its_crd_but_below_preserved_fields(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(CRD)
    (tmp_path / "pool.yaml").write_text(POOL)
    found = [(f.location.line, f.severity.name) for f in run_lint(tmp_path).findings if f.code == "KL017"]
    assert found == [(7, "ERROR")]


def test_strict_mode_leaves_it_to_unknown_field(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(CRD)
    (tmp_path / "pool.yaml").write_text(POOL)
    found = sorted((f.code, f.location.line) for f in run_lint(tmp_path, strict=True).findings if f.code in ("KL011", "KL017"))
    assert found == [("KL011", 7)]
    (message,) = [f.message for f in run_lint(tmp_path, strict=True).findings if f.code == "KL011"]
    assert "did you mean 'consolidateAfter'?" in message
