"""A structural schema's x-kubernetes-list-type, which the API server enforces and JSON Schema cannot say."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint
from k8slint.model.schemas import list_type_errors

CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: compositions.example.org
spec:
  group: example.org
  names: {kind: Composition, plural: compositions}
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
              pipeline:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [step]
                items:
                  type: object
                  required: [step]
                  properties:
                    step: {type: string}
                    ports:
                      type: array
                      x-kubernetes-list-type: map
                      x-kubernetes-list-map-keys: [port, protocol]
                      items:
                        type: object
                        properties:
                          port: {type: integer}
                          protocol: {type: string, default: TCP}
              tags:
                type: array
                x-kubernetes-list-type: set
                items: {type: string}
              labels:
                type: array
                items: {type: string}
"""

COMPOSITION = """apiVersion: example.org/v1
kind: Composition
metadata:
  name: dup
spec:
  pipeline:
  - step: one
    ports:
    - {port: 80}
    - {port: 80, protocol: UDP}
    - {port: 80, protocol: TCP}
  - step: two
  - step: one
  tags: [a, b, a]
  labels: [x, x]
"""


def test_duplicates_of_set_and_map_lists_are_refused_as_the_api_server_refuses_them(tmp_path: Path) -> None:
    """crossplane's composition-invalid-duplicate-pipeline-steps.yaml: two steps named `one`, which its e2e test
    expects the API server to refuse. A map key that the schema defaults counts with its default (protocol TCP);
    a list with no list type (an atomic list) may repeat itself."""
    (tmp_path / "crd.yaml").write_text(CRD)
    (tmp_path / "composition.yaml").write_text(COMPOSITION)
    found = sorted((f.location.line, f.message) for f in run_lint(tmp_path).findings if f.code == "KL010")
    assert found == [
        (
            11,
            'spec.pipeline[0].ports[2]: Duplicate value: port: 80, protocol: "TCP" (the key of spec.pipeline[0].ports[0]; '
            "the list is x-kubernetes-list-type: map)",
        ),
        (13, 'spec.pipeline[2]: Duplicate value: step: "one" (the key of spec.pipeline[0]; the list is x-kubernetes-list-type: map)'),
        (14, 'spec.tags[2]: Duplicate value: "a" (the value of spec.tags[0]; the list is x-kubernetes-list-type: set)'),
    ]


def test_lists_are_walked_through_maps_and_items() -> None:
    schema = {
        "type": "object",
        "additionalProperties": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "integer"}},
    }
    errors = list(list_type_errors(schema, {"a": [1, 2], "b": [3, 3]}))
    assert [error.path for error in errors] == [("b", 1)]
    assert list(list_type_errors(schema, {"a": "not a list", "b": None})) == []
