"""Gateway API route rules KN050-KN052 on sets shaped like the Gateway API guides (a shared Gateway in
an infrastructure namespace, teams' routes and Services in their own), with the exact lines expected."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint

NAMESPACES = """\
apiVersion: v1
kind: Namespace
metadata:
  name: infra-ns
  labels:
    shared-gateway-access: "true"
---
apiVersion: v1
kind: Namespace
metadata:
  name: store-ns
  labels:
    shared-gateway-access: "true"
---
apiVersion: v1
kind: Namespace
metadata:
  name: no-external-access
"""

GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shared-gateway
  namespace: infra-ns
spec:
  gatewayClassName: shared-gateway-class
  listeners:
  - name: https
    hostname: "foo.example.com"
    protocol: HTTPS
    port: 443
    allowedRoutes:
      namespaces:
        from: Selector
        selector:
          matchLabels:
            shared-gateway-access: "true"
    tls:
      certificateRefs:
      - name: foo-example-com
"""

STORE = """\
apiVersion: v1
kind: Service
metadata:
  name: store
  namespace: store-ns
spec:
  selector:
    app: store
  ports:
  - name: http
    port: 8080
    targetPort: 3000
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: store
  namespace: store-ns
spec:
  parentRefs:
  - name: shared-gateway
    namespace: infra-ns
  rules:
  - matches:
    - path:
        value: /store
    backendRefs:
    - name: store
      port: {port}
    - name: {canary}
      port: 8080
      weight: 10
"""

ROUTE_ELSEWHERE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: home
  namespace: {namespace}
spec:
  parentRefs:
  - name: shared-gateway
    namespace: infra-ns
  hostnames:
  - {host}
  rules:
  - backendRefs:
    - name: home
      port: 8080
