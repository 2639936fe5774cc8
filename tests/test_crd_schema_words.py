"""How a CustomResourceDefinition's schema is read and its errors worded, as the API server reads and words them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint

# kyverno/kyverno config/crds/kyverno/kyverno.io_globalcontextentries.yaml (111e07bbec; Apache-2.0), cut
GLOBAL_CONTEXT_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: globalcontextentries.kyverno.io
spec:
  group: kyverno.io
  names:
    kind: GlobalContextEntry
    plural: globalcontextentries
  scope: Cluster
  versions:
  - name: v2alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            oneOf:
            - required:
              - kubernetesResource
            - required:
              - apiCall
            properties:
              apiCall:
                type: object
                x-kubernetes-preserve-unknown-fields: true
              kubernetesResource:
                type: object
                x-kubernetes-preserve-unknown-fields: true
              port:
                x-kubernetes-int-or-string: true
            type: object
        required:
        - spec
"""
# test/conformance/chainsaw/globalcontext/validate-crd/multiple-resources.yaml and no-resource.yaml (cut): the
# chainsaw test expects both refused, "spec must validate one and only one schema (oneOf)"
ENTRY = """\
apiVersion: kyverno.io/v2alpha1
kind: GlobalContextEntry
metadata:
  name: ingress-{n}
spec:
{spec}"""


