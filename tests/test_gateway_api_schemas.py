"""The Gateway API's standard-channel CRDs ship with k8slint: routes and Gateways are validated offline,
and a CRD of the same kind in the linted set (or a --schema-location schema) is used instead."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, run_lint
from k8slint.model.schemas import bundled_crd_release, bundled_crd_schemas

ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: foo
  namespace: default
spec:
  parentRefs:
    - name: prod-web
  hostnames:
    - {host}
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /login
      backendRefs:
        - name: foo-svc
          port: {port}
"""


def schema_findings(path: Path, **overrides: object) -> list[tuple[int, str, str]]:
    result = run_lint(path, **overrides)
    return [(f.location.line, f.code, f.message) for f in result.findings if f.code in ("KL010", "KL011", "KL012")]


def test_the_bundle_holds_the_served_versions_of_the_standard_channel() -> None:
    schemas = bundled_crd_schemas()
    assert bundled_crd_release() == "v1.6.1"
    for key in [
        ("gateway.networking.k8s.io/v1", "HTTPRoute"),
        ("gateway.networking.k8s.io/v1beta1", "HTTPRoute"),
        ("gateway.networking.k8s.io/v1", "GRPCRoute"),
        ("gateway.networking.k8s.io/v1", "TLSRoute"),
        ("gateway.networking.k8s.io/v1", "Gateway"),
        ("gateway.networking.k8s.io/v1", "GatewayClass"),
        ("gateway.networking.k8s.io/v1beta1", "ReferenceGrant"),
    ]:
        assert key in schemas, key
    # v1alpha2 TLSRoute is in the release's standard CRD, but not served by it
    assert ("gateway.networking.k8s.io/v1alpha2", "TLSRoute") not in schemas


def test_the_bundle_is_runtime_data_of_the_package() -> None:
    bundle = json.loads((ROOT / "schemas" / "crds" / "gateway-api.json").read_text(encoding="utf-8"))
    assert bundle["channel"] == "standard"
    assert 'force-include]\n"rules" = "k8slint/_data/rules"\n"schemas" = "k8slint/_data/schemas"' in (ROOT / "pyproject.toml").read_text(
        encoding="utf-8"
    )


def test_a_valid_route_passes_and_a_bad_hostname_is_a_schema_error(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(ROUTE.format(host="foo.example.com", port=8080), encoding="utf-8")
    assert schema_findings(good) == []
    bad = tmp_path / "bad.yaml"
    bad.write_text(ROUTE.format(host="Foo_Bar.example.com", port=8080), encoding="utf-8")
    [(line, code, message)] = schema_findings(bad)
    assert (line, code) == (10, "KL010")
    assert "spec.hostnames[0]" in message and "Foo_Bar.example.com" in message


def test_a_wildcard_hostname_is_accepted_and_a_port_out_of_range_is_not(tmp_path: Path) -> None:
    path = tmp_path / "route.yaml"
    path.write_text(ROUTE.format(host="'*.example.com'", port=70000), encoding="utf-8")
    [(line, code, message)] = schema_findings(path)
    assert (line, code) == (18, "KL010")
    assert "70000" in message


def test_unknown_fields_are_reported_in_strict_mode(tmp_path: Path) -> None:
    path = tmp_path / "route.yaml"
    path.write_text(ROUTE.format(host="foo.example.com", port=8080).replace("      backendRefs:", "      backendRef:"), encoding="utf-8")
    found = schema_findings(path, strict=True)
    assert [(line, code) for line, code, _ in found] == [(16, "KL011")]


def test_an_unserved_version_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "route.yaml"
    path.write_text(
        "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata:\n  name: t\nspec:\n"
        "  parentRefs: [{name: gw}]\n  rules:\n    - backendRefs: [{name: s, port: 443}]\n",
        encoding="utf-8",
    )
    [(line, code, message)] = schema_findings(path)
    assert (line, code) == (2, "KL012")
    assert "Gateway API v1.6.1 standard-channel CRDs k8slint bundles do not serve this version" in message


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: httproutes.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  names: {kind: HTTPRoute, plural: httproutes}
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
              x-kubernetes-preserve-unknown-fields: true
"""


def test_a_crd_in_the_linted_set_takes_precedence(tmp_path: Path) -> None:
    (tmp_path / "route.yaml").write_text(ROUTE.format(host="Foo_Bar.example.com", port=8080), encoding="utf-8")
    assert [code for _, code, _ in schema_findings(tmp_path)] == ["KL010"]
    (tmp_path / "crd.yaml").write_text(CRD, encoding="utf-8")
    assert schema_findings(tmp_path) == []  # the set's own CRD accepts any spec


def test_a_schema_location_takes_precedence(tmp_path: Path) -> None:
    route = tmp_path / "route.yaml"
    route.write_text(ROUTE.format(host="Foo_Bar.example.com", port=8080), encoding="utf-8")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "httproute-gateway-v1.json").write_text('{"type": "object"}', encoding="utf-8")
    assert schema_findings(route, schema_locations=[str(schemas)]) == []