"""


def route_findings(root: Path) -> list[tuple[str, int, str]]:
    result = run_lint(root)
    return sorted(
        (str(Path(f.location.file).relative_to(root)), f.location.line, f.code)
        for f in result.findings
        if f.code.startswith(("KN05", "KL01"))
    )


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_multiple_namespaces_guide_is_clean(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "infra/namespaces.yaml": NAMESPACES,
            "infra/gateway.yaml": GATEWAY,
            "store/store.yaml": STORE.format(port=8080, canary="store"),
            "site/route.yaml": ROUTE_ELSEWHERE.format(namespace="store-ns", host="foo.example.com"),
        },
    )
    assert route_findings(root) == []


def test_a_target_port_and_a_misspelt_service_are_reported_on_their_lines(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "infra/namespaces.yaml": NAMESPACES,
            "infra/gateway.yaml": GATEWAY,
            "store/store.yaml": STORE.format(port=3000, canary="store-canary"),
        },
    )
    assert route_findings(root) == [("store/store.yaml", 29, "KN051"), ("store/store.yaml", 30, "KN050")]
    [port] = [f for f in run_lint(root).findings if f.code == "KN051"]
    assert port.message == ("Service 'store' has no port 3000 (its ports: 8080); a backendRef names the Service's port, not a target port")
    assert port.severity.name == "ERROR"
    assert [(Path(r.location.file).name, r.location.line) for r in port.related] == [("store.yaml", 9)]


def test_a_namespace_the_selector_leaves_out_and_a_foreign_hostname_are_not_attached(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "infra/namespaces.yaml": NAMESPACES,
            "infra/gateway.yaml": GATEWAY,
            "site/outside.yaml": ROUTE_ELSEWHERE.format(namespace="no-external-access", host="foo.example.com"),
            "site/host.yaml": ROUTE_ELSEWHERE.format(namespace="store-ns", host="bar.example.com"),
        },
    )
    assert route_findings(root) == [("site/host.yaml", 8, "KN052"), ("site/outside.yaml", 8, "KN052")]
    messages = sorted(f.message for f in run_lint(root).findings if f.code == "KN052")
    assert messages == [
        "parentRef Gateway 'shared-gateway' has no listener that allows HTTPRoutes from namespace 'no-external-access': "
        "the route is not attached and serves no traffic",
        "parentRef Gateway 'shared-gateway' has no listener whose hostname matches the route's hostnames "
        "(listener hostnames: foo.example.com): the route is not attached and serves no traffic",
    ]


def test_a_namespace_not_in_the_set_is_not_judged_by_the_selector(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {"infra/gateway.yaml": GATEWAY, "site/route.yaml": ROUTE_ELSEWHERE.format(namespace="unknown-ns", host="foo.example.com")},
    )
    assert route_findings(root) == []


def test_a_gateway_of_the_same_name_in_a_sample_folder_below_is_not_the_parent(tmp_path: Path) -> None:
    tls_gateway = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: example-gateway\nspec:\n"
        "  gatewayClassName: example\n  listeners:\n  - name: tls\n    protocol: TLS\n    port: 443\n    tls: {mode: Passthrough}\n"
    )
    route = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: example-route\nspec:\n"
        "  parentRefs:\n  - name: example-gateway\n  rules:\n  - backendRefs:\n    - name: backend-svc\n      port: 8080\n"
    )
    root = write(tmp_path, {"http-route.yaml": route, "v1/tls/gateway.yaml": tls_gateway, "v2/tls/gateway.yaml": tls_gateway})
    assert route_findings(root) == []
    # the same Gateway in the route's own folder is its parent
    single = write(tmp_path / "single", {"route.yaml": route, "gateway.yaml": tls_gateway})
    assert route_findings(single) == [("route.yaml", 7, "KN052")]


def test_variants_of_a_gateway_side_by_side_are_each_a_possible_parent(tmp_path: Path) -> None:
    """kubernetes-in-action's Chapter13 keeps gtw.kiada.yaml, gtw.kiada.hostname.yaml and gtw.kiada.tls-passthrough.yaml,
    one Gateway 'kiada' each, which the reader applies one at a time, and a sample folder below with another: the
    TLSRoute attaches to the passthrough variant. Unattached only when no variant of the folder takes it."""
    http_gateway = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: kiada\nspec:\n"
        "  gatewayClassName: example\n  listeners:\n  - name: http\n    protocol: HTTP\n    port: 80\n"
    )
    tls_gateway = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: kiada\nspec:\n"
        "  gatewayClassName: example\n  listeners:\n  - name: tls\n    protocol: TLS\n    port: 443\n    tls: {mode: Passthrough}\n"
    )
    route = (
        "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata:\n  name: kiada\nspec:\n"
        "  parentRefs:\n  - name: kiada\n  rules:\n  - backendRefs:\n    - name: kiada\n      port: 443\n"
    )
    files = {
        "Chapter13/gtw.kiada.hostname.yaml": http_gateway,
        "Chapter13/gtw.kiada.yaml": http_gateway,
        "Chapter13/gtw.kiada.tls-passthrough.yaml": tls_gateway,
        "Chapter13/tlsroute.kiada.yaml": route,
        "Chapter13/demo/gtw.kiada.yaml": http_gateway,
    }
    root = write(tmp_path, files)
    unknown = ("Chapter13/tlsroute.kiada.yaml", 2, "KL012")  # TLSRoute v1alpha2: no bundled schema
    assert route_findings(root) == [unknown]
    (root / "Chapter13/gtw.kiada.tls-passthrough.yaml").unlink()
    assert route_findings(root) == [unknown, ("Chapter13/tlsroute.kiada.yaml", 7, "KN052")]


def test_names_a_route_mentions_do_not_vouch_for_an_ingress_backend(tmp_path: Path) -> None:
    """A route creates no Service: that it names one is no evidence the Service exists."""
    ingress = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  defaultBackend:\n"
        "    service: {name: api, port: {number: 80}}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: api\nspec:\n"
        "  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{name: api, port: 80}]\n"
    )
    root = write(tmp_path, {"web.yaml": ingress})
    found = sorted((f.location.line, f.code) for f in run_lint(root).findings if f.code in ("KN040", "KN050"))
    assert found == [(15, "KN040"), (24, "KN050")]


def test_schema_defaults_apply_before_validation(tmp_path: Path) -> None:
    """addresses[].type defaults to IPAddress: the oneOf of its schema tells its branches apart by it."""
    gateway = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  gatewayClassName: example\n"
        "  addresses:\n  - value: 1.2.3.4\n  - type: Hostname\n    value: example.com\n"
        "  listeners:\n  - name: http\n    protocol: HTTP\n    port: 80\n"
    )
    root = write(tmp_path, {"gateway.yaml": gateway})
    assert route_findings(root) == []


def test_hostname_intersection_follows_the_gateway_api() -> None:
    from k8slint.checks.gateway_routes import hostnames_intersect

    assert hostnames_intersect("*.example.com", "foo.example.com")
    assert hostnames_intersect("*.example.com", "foo.bar.example.com")  # one label or more
    assert hostnames_intersect("foo.example.com", "*.example.com")
    assert hostnames_intersect("*.example.com", "*.foo.example.com")
    assert not hostnames_intersect("*.example.com", "example.com")
    assert not hostnames_intersect("*.example.com", "fooexample.com")
    assert not hostnames_intersect("foo.example.com", "bar.example.com")


def test_hostnames_the_schema_lets_through_but_the_gateway_api_forbids() -> None:
    from k8slint.checks.gateway_routes import gateway_hostname_problem

    assert gateway_hostname_problem("10.1.2.3") == "is an IP address; Gateway API hostnames must be DNS names (IPs are not allowed)"
    assert gateway_hostname_problem(f"{'a' * 64}.example.com") == "has a label of 64 characters; DNS labels have at most 63"
    assert gateway_hostname_problem("Foo_Bar.example.com") is None  # the CRD's pattern refuses it: a schema-violation
    assert gateway_hostname_problem("1st.example.com") is None
    assert gateway_hostname_problem("*.example.com") is None


def test_an_ip_listener_hostname_is_a_warning(tmp_path: Path) -> None:
    gateway = GATEWAY.replace('hostname: "foo.example.com"', "hostname: 192.0.2.7")
    root = write(tmp_path, {"infra/gateway.yaml": gateway})
    [finding] = [f for f in run_lint(root).findings if f.code == "KN045"]
    assert (finding.location.line, finding.severity.name) == (10, "WARNING")


GRANT = """\
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow-site-routes
  namespace: store-ns
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    namespace: {namespace}
  to:
  - group: ""
    kind: Service