def _schema_messages(folder: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in run_lint(folder).findings:
        if f.code == "KL010":
            found.setdefault(Path(f.location.file).name, []).append(f.message)
    return found


def test_a_one_of_is_worded_as_the_api_server_words_it(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(GLOBAL_CONTEXT_CRD)
    both = "  apiCall:\n    urlPath: /api/v1/namespaces\n  kubernetesResource:\n    version: v1\n"
    (tmp_path / "multiple-resources.yaml").write_text(ENTRY.format(n=2, spec=both))
    (tmp_path / "no-resource.yaml").write_text(ENTRY.format(n=3, spec="  port: 80\n"))
    (tmp_path / "valid.yaml").write_text(ENTRY.format(n=1, spec="  apiCall:\n    urlPath: /api/v1/namespaces\n"))
    (tmp_path / "port.yaml").write_text(ENTRY.format(n=4, spec="  apiCall: {}\n  port: {a: 1}\n"))
    assert _schema_messages(tmp_path) == {
        "multiple-resources.yaml": ["spec: must match exactly one schema of its oneOf, and matches 2"],
        "no-resource.yaml": [
            'spec: matches none of the 2 schemas of its oneOf ("kubernetesResource" is a required property; '
            '"apiCall" is a required property)'
        ],
        "port.yaml": ["spec.port: expected a string or a number, found a mapping"],
    }


def test_a_null_keyword_of_a_crd_schema_is_no_keyword(tmp_path: Path) -> None:
    """`properties:` with nothing under it: the API server decodes JSON null as Go's zero value, no properties."""
    crd = GLOBAL_CONTEXT_CRD.replace(
        "          spec:\n            oneOf:",
        "          status:\n            type: object\n            properties:\n          spec:\n            oneOf:",
    )
    (tmp_path / "crd.yaml").write_text(crd)
    (tmp_path / "valid.yaml").write_text(
        ENTRY.format(n=1, spec="  apiCall:\n    urlPath: /api/v1/namespaces\n") + "status:\n  ready: true\n"
    )
    (tmp_path / "port.yaml").write_text(ENTRY.format(n=4, spec="  apiCall: {}\n  port: {a: 1}\n"))
    assert _schema_messages(tmp_path) == {"port.yaml": ["spec.port: expected a string or a number, found a mapping"]}


NULLED_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.io
spec:
  group: example.io
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
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
            required: [vault, region, note]
            properties:
              vault: {type: string}
              region: {type: string, default: us-ashburn-1}
              note: {type: string, nullable: true}
"""


def test_a_required_field_written_as_null_is_missing_as_the_api_server_prunes_it(tmp_path: Path) -> None:
    """external-secrets docs/snippets (commit cc5bfbc2; Apache-2.0): the Oracle stores leave `vault:` for the reader
    to fill in. The API server drops a null that the schema does not make nullable, then defaults, then validates."""
    (tmp_path / "crd.yaml").write_text(NULLED_CRD)
    (tmp_path / "cr.yaml").write_text(
        "apiVersion: example.io/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  vault:   # the vault OCID\n  region:\n  note:\n"
    )
    found = [(f.code, f.location.line, f.message) for f in run_lint(tmp_path).findings if f.code == "KL010"]
    assert found == [
        (
            "KL010",
            6,
            "required field 'vault' is missing in spec (it is written as null, which the API server drops before it validates)",
        )
    ]  # region: dropped, then defaulted; note: nullable, kept


# elastic/cloud-on-k8s (commit 7b93383d; Apache-2.0), cut: the generated CRDs in config/crds/v1/resources/ hold the
# whole pod template schema; the kustomization there patches it to x-kubernetes-preserve-unknown-fields, and
# all-crds.yaml, what its build makes, is what is installed.
ECK_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: kibanas.kibana.k8s.elastic.co
spec:
  group: kibana.k8s.elastic.co
  names:
    kind: Kibana
    plural: kibanas
  scope: Namespaced
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
            required: [version]
            properties:
              count:
                type: integer
              version:
                type: string
              podTemplate:
{pod_template}"""
FULL_POD_TEMPLATE = """\
                type: object
                properties:
                  spec:
                    type: object
                    required: [containers]
                    properties:
                      containers:
                        type: array
                        items:
                          type: object
"""
PRESERVED_POD_TEMPLATE = "                type: object\n                x-kubernetes-preserve-unknown-fields: true\n"
KIBANA = """\
apiVersion: kibana.k8s.elastic.co/v1
kind: Kibana
metadata:
  name: quickstart
spec:
  {version}count: {count}
  podTemplate:
    spec:
      securityContext:
        runAsNonRoot: true
"""


def test_a_kind_two_crds_define_differently_is_refused_only_where_both_refuse(tmp_path: Path) -> None:
    (tmp_path / "config" / "crds" / "resources").mkdir(parents=True)
    (tmp_path / "config" / "crds" / "resources" / "kibana.yaml").write_text(ECK_CRD.format(pod_template=FULL_POD_TEMPLATE))
    (tmp_path / "config" / "crds" / "all-crds.yaml").write_text(ECK_CRD.format(pod_template=PRESERVED_POD_TEMPLATE))
    (tmp_path / "kibana.yaml").write_text(KIBANA.format(version="version: 8.15.0\n  ", count=1))
    assert _schema_messages(tmp_path) == {}  # the pod template's containers are required by one schema only
    (tmp_path / "kibana.yaml").write_text(KIBANA.format(version="", count='"one"'))
    found = _schema_messages(tmp_path)["kibana.yaml"]  # what both refuse, once each
    assert len(found) == 2, found
    assert any("version" in message for message in found) and any("count" in message for message in found)
    # one CRD alone: its schema is the one the cluster gets
    (tmp_path / "config" / "crds" / "all-crds.yaml").unlink()
    assert len(_schema_messages(tmp_path)["kibana.yaml"]) == 3


# cloudnative-pg/cloudnative-pg (commit a95a534d; Apache-2.0), cut: config/crd/bases holds the CRD the
# kustomizations install; releases/ the bundles of old releases, whose Cluster has no tablespaces
CNPG_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusters.postgresql.cnpg.io
spec:
  group: postgresql.cnpg.io
  names:
    kind: Cluster
    plural: clusters
  scope: Namespaced
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
              instances:
                type: integer
{tablespaces}"""
TABLESPACES = """\
              tablespaces:
                type: array
                items:
                  type: object
                  properties:
                    name:
                      type: string
"""
CNPG_SAMPLE = """\
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: cluster-restore
spec:
  instances: 3
  tablespaces:
    atablespace:
      storage:
        size: 1Gi
"""


@pytest.mark.parametrize("patched", ["nothing", "a Deployment", "the CRD"])
def test_the_crd_a_kustomization_installs_is_the_schema_an_old_bundle_is_not(tmp_path: Path, patched: str) -> None:
    (tmp_path / "config" / "crd" / "bases").mkdir(parents=True)
    (tmp_path / "config" / "crd" / "bases" / "postgresql.cnpg.io_clusters.yaml").write_text(CNPG_CRD.format(tablespaces=TABLESPACES))
    patch = "" if patched == "nothing" else "patches:\n- path: patch.yaml\n"
    (tmp_path / "config" / "crd" / "kustomization.yaml").write_text(f"resources:\n- bases/postgresql.cnpg.io_clusters.yaml\n{patch}")
    if patched == "the CRD":
        (tmp_path / "config" / "crd" / "patch.yaml").write_text(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: clusters.postgresql.cnpg.io\n"
        )
    elif patched == "a Deployment":
        (tmp_path / "config" / "crd" / "patch.yaml").write_text(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\nspec:\n  replicas: 2\n"
        )
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "cnpg-1.15.0.yaml").write_text(CNPG_CRD.format(tablespaces=""))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "cluster-restore-with-tablespaces.yaml").write_text(CNPG_SAMPLE)
    found = _schema_messages(tmp_path).get("cluster-restore-with-tablespaces.yaml", [])
    if patched == "the CRD":  # what the build installs is the patched CRD, not known here: an error is one both schemas give
        assert found == []
    else:
        assert found == ["spec.tablespaces: expected a list, found a mapping"]


# chaos-mesh/chaos-mesh config/crd/bases/chaos-mesh.org_schedules.yaml (608b61e7c1; Apache-2.0), cut: OpenAPI v3.0's
# exclusiveMinimum is a flag on minimum (JSON Schema draft 4), as apiextensions' JSONSchemaProps has it
SCHEDULE_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: schedules.chaos-mesh.org
spec:
  group: chaos-mesh.org
  names: {kind: Schedule, listKind: ScheduleList, plural: schedules, singular: schedule}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              startingDeadlineSeconds:
                format: int64
                minimum: 0
                exclusiveMinimum: true
                nullable: true
                type: integer
              historyLimit:
                minimum: 1
                exclusiveMinimum: false
                type: integer
              concurrencyPolicy:
                maximum: 10
                exclusiveMaximum: true
                type: integer
"""


def test_an_exclusive_bound_is_the_flag_openapi_v3_makes_it(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(SCHEDULE_CRD)
    schedule = "apiVersion: chaos-mesh.org/v1alpha1\nkind: Schedule\nmetadata:\n  name: s{n}\nspec:\n{spec}"
    (tmp_path / "valid.yaml").write_text(
        schedule.format(n=1, spec="  startingDeadlineSeconds: 1\n  historyLimit: 1\n  concurrencyPolicy: 9\n")
    )
    (tmp_path / "bounds.yaml").write_text(
        schedule.format(n=2, spec="  startingDeadlineSeconds: 0\n  historyLimit: 0\n  concurrencyPolicy: 10\n")
    )
    result = run_lint(tmp_path)
    assert not [f for f in result.findings if f.code == "KL012"]  # compiled: every object validated
    assert sorted(_schema_messages(tmp_path)["bounds.yaml"]) == [
        "spec.concurrencyPolicy: 10 is greater than or equal to the maximum of 10",
        "spec.historyLimit: 0 is less than the minimum of 1",
        "spec.startingDeadlineSeconds: 0 is less than or equal to the minimum of 0",
    ]
    assert "valid.yaml" not in _schema_messages(tmp_path)