"""

SITE_TO_STORE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: home
  namespace: site-ns
spec:
  parentRefs:
  - name: shared-gateway
    namespace: infra-ns
  rules:
  - backendRefs:
    - name: store
      namespace: store-ns
      port: 8080
"""


def test_a_cross_namespace_backend_needs_a_grant_from_the_routes_namespace(tmp_path: Path) -> None:
    files = {"infra/gateway.yaml": GATEWAY, "store/store.yaml": STORE.format(port=8080, canary="store"), "site/route.yaml": SITE_TO_STORE}
    granted = write(tmp_path / "granted", {**files, "store/grant.yaml": GRANT.format(namespace="site-ns")})
    assert [c for _, _, c in route_findings(granted)] == []
    refused = write(tmp_path / "refused", {**files, "store/grant.yaml": GRANT.format(namespace="web-ns")})
    assert route_findings(refused) == [("site/route.yaml", 13, "KN053")]
    [finding] = [f for f in run_lint(refused).findings if f.code == "KN053"]
    assert [(Path(r.location.file).name, r.location.line) for r in finding.related] == [("grant.yaml", 6)]
    # no grant in the Service's namespace in the set: it may be applied from elsewhere
    assert route_findings(write(tmp_path / "unknown", files)) == []


def test_a_route_without_a_namespace_may_be_applied_to_the_gateways(tmp_path: Path) -> None:
    """``from: Same`` and a route that names no namespace: ``kubectl apply -n infra-ns`` attaches it."""
    gateway = GATEWAY.replace("from: Selector", "from: Same")
    route = ROUTE_ELSEWHERE.format(namespace="store-ns", host="foo.example.com")
    unplaced = route.replace("  namespace: store-ns\n", "", 1)
    assert route_findings(write(tmp_path / "unplaced", {"gateway.yaml": gateway, "route.yaml": unplaced})) == []
    assert route_findings(write(tmp_path / "placed", {"gateway.yaml": gateway, "route.yaml": route})) == [("route.yaml", 8, "KN052")]


def test_a_route_without_a_namespace_is_not_judged_for_grants(tmp_path: Path) -> None:
    files = {
        "infra/gateway.yaml": GATEWAY,
        "store/store.yaml": STORE.format(port=8080, canary="store"),
        "store/grant.yaml": GRANT.format(namespace="web-ns"),
        "site/route.yaml": SITE_TO_STORE.replace("  namespace: site-ns\n", "", 1),
    }
    assert route_findings(write(tmp_path, files)) == []
