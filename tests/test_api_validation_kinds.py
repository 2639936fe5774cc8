"""api-validation (KV001) beyond pod templates: Ingress, IngressClass, NetworkPolicy, PodDisruptionBudget,
HorizontalPodAutoscaler, Job, CronJob, Deployment, StatefulSet, DaemonSet, PersistentVolumeClaim,
PriorityClass, RBAC, and a pod's hostUsers.

The table follows the cases of the upstream validation tests (kubernetes pkg/apis/networking/validation
TestValidateIngress, TestValidateIngressCreate, TestValidateIngressTLS, TestValidateIngressClass,
TestValidateNetworkPolicy; policy TestValidateMinAvailablePodDisruptionBudgetSpec,
TestValidatePodDisruptionBudgetSpec, TestValidateUnhealthyPodEvictionPolicyDisruptionBudgetSpec;
autoscaling TestValidateHorizontalPodAutoscaler, TestValidateBehavior; batch TestValidateJob,
TestValidateCronJobSpec, TestValidateCronJobScheduleTZ; apps TestValidateDeployment,
TestValidateStatefulSet, TestValidateDaemonSetUpdateStrategy; core TestValidatePersistentVolumeClaim;
scheduling TestValidatePriorityClass; rbac TestValidateRoleZeroLength, TestValidateRoleBinding,
TestValidateClusterRoleBinding), each rewritten as a manifest. A line ending in ``#!`` is where the API
server's error must be reported; a case without one must be clean.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.findings import Severity
from k8slint.model import apikinds
from k8slint.model.cron import schedule_problem


def _findings(tmp_path: Path, text: str, version: str | None = None) -> list[tuple[int, str]]:
    target = tmp_path / "case.yaml"
    target.write_text(text.replace("#!", ""), encoding="utf-8")
    overrides: dict[str, object] = {"select": ["api-validation"]}
    if version is not None:
        overrides["kubernetes_version"] = version
    result = run_lint(target, **overrides)
    return sorted((f.location.line, f.message) for f in result.findings if f.code == "KV001")


def _marked(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1) if line.rstrip().endswith("#!")]


def _under_spec(body: str) -> str:
    """A body written at any indentation, placed under ``spec:``."""
    return textwrap.indent(textwrap.dedent(body), "  ")


def ingress(paths: str, extra: str = "") -> str:
    return (
        textwrap.dedent(
            """\
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
        spec:
        """
        )
        + extra
        + "  rules:\n    - host: web.example.com\n      http:\n        paths:\n"
        + textwrap.indent(textwrap.dedent(paths), " " * 10)
    )


def backend(body: str) -> str:
    return "- path: /\n  pathType: Prefix\n  backend:\n" + textwrap.indent(textwrap.dedent(body), "    ")


def netpol(body: str) -> str:
    return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n  podSelector: {}\n" + _under_spec(body)


def pdb(body: str) -> str:
    return (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec:\n  selector: {matchLabels: {app: web}}\n"
        + _under_spec(body)
    )


def hpa(body: str) -> str:
    return (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n"
        "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n" + _under_spec(body)
    )


CPU_70 = "    - type: Resource\n      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}\n"


def cron(body: str, template: str = "") -> str:
    return (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n"
        + _under_spec(body)
        + "  jobTemplate:\n    spec:\n"
        + textwrap.indent(textwrap.dedent(template), "      ")
        + "      template:\n        spec:\n          restartPolicy: OnFailure\n          containers: [{name: c, image: busybox:1.36}]\n"
    )


def job(body: str, restart: str = "Never") -> str:
    return (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n"
        + _under_spec(body)
        + f"  template:\n    spec:\n      restartPolicy: {restart}\n      containers: [{{name: main, image: busybox:1.36}}]\n"
    )


def workload(kind: str, body: str) -> str:
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: w}}\nspec:\n  selector: {{matchLabels: {{a: b}}}}\n"
        + _under_spec(body)
        + "  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: nginx:1.27}]\n"
    )


def rbac(text: str) -> str:
    return textwrap.dedent(text)


CASES: list[tuple[str, str, str]] = [
    # (case, manifest, a word each message must contain)
    # -- networking TestValidateIngress
    ("ingress with a service backend", ingress(backend("service: {name: web, port: {number: 80}}\n")), ""),
    ("ingress with a named port", ingress(backend("service: {name: web, port: {name: http}}\n")), ""),
    (
        "ingress with a resource backend",
        ingress(backend("resource: {apiGroup: storage.example.com, kind: Bucket, name: static}\n")),
        "",
    ),
    (
        "invalid pathType",
        ingress("- path: /\n  pathType: prefix #!\n  backend:\n    service: {name: web, port: {number: 80}}\n"),
        'did you mean "Prefix"?',
    ),
    (
        "backend with both service and resource",
        ingress(backend("service: {name: web, port: {number: 80}}\nresource: {kind: Bucket, name: b} #!\n")),
        "cannot set both resource and service backends",
    ),
    ("backend with neither", ingress("- path: /\n  pathType: Prefix\n  backend: {} #!\n"), "resource or service backend is required"),
    (
        "service port name and number",
        ingress(backend("service:\n  name: web\n  port:\n    name: http\n    number: 80 #!\n")),
        "cannot set both port name & port number",
    ),
    ("service port missing", ingress(backend("service: #!\n  name: web\n")), "port name or number is required"),
    ("service port empty", ingress(backend("service:\n  name: web\n  port: {} #!\n")), "port name or number is required"),
    (
        "service port number out of range",
        ingress(backend("service:\n  name: web\n  port:\n    number: 65536 #!\n")),
        "must be between 1 and 65535",
    ),
    (
        "service port name not an IANA name",
        ingress(backend("service:\n  name: web\n  port:\n    name: http_alt #!\n")),
        "alpha-numeric",
    ),
    (
        "service port name too long",
        ingress(backend("service:\n  name: web\n  port:\n    name: a-very-long-port-name #!\n")),
        "no more than 15 characters",
    ),
    (
        "service name not a DNS label",
        ingress(backend("service:\n  name: Web.Svc #!\n  port: {number: 80}\n")),
        "a Service name",
    ),
    (
        "resource backend without a name",
        ingress(backend("resource:\n  kind: Bucket\n  name: '' #!\n")),
        "name: Required value",
    ),
    (
        "rules without paths",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  rules:\n    - host: a.example.com\n"
        "      http:\n        paths: [] #!\n",
        "paths: Required value",
    ),
    (
        "neither rules nor a default backend",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: #!\n  ingressClassName: nginx\n",
        "either `defaultBackend` or `rules` must be specified",
    ),
    (
        "a default backend alone",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  defaultBackend:\n"
        "    service: {name: web, port: {number: 80}}\n",
        "",
    ),
    # -- TestValidateIngressTLS, TestValidateIngressCreate
    (
        "TLS secret name not a DNS subdomain",
        ingress(
            backend("service: {name: web, port: {number: 80}}\n"), "  tls:\n    - hosts: [web.example.com]\n      secretName: Web_TLS #!\n"
        ),
        "a Secret name",
    ),
    (
        "class annotation and ingressClassName disagree",
        ingress(backend("service: {name: web, port: {number: 80}}\n"), "  ingressClassName: traefik\n").replace(
            "  name: web\n", "  name: web\n  annotations:\n    kubernetes.io/ingress.class: nginx #!\n"
        ),
        "must match `ingressClassName`",
    ),
    (
        "class annotation and ingressClassName agree",
        ingress(backend("service: {name: web, port: {number: 80}}\n"), "  ingressClassName: nginx\n").replace(
            "  name: web\n", "  name: web\n  annotations:\n    kubernetes.io/ingress.class: nginx\n"
        ),
        "",
    ),
    (
        "ingressClassName not a DNS subdomain",
        ingress(backend("service: {name: web, port: {number: 80}}\n"), "  ingressClassName: Nginx_Public #!\n"),
        "an IngressClass name",
    ),
    # -- TestValidateIngressClass
    (
        "ingress class",
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec:\n  controller: k8s.io/ingress-nginx\n"
        "  parameters: {apiGroup: k8s.example.com, kind: IngressParameters, name: external-lb}\n",
        "",
    ),
    (
        "ingress class without a controller",
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: #!\n  parameters: {kind: P, name: p}\n",
        "controller: Required value",
    ),
    (
        "ingress class controller not domain-prefixed",
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec:\n  controller: nginx #!\n",
        "domain-prefixed path",
    ),
    (
        "ingress class controller too long",
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec:\n  controller: example.com/"
        + "a" * 250
        + " #!\n",
        "Too long",
    ),
    (
        "ingress class parameters with an invalid scope",
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec:\n  controller: example.com/c\n"
        "  parameters:\n    kind: P\n    name: p\n    scope: cluster #!\n",
        'did you mean "Cluster"?',
    ),
    (
        "ingress class parameters of Namespace scope without a namespace",
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec:\n  controller: example.com/c\n"
        "  parameters:\n    kind: P\n    name: p\n    scope: Namespace #!\n",
        "`parameters.scope` is set to 'Namespace'",
    ),
    (
        "ingress class parameters of Cluster scope with a namespace",
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec:\n  controller: example.com/c\n"
        "  parameters:\n    kind: P\n    name: p\n    namespace: ingress #!\n",
        "`parameters.scope` is set to 'Cluster'",
    ),
    # -- TestValidateNetworkPolicy
    (
        "network policy with ports, peers and ipBlocks",
        netpol(
            """\
            policyTypes: [Ingress, Egress]
            ingress:
              - from:
                  - podSelector: {matchLabels: {app: web}}
                    namespaceSelector: {matchLabels: {team: a}}
                  - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.3.0/24]}
                ports:
                  - {port: 8080}
                  - {port: http, protocol: TCP}
                  - {port: 32000, endPort: 32768}
            egress:
              - to:
                  - ipBlock: {cidr: "2001:db8::/48", except: ["2001:db8:0:1::/64"]}
            """
        ),
        "",
    ),
    (
        "network policy with empty rules and a port without a number",
        netpol("ingress:\n  - from: []\n    ports: []\n  - ports:\n      - {protocol: TCP}\n      - {protocol: UDP, port: dns}\n"),
        "",
    ),
    (
        "port number far out of range",
        netpol("ingress:\n  - ports:\n      - protocol: TCP\n        port: 123456789 #!\n"),
        "between 1 and 65535",
    ),
    ("port name of symbols", netpol("ingress:\n  - ports:\n      - protocol: TCP\n        port: '!@#$' #!\n"), "alpha-numeric"),
    ("port number quoted", netpol("ingress:\n  - ports:\n      - port: '8080' #!\n"), "a port number is written without quotes"),
    (
        "endPort below port",
        netpol("ingress:\n  - ports:\n      - port: 32000\n        endPort: 30000 #!\n"),
        "must be greater than or equal to `port`",
    ),
    ("endPort with a named port", netpol("ingress:\n  - ports:\n      - port: http\n        endPort: 30000 #!\n"), "non-numeric"),
    ("endPort without a port", netpol("egress:\n  - ports:\n      - endPort: 30000 #!\n"), "`port` is not specified"),
    ("port number out of range", netpol("ingress:\n  - ports:\n      - port: 65536 #!\n"), "between 1 and 65535"),
    ("endPort out of range", netpol("ingress:\n  - ports:\n      - port: 1000\n        endPort: 65537 #!\n"), "between 1 and 65535"),
    ("port name not an IANA name", netpol("ingress:\n  - ports:\n      - port: Bad_Name #!\n"), "alpha-numeric"),
    ("empty peer", netpol("ingress:\n  - from:\n      - {} #!\n"), "must specify a peer"),
    (
        "ipBlock with another peer",
        netpol("ingress:\n  - from:\n      - podSelector: {}\n        ipBlock: #!\n          cidr: 10.0.0.0/8\n"),
        "may not specify both ipBlock and another peer",
    ),
    ("invalid cidr", netpol("egress:\n  - to:\n      - ipBlock:\n          cidr: 192.168.0.0 #!\n"), "must be a valid CIDR"),
    ("empty cidr", netpol("egress:\n  - to:\n      - ipBlock:\n          cidr: '' #!\n"), "cidr: Required value"),
    (
        "except outside the cidr",
        netpol("egress:\n  - to:\n      - ipBlock:\n          cidr: 10.0.0.0/16\n          except:\n            - 10.1.0.0/24 #!\n"),
        "must be a strict subset of `cidr`",
    ),
    (
        "except equal to the cidr",
        netpol("egress:\n  - to:\n      - ipBlock:\n          cidr: 10.0.0.0/16\n          except:\n            - 10.0.0.0/16 #!\n"),
        "strict subset",
    ),
    (
        "except of another family",
        netpol("egress:\n  - to:\n      - ipBlock:\n          cidr: 10.0.0.0/8\n          except:\n            - 'fd00::/64' #!\n"),
        "strict subset",
    ),
    ("cidr with host bits set is accepted", netpol("egress:\n  - to:\n      - ipBlock: {cidr: 10.0.0.1/8}\n"), ""),
    ("invalid policy type", netpol("policyTypes:\n  - ingress #!\n"), 'did you mean "Ingress"?'),
    ("three policy types", netpol("policyTypes: [Ingress, Egress, Ingress] #!\n"), "may not specify more than two policyTypes"),
    # -- policy TestValidatePodDisruptionBudgetSpec and friends
    ("pdb with minAvailable", pdb("  minAvailable: 2\n"), ""),
    ("pdb with a percentage", pdb("  maxUnavailable: 25%\n  unhealthyPodEvictionPolicy: AlwaysAllow\n"), ""),
    ("pdb with both", pdb("  minAvailable: 1\n  maxUnavailable: 1 #!\n"), "cannot be both set"),
    ("pdb with a negative minAvailable", pdb("  minAvailable: -1 #!\n"), "must be greater than or equal to 0"),
    ("pdb with a quoted number", pdb("  minAvailable: '1' #!\n"), "a number of pods is written without quotes"),
    ("pdb with a percentage above 100", pdb("  maxUnavailable: 110% #!\n"), "must not be greater than 100%"),
    ("pdb with a fractional percent", pdb("  minAvailable: 1.5% #!\n"), "valid percent"),
    ("pdb with an unknown eviction policy", pdb("  minAvailable: 1\n  unhealthyPodEvictionPolicy: Always #!\n"), "AlwaysAllow"),
    # -- autoscaling TestValidateHorizontalPodAutoscaler, TestValidateBehavior
    ("hpa", hpa("  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n" + CPU_70), ""),
    ("hpa with minReplicas 0", hpa("  minReplicas: 0 #!\n  maxReplicas: 5\n  metrics:\n" + CPU_70), "HPAScaleToZero"),
    (
        "hpa with minReplicas 0 and an external metric (the feature gate decides)",
        hpa(
            "  minReplicas: 0\n  maxReplicas: 5\n  metrics:\n    - type: External\n      external:\n"
            "        metric: {name: queue_depth}\n        target: {type: AverageValue, averageValue: '30'}\n"
        ),
        "",
    ),
    (
        "hpa with maxReplicas below minReplicas",
        hpa("  minReplicas: 5\n  maxReplicas: 3 #!\n"),
        "must be greater than or equal to `minReplicas`",
    ),
    ("hpa with maxReplicas 0", hpa("  maxReplicas: 0 #!\n"), "must be greater than 0"),
    (
        "hpa with an unknown metric type",
        hpa("  maxReplicas: 5\n  metrics:\n    - type: CPU #!\n      resource: {name: cpu}\n"),
        "Unsupported value",
    ),
    (
        "hpa metric without its source",
        hpa(
            "  maxReplicas: 5\n  metrics:\n    - type: Pods #!\n      resource: #!\n        name: cpu\n        target: {type: Utilization, averageUtilization: 50}\n"
        ),
        "metric source",
    ),
    (
        "hpa metric with two sources",
        hpa(
            "  maxReplicas: 5\n  metrics:\n"
            + CPU_70
            + "      pods: #!\n        metric: {name: rps}\n        target: {type: AverageValue, averageValue: '10'}\n"
        ),
        "must populate the given metric source only",
    ),
    (
        "hpa target of an unknown type",
        hpa(
            "  maxReplicas: 5\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Percent #!\n          averageUtilization: 50\n"
        ),
        "must be either Utilization, Value, or AverageValue",
    ),
    (
        "hpa utilisation of 0",
        hpa(
            "  maxReplicas: 5\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 0 #!\n"
        ),
        "must be greater than 0",
    ),
    (
        "hpa resource target with a raw value only",
        hpa(
            "  maxReplicas: 5\n  metrics:\n    - type: Resource\n      resource:\n        name: memory\n        target: #!\n          type: Value\n          value: 1Gi\n"
        ),
        "must set either a target raw value or a target utilization",
    ),
    (
        "hpa pods target without averageValue",
        hpa(
            "  maxReplicas: 5\n  metrics:\n    - type: Pods\n      pods:\n        metric: {name: rps}\n        target: #!\n          type: Value\n          value: '10'\n"
        ),
        "must specify a positive target averageValue",
    ),
    (
        "hpa external target with a negative value",
        hpa(
            "  maxReplicas: 5\n  metrics:\n    - type: External\n      external:\n        metric: {name: q}\n        target:\n          type: Value\n          value: '-1' #!\n"
        ),
        "must be positive",
    ),
    (
        "hpa behavior",
        hpa(
            "  maxReplicas: 5\n  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 300\n      selectPolicy: Min\n"
            "      policies: [{type: Percent, value: 10, periodSeconds: 60}]\n"
        ),
        "",
    ),
    (
        "hpa behavior out of bounds",
        hpa(
            "  maxReplicas: 5\n  behavior:\n    scaleUp:\n      stabilizationWindowSeconds: 3601 #!\n      selectPolicy: max #!\n      policies:\n"
            "        - type: pods #!\n          value: 0 #!\n          periodSeconds: 1801 #!\n"
        ),
        "",
    ),
    (
        "autoscaling/v1 target utilisation of 0",
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n"
        "  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 3\n  targetCPUUtilizationPercentage: 0 #!\n",
        "must be greater than 0",
    ),
    # -- batch TestValidateCronJobSpec, TestValidateCronJobScheduleTZ
    ("cronjob", cron("  schedule: '*/15 1-5 * JAN-jun mon-FRI'\n  timeZone: Europe/Berlin\n  concurrencyPolicy: Forbid\n"), ""),
    ("cronjob with a descriptor", cron("  schedule: '@hourly'\n"), ""),
    ("cronjob with @every", cron("  schedule: '@every 1h30m'\n"), ""),
    ("cronjob with an invalid schedule", cron("  schedule: error #!\n"), "expected exactly 5 fields"),
    ("cronjob with six fields", cron("  schedule: '0 0 * * * *' #!\n"), "expected exactly 5 fields, found 6"),
    ("cronjob with a day of week 7", cron("  schedule: '0 0 * * 7' #!\n"), "end of range (7) above maximum (6)"),
    ("cronjob with minute 60", cron("  schedule: '60 * * * *' #!\n"), "above maximum (59)"),
    ("cronjob with a backwards range", cron("  schedule: '0 5-1 * * *' #!\n"), "beyond end of range"),
    ("cronjob with a step of 0", cron("  schedule: '*/0 * * * *' #!\n"), "step of range should be a positive number"),
    ("cronjob with an unknown descriptor", cron("  schedule: '@fortnightly' #!\n"), "unrecognized descriptor"),
    ("cronjob with TZ in the schedule", cron("  schedule: 'TZ=UTC 0 0 * * *' #!\n"), "use timeZone field instead"),
    ("cronjob with CRON_TZ in the schedule", cron("  schedule: 'CRON_TZ=Europe/Paris 0 0 * * *' #!\n"), "use timeZone field instead"),
    ("cronjob with an unknown time zone", cron("  schedule: '0 0 * * *'\n  timeZone: Mars/Olympus_Mons #!\n"), "unknown time zone"),
    ("cronjob with a Local time zone", cron("  schedule: '0 0 * * *'\n  timeZone: Local #!\n"), "explicit time zone"),
    ("cronjob with an empty time zone", cron("  schedule: '0 0 * * *'\n  timeZone: '' #!\n"), "non-empty string"),
    ("cronjob with a time zone of bad characters", cron("  schedule: '0 0 * * *'\n  timeZone: ../etc/passwd #!\n"), "unknown time zone"),
    (
        "cronjob with an invalid concurrency policy",
        cron("  schedule: '0 0 * * *'\n  concurrencyPolicy: Never #!\n"),
        '"Allow", "Forbid", "Replace"',
    ),
    ("cronjob with a negative deadline", cron("  schedule: '0 0 * * *'\n  startingDeadlineSeconds: -1 #!\n"), "greater than or equal to 0"),
    (
        "cronjob template with a selector",
        cron("  schedule: '0 0 * * *'\n", "selector: {matchLabels: {a: b}} #!\n"),
        "`selector` will be auto-generated",
    ),
    ("cronjob with a 52-character name", cron("  schedule: '0 0 * * *'\n").replace("{name: c}", "{name: " + "c" * 52 + "}"), ""),
    (
        "cronjob with a 53-character name",
        cron("  schedule: '0 0 * * *'\n").replace("metadata: {name: c}", "metadata:\n  name: " + "c" * 53 + " #!"),
        "must be no more than 52 characters",
    ),
    # -- batch TestValidateJob
    (
        "job with a 64-character name",
        job("  backoffLimit: 1\n").replace("metadata: {name: j}", "metadata:\n  name: " + "j" * 64 + " #!"),
        "must be no more than 63 characters",
    ),
    ("job", job("  completions: 5\n  parallelism: 2\n  backoffLimit: 4\n  ttlSecondsAfterFinished: 600\n"), ""),
    ("job with negative parallelism", job("  parallelism: -1 #!\n"), "must be greater than or equal to 0"),
    (
        "job with negative completions and backoff",
        job("  completions: -1 #!\n  backoffLimit: -1 #!\n"),
        "must be greater than or equal to 0",
    ),
    ("indexed job", job("  completionMode: Indexed\n  completions: 10\n  backoffLimitPerIndex: 1\n  maxFailedIndexes: 3\n"), ""),
    ("indexed job without completions", job("  completionMode: Indexed #!\n  parallelism: 3\n"), "when completion mode is Indexed"),
    ("unknown completion mode", job("  completionMode: indexed #!\n  completions: 2\n"), 'did you mean "Indexed"?'),
    ("backoffLimitPerIndex without Indexed", job("  backoffLimitPerIndex: 1 #!\n"), "requires indexed completion mode"),
    # batch validateGeneratedSelector (dapr's tests/apps/job-publisher)
    (
        "job with its own selector",
        job("  selector: #!\n    matchLabels: {testapp: pub}\n"),
        "`selector` not auto-generated (it wants testapp)",
    ),
    (
        "job with a selector expression",
        job("  selector: #!\n    matchExpressions: [{key: app, operator: Exists}]\n"),
        "`selector` not auto-generated (it wants app)",
    ),
    ("job with its own selector and manualSelector", job("  manualSelector: true\n  selector:\n    matchLabels: {testapp: pub}\n"), ""),
    ("job with an empty selector", job("  selector: {}\n"), ""),
    ("job selecting on the controller uid", job("  selector:\n    matchLabels: {batch.kubernetes.io/controller-uid: abc}\n"), ""),
    ("job with a NotIn selector", job("  selector:\n    matchExpressions: [{key: tier, operator: NotIn, values: [x]}]\n"), ""),
    (
        "indexed job with more failed indexes allowed than completions",
        job("  completionMode: Indexed\n  completions: 10\n  backoffLimitPerIndex: 1\n  maxFailedIndexes: 11 #!\n"),
        "must be less than or equal to completions",
    ),
    (
        "indexed job with a parallelism above 100000",
        job("  completionMode: Indexed\n  completions: 2\n  parallelism: 100001 #!\n"),
        "must be less than or equal to 100000 when completion mode is Indexed",
    ),
    (
        "maxFailedIndexes without backoffLimitPerIndex",
        job("  completionMode: Indexed\n  completions: 4\n  maxFailedIndexes: 1 #!\n"),
        "cannot be set when backoffLimitPerIndex is not set",
    ),
    (
        "pod failure policy",
        job(
            """\
            podFailurePolicy:
              rules:
                - action: FailJob
                  onExitCodes: {containerName: main, operator: In, values: [1, 2, 42]}
                - action: Ignore
                  onPodConditions: [{type: DisruptionTarget}]
            """
        ),
        "",
    ),
    (
        "pod failure policy with an unknown action",
        job("podFailurePolicy:\n  rules:\n    - action: Retry #!\n      onPodConditions: [{type: DisruptionTarget}]\n"),
        "Unsupported value",
    ),
    (
        "pod failure policy rule with both patterns",
        job(
            "  podFailurePolicy:\n    rules:\n      - action: Ignore\n        onExitCodes: {operator: In, values: [1]}\n        onPodConditions: [{type: DisruptionTarget}] #!\n"
        ),
        "specifying both OnExitCodes and OnPodConditions is not supported",
    ),
    (
        "pod failure policy rule with no pattern",
        job("  podFailurePolicy:\n    rules:\n      - action: Ignore #!\n"),
        "specifying one of OnExitCodes and OnPodConditions is required",
    ),
    (
        "pod failure policy exit codes",
        job(
            "  podFailurePolicy:\n    rules:\n      - action: FailJob\n        onExitCodes:\n          containerName: sidecar #!\n"
            "          operator: In\n          values:\n            - 0 #!\n            - 5\n            - 5 #!\n            - 3 #!\n"
        ),
        "",
    ),
    (
        "pod failure policy exit codes without values",
        job(
            "  podFailurePolicy:\n    rules:\n      - action: FailJob\n        onExitCodes:\n          operator: NotIn\n          values: [] #!\n"
        ),
        "at least one value is required",
    ),
    (
        "pod failure policy FailIndex without backoffLimitPerIndex",
        job("  podFailurePolicy:\n    rules:\n      - action: FailIndex #!\n        onExitCodes: {operator: In, values: [1]}\n"),
        "requires the backoffLimitPerIndex to be set",
    ),
    (
        "pod failure policy condition status",
        job(
            "  podFailurePolicy:\n    rules:\n      - action: Ignore\n        onPodConditions:\n          - type: DisruptionTarget\n            status: 'yes' #!\n"
        ),
        '"False", "True", "Unknown"',
    ),
    # -- apps TestValidateDeployment
    (
        "deployment",
        workload(
            "Deployment",
            "  replicas: 3\n  minReadySeconds: 5\n  progressDeadlineSeconds: 600\n  revisionHistoryLimit: 5\n"
            "  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}\n",
        ),
        "",
    ),
    ("deployment with negative replicas", workload("Deployment", "  replicas: -1 #!\n"), "must be greater than or equal to 0"),
    (
        "deployment with negative minReadySeconds",
        workload("Deployment", "  minReadySeconds: -1 #!\n"),
        "must be greater than or equal to 0",
    ),
    (
        "deployment with negative revisionHistoryLimit",
        workload("Deployment", "  revisionHistoryLimit: -2 #!\n"),
        "greater than or equal to 0",
    ),
    (
        "deployment with a deadline not above minReadySeconds",
        workload("Deployment", "  minReadySeconds: 30\n  progressDeadlineSeconds: 30 #!\n"),
        "must be greater than minReadySeconds",
    ),
    (
        "deployment with minReadySeconds at the default deadline",
        workload("Deployment", "  minReadySeconds: 600 #!\n"),
        "it defaults to 600",
    ),
    ("deployment with minReadySeconds under the default deadline", workload("Deployment", "  minReadySeconds: 599\n"), ""),
    ("deployment with an unknown strategy", workload("Deployment", "  strategy:\n    type: BlueGreen #!\n"), '"Recreate", "RollingUpdate"'),
    (
        "deployment with Recreate and rollingUpdate",
        workload("Deployment", "  strategy:\n    type: Recreate\n    rollingUpdate: #!\n      maxSurge: 1\n"),
        "may not be specified when strategy `type` is 'Recreate'",
    ),
    (
        "deployment with a quoted maxSurge",
        workload("Deployment", "  strategy:\n    rollingUpdate:\n      maxSurge: '1' #!\n"),
        "a valid percent string",
    ),
    (
        "deployment with maxUnavailable above 100%",
        workload("Deployment", "  strategy:\n    rollingUpdate:\n      maxUnavailable: 110% #!\n"),
        "must not be greater than 100%",
    ),
    (
        "deployment surging 200%",
        workload("Deployment", "  strategy:\n    rollingUpdate: {maxSurge: 200%, maxUnavailable: 0}\n"),
        "",
    ),
    (
        "daemonset surging above 100%",
        workload("DaemonSet", "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 150% #!\n"),
        "must not be greater than 100%",
    ),
    # -- apps TestValidateStatefulSet, TestValidateDaemonSetUpdateStrategy
    (
        "statefulset",
        workload(
            "StatefulSet",
            "  serviceName: w\n  podManagementPolicy: Parallel\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}\n"
            "  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}\n",
        ),
        "",
    ),
    (
        "statefulset with an unknown pod management policy",
        workload("StatefulSet", "  podManagementPolicy: Ordered #!\n"),
        "must be 'OrderedReady' or 'Parallel'",
    ),
    (
        "statefulset with an unknown update strategy",
        workload("StatefulSet", "  updateStrategy:\n    type: Recreate #!\n"),
        "must be 'RollingUpdate' or 'OnDelete'",
    ),
    (
        "statefulset with OnDelete and rollingUpdate",
        workload("StatefulSet", "  updateStrategy:\n    type: OnDelete\n    rollingUpdate: #!\n      partition: 1\n"),
        "only allowed for updateStrategy 'RollingUpdate'",
    ),
    (
        "statefulset with a negative partition",
        workload("StatefulSet", "  updateStrategy:\n    rollingUpdate:\n      partition: -1 #!\n"),
        "greater than or equal to 0",
    ),
    (
        "statefulset with an unknown retention policy",
        workload("StatefulSet", "  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Remove #!\n"),
        '"Delete", "Retain"',
    ),
    (
        "daemonset with an unknown update strategy",
        workload("DaemonSet", "  updateStrategy:\n    type: Recreate #!\n"),
        '"OnDelete", "RollingUpdate"',
    ),
    (
        "daemonset with a quoted maxUnavailable",
        workload("DaemonSet", "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: '2' #!\n"),
        "a valid percent string",
    ),
    # -- core TestValidatePersistentVolumeClaim
    (
        "claim without a storage request",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: #!\n  accessModes: [ReadWriteOnce]\n",
        "resources[storage]: Required value",
    ),
    (
        "claim with requests but no storage",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests: #!\n      cpu: 1\n",
        "resources[storage]: Required value",
    ),
    (
        "claim with a zero storage request",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 0 #!\n",
        "must be greater than zero",
    ),
    # -- scheduling TestValidatePriorityClass
    (
        "priority class",
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000000\npreemptionPolicy: Never\n",
        "",
    ),
    (
        "priority class above the user maximum",
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 2000000000 #!\n",
        "maximum allowed value of a user defined priority is 1000000000",
    ),
    (
        "priority class with the system- prefix",
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: system-high #!\nvalue: 100\n",
        "reserved",
    ),
    (
        "priority class with an unknown preemption policy",
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 10\npreemptionPolicy: PreemptNever #!\n",
        '"Never", "PreemptLowerPriority"',
    ),
    # -- rbac TestValidateRoleZeroLength, TestValidateRoleBinding, TestValidateClusterRoleBinding
    (
        "role",
        rbac(
            """\
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: r}
            rules:
              - apiGroups: [""]
                resources: [configmaps]
                verbs: [get, list]
            """
        ),
        "",
    ),
    (
        "role rule without verbs",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n  - apiGroups: ['']\n    resources: [pods]\n    verbs: [] #!\n",
        "verbs must contain at least one value",
    ),
    (
        "role rule without apiGroups",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n  - resources: [pods] #!\n    verbs: [get]\n",
        "resource rules must supply at least one api group",
    ),
    (
        "role rule with non-resource URLs",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n  - nonResourceURLs: [/healthz] #!\n    verbs: [get]\n",
        "namespaced rules cannot apply to non-resource URLs",
    ),
    (
        "cluster role rule with non-resource URLs and resources",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n"
        "  - nonResourceURLs: [/metrics] #!\n    apiGroups: ['']\n    resources: [pods]\n    verbs: [get]\n",
        "rules cannot apply to both regular resources and non-resource URLs",
    ),
    (
        "aggregated cluster role without rules",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\naggregationRule:\n"
        "  clusterRoleSelectors: [{matchLabels: {rbac.example.com/aggregate-to-r: 'true'}}]\nrules: []\n",
        "",
    ),
    (
        "role binding",
        rbac(
            """\
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: b}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects:
              - {kind: ServiceAccount, name: web}
              - {kind: User, name: jane@example.com}
              - {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
            """
        ),
        "",
    ),
    (
        "role binding to another API group",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io/v1 #!\n"
        "  kind: Role\n  name: r\nsubjects: [{kind: ServiceAccount, name: web}]\n",
        'supported values: "rbac.authorization.k8s.io"',
    ),
    (
        "cluster role binding to a Role",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n"
        "  kind: Role #!\n  name: r\nsubjects: [{kind: ServiceAccount, name: web, namespace: apps}]\n",
        'supported values: "ClusterRole"',
    ),
    (
        "service account subject with an API group",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\nsubjects:\n"
        "  - kind: ServiceAccount\n    name: web\n    apiGroup: rbac.authorization.k8s.io #!\n",
        "a ServiceAccount subject has no apiGroup",
    ),
    (
        "service account subject of a cluster role binding without a namespace, and no kustomization to fill it",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects:\n"
        "  - kind: ServiceAccount #!\n    name: web\n",
        "namespace: Required value",
    ),
    (
        "service account subject of a cluster role binding with an empty namespace",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects:\n"
        "  - kind: ServiceAccount\n    name: web\n    namespace: '' #!\n",
        "namespace: Required value",
    ),
    (
        "subject of an unknown kind",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\nsubjects:\n"
        "  - kind: Serviceaccount #!\n    name: web\n",
        'did you mean "ServiceAccount"?',
    ),
    # -- core TestValidateConfigMap, TestValidateSecret, TestValidateDockerConfigSecret, TestValidateSecret (service account token)
    (
        "configmap with a key in data and binaryData",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  logo.png: x\nbinaryData:\n  logo.png: aGVsbG8= #!\n  icon.png: aGVsbG8=\n",
        "duplicate of key present in data",
    ),
    (
        "docker config secret",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\nstringData:\n"
        '  .dockerconfigjson: \'{"auths": {"ghcr.io": {"auth": "dXNlcjpwYXNz"}}}\'\n',
        "",
    ),
    (
        "docker config secret that is not JSON",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: 'auths: {}' #!\n",
        "is not a JSON object",
    ),
    (
        "base64 docker config secret that is not JSON",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockercfg\ndata:\n  .dockercfg: W10= #!\n",
        "is not a JSON object",
    ),
    (
        "docker config secret still to be rendered",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{{ .Values.pullSecret }}'\n",
        "",
    ),
    (
        "service account token secret",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations: {kubernetes.io/service-account.name: build}\ntype: kubernetes.io/service-account-token\n",
        "",
    ),
    (
        "service account token secret without its service account",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/service-account-token #!\n",
        "kubernetes.io/service-account.name",
    ),
    # -- core validateHostUsers
    (
        "hostUsers false with host namespaces",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostUsers: false\n  hostNetwork: true #!\n  hostPID: true #!\n  hostIPC: false\n"
        "  containers: [{name: c, image: nginx:1.27}]\n",
        "when `hostUsers` is false",
    ),
    (
        "hostUsers true with host namespaces",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostUsers: true\n  hostNetwork: true\n  containers: [{name: c, image: nginx:1.27}]\n",
        "",
    ),
]


@pytest.mark.parametrize(("case", "text", "words"), CASES, ids=[case for case, _, _ in CASES])
def test_upstream_case(tmp_path: Path, case: str, text: str, words: str) -> None:
    found = _findings(tmp_path, text)
    assert [line for line, _ in found] == _marked(text), found
    for _, message in found:
        assert words in message


# -- robfig/cron v3 parser_test.go (TestRange, TestField, TestStandardSpecSchedule, TestParseSchedule
# errors), with the bounds of the fields ParseStandard reads.

ACCEPTED_SCHEDULES = [
    "5 * * * *",
    "0 0 1 1 *",
    "*/5 * * * ?",
    "5-5 0-23/2 1-31 1-12 0-6",
    "5-59/2 * * * *",
    "5/15 * * * *",  # a start with a step runs to the field's end
    "0 0 * JAN-dec sun-SAT",
    "0 0 31 2 *",  # parses, though it never fires
    "1,2,3 4,5 6 7 1-5",
    "  0  12 * * MON",  # strings.Fields
    "*-5 * * * *",  # getRange reads only the part before '-' after a star
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
    "@every 5m",
    "@every 1.5h",
    "@every 1h30m10s",
]

REFUSED_SCHEDULES = [
    ("", "empty spec string"),
    ("* * * *", "expected exactly 5 fields, found 4"),
    ("0 0 0 * * *", "expected exactly 5 fields, found 6"),
    ("5--5 * * * *", "too many hyphens"),
    ("*//2 * * * *", "too many slashes"),
    ("*/-12 * * * *", "negative number"),
    ("x * * * *", "failed to parse int from x"),
    ("0 0 * jan-x *", "failed to parse int from x"),
    ("0 0 * * 7", "end of range (7) above maximum (6)"),
    ("0 24 * * *", "end of range (24) above maximum (23)"),
    ("0 0 0 * *", "beginning of range (0) below minimum (1)"),
    ("0 0 * 13 *", "above maximum (12)"),
    ("0 0 * 5-3 *", "beginning of range (5) beyond end of range (3)"),
    ("*/0 * * * *", "step of range should be a positive number"),
    ("1,,2 * * * *", "failed to parse int"),
    ("@every", "unrecognized descriptor"),
    ("@every 5x", "failed to parse duration"),
    ("@daily ", "unrecognized descriptor"),
    ("@reboot", "unrecognized descriptor"),
]


@pytest.mark.parametrize("schedule", ACCEPTED_SCHEDULES)
def test_a_schedule_robfig_cron_accepts(schedule: str) -> None:
    assert schedule_problem(schedule) is None


@pytest.mark.parametrize(("schedule", "words"), REFUSED_SCHEDULES)
def test_a_schedule_robfig_cron_refuses(schedule: str, words: str) -> None:
    problem = schedule_problem(schedule)
    assert problem is not None and words in problem, problem


def test_time_zones_are_not_judged_without_tz_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown zone is an error only where the tzdata package can say so; without it, only the syntax is checked."""
    text = cron("  schedule: '0 0 * * *'\n  timeZone: Mars/Olympus_Mons\n")
    assert apikinds.time_zone_problem("Europe/Berlin") is None
    assert apikinds.time_zone_problem("America/Argentina/Buenos_Aires") is None
    assert apikinds.time_zone_problem("UTC") is None
    monkeypatch.setattr(apikinds, "_time_zones", lambda: frozenset())
    assert _findings(tmp_path, text) == []
    assert apikinds.time_zone_problem("Local") is not None
    assert apikinds.time_zone_problem("a/../b") is not None


def test_host_users_is_read_from_the_release_that_enables_user_namespaces(tmp_path: Path) -> None:
    text = (
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n"
        "    metadata: {labels: {a: b}}\n    spec:\n      hostUsers: false\n      hostNetwork: true #!\n"
        "      containers: [{name: c, image: nginx:1.27}]\n"
    )
    assert [line for line, _ in _findings(tmp_path, text, "1.33")] == _marked(text)
    # Before 1.33 the UserNamespacesSupport gate is off by default: the API server drops hostUsers.
    assert _findings(tmp_path, text, "1.32") == []


def test_findings_do_not_repeat_other_rules(tmp_path: Path) -> None:
    """A missing pathType is schema-violation's, a bad host invalid-hostname's, a path for its pathType
    ingress-path's, both rolling-update numbers at 0 rollout-stalls', a ClusterIP Service's
    externalTrafficPolicy external-traffic-policy-misuse's; KV001 adds nothing to them."""
    text = textwrap.dedent(
        """\
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
        spec:
          rules:
            - host: Web.Example.com
              http:
                paths:
                  - path: /
                    backend:
                      service: {name: web, port: {number: 80}}
                  - path: api
                    pathType: Prefix
                    backend:
                      service: {name: web, port: {number: 80}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          strategy:
            rollingUpdate: {maxSurge: 0, maxUnavailable: 0}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx:1.27}]
        """
    )
    target = tmp_path / "case.yaml"
    target.write_text(text, encoding="utf-8")
    errors = sorted((f.code, f.location.line) for f in run_lint(target).findings if f.severity is Severity.ERROR)
    assert errors == [("KL010", 9), ("KN042", 12), ("KN045", 6), ("KR022", 23)], errors


# -- Realistic manifests that stay clean.

PLATFORM = """\
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: shop-critical
value: 100000
globalDefault: false
preemptionPolicy: PreemptLowerPriority
description: Checkout and payment pods.
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  ingressClassName: nginx
  tls:
    - hosts: [shop.example.com, "*.shop.example.com"]
      secretName: shop-tls
  defaultBackend:
    service: {name: storefront, port: {name: http}}
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service: {name: checkout, port: {number: 8080}}
          - path: /healthz
            pathType: Exact
            backend:
              service: {name: checkout, port: {name: http}}
          - path: /
            pathType: ImplementationSpecific
            backend:
              service: {name: storefront, port: {number: 80}}
    - host: "*.shop.example.com"
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: storefront, port: {number: 80}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: checkout
  namespace: shop
spec:
  podSelector:
    matchLabels: {app.kubernetes.io/name: checkout}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: ingress-nginx}
          podSelector:
            matchLabels: {app.kubernetes.io/name: ingress-nginx}
      ports:
        - {protocol: TCP, port: http}
  egress:
    - to:
        - namespaceSelector: {}
          podSelector:
            matchLabels: {k8s-app: kube-dns}
      ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except: [169.254.169.254/32, 10.0.0.0/8]
      ports:
        - {protocol: TCP, port: 443}
        - {protocol: TCP, port: 30000, endPort: 32767}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: checkout
  namespace: shop
spec:
  maxUnavailable: 1
  unhealthyPodEvictionPolicy: IfHealthyBudget
  selector:
    matchLabels: {app.kubernetes.io/name: checkout}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: checkout
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: checkout}
  minReplicas: 3
  maxReplicas: 20
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 65}
    - type: ContainerResource
      containerResource:
        name: memory
        container: checkout
        target: {type: AverageValue, averageValue: 400Mi}
    - type: Pods
      pods:
        metric: {name: http_requests_per_second}
        target: {type: AverageValue, averageValue: "50"}
    - type: Object
      object:
        describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: shop}
        metric: {name: requests-per-second}
        target: {type: Value, value: 2k}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies:
        - {type: Percent, value: 10, periodSeconds: 60}
        - {type: Pods, value: 2, periodSeconds: 60}
      selectPolicy: Min
    scaleUp:
      policies:
        - {type: Percent, value: 100, periodSeconds: 15}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
spec:
  replicas: 3
  revisionHistoryLimit: 5
  minReadySeconds: 10
  progressDeadlineSeconds: 300
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {app.kubernetes.io/name: checkout}
  template:
    metadata:
      labels: {app.kubernetes.io/name: checkout}
    spec:
      priorityClassName: shop-critical
      serviceAccountName: checkout
      containers:
        - name: checkout
          image: ghcr.io/acme/checkout:4.2.1
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: orders-db
  namespace: shop
spec:
  serviceName: orders-db
  replicas: 3
  podManagementPolicy: OrderedReady
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {partition: 0}
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Delete}
  selector:
    matchLabels: {app.kubernetes.io/name: orders-db}
  template:
    metadata:
      labels: {app.kubernetes.io/name: orders-db}
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        storageClassName: fast
        resources: {requests: {storage: 20Gi}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
  namespace: shop
spec:
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 10%}
  selector:
    matchLabels: {app.kubernetes.io/name: log-agent}
  template:
    metadata:
      labels: {app.kubernetes.io/name: log-agent}
    spec:
      hostUsers: false
      containers:
        - name: agent
          image: fluent/fluent-bit:3.1.9
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-report
  namespace: shop
spec:
  schedule: "30 2 * * 1-5"
  timeZone: America/New_York
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 300
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      backoffLimit: 2
      activeDeadlineSeconds: 3600
      ttlSecondsAfterFinished: 86400
      podFailurePolicy:
        rules:
          - action: FailJob
            onExitCodes: {containerName: report, operator: In, values: [42]}
          - action: Ignore
            onPodConditions: [{type: DisruptionTarget}]
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: ghcr.io/acme/report:1.0.3
---
apiVersion: batch/v1
kind: Job
metadata:
  name: reindex
  namespace: shop
spec:
  completionMode: Indexed
  completions: 8
  parallelism: 4
  backoffLimitPerIndex: 2
  maxFailedIndexes: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: reindex
          image: ghcr.io/acme/reindex:2.0.0
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: uploads
  namespace: shop
spec:
  accessModes: [ReadWriteMany]
  resources:
    requests: {storage: 50Gi}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: checkout
  namespace: shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: checkout
  namespace: shop
rules:
  - apiGroups: [""]
    resources: [configmaps, secrets]
    resourceNames: [checkout]
    verbs: [get, watch]
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: checkout
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: checkout
subjects:
  - kind: ServiceAccount
    name: checkout
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: checkout-metrics
rules:
  - nonResourceURLs: [/metrics, /healthz/*]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: checkout-metrics
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: checkout-metrics
subjects:
  - kind: ServiceAccount
    name: checkout
    namespace: shop
  - kind: Group
    name: system:serviceaccounts:monitoring
    apiGroup: rbac.authorization.k8s.io
"""


def test_a_realistic_platform_is_clean(tmp_path: Path) -> None:
    assert _findings(tmp_path, PLATFORM) == []


def test_the_same_platform_with_the_usual_mistakes_is_refused_at_each_line(tmp_path: Path) -> None:
    broken = (
        PLATFORM.replace("value: 100000\n", "value: 2000000000 #!\n")
        .replace("controller: k8s.io/ingress-nginx", "controller: ingress-nginx #!")
        .replace("pathType: Exact", "pathType: exact #!")
        .replace("{protocol: TCP, port: 30000, endPort: 32767}", "{protocol: TCP, port: 32767, endPort: 30000} #!")
        .replace("  maxUnavailable: 1\n  unhealthyPodEvictionPolicy", "  maxUnavailable: '1' #!\n  unhealthyPodEvictionPolicy")
        .replace("  minReplicas: 3\n  maxReplicas: 20", "  minReplicas: 30\n  maxReplicas: 20 #!")
        .replace('schedule: "30 2 * * 1-5"', 'schedule: "30 2 * * 1-7" #!')
        .replace("timeZone: America/New_York", "timeZone: EST5EDT-NYC #!")
        .replace("  completionMode: Indexed\n  completions: 8\n", "  completionMode: Indexed #!\n")
        .replace("    verbs: [get, watch]", "    verbs: [] #!")
        .replace("podManagementPolicy: OrderedReady", "podManagementPolicy: Ordered #!")
        .replace("    requests: {storage: 50Gi}", "    requests: {storage: 0} #!")
    )
    found = _findings(tmp_path, broken)
    assert [line for line, _ in found] == _marked(broken), found
    assert all(f.severity is Severity.ERROR for f in run_lint(tmp_path / "case.yaml", select=["api-validation"]).findings)


def test_probe_and_hook_handlers_and_grpc_ports_are_each_reported_once(tmp_path: Path) -> None:
    """A probe with two handlers, a hook with none (KV001) and a grpc probe on port 70000 (port-out-of-range, KN002)."""
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: api
              image: ghcr.io/acme/api:1.0.0
              ports: [{name: grpc, containerPort: 9090}]
              readinessProbe:
                grpc: {port: 9090}
                tcpSocket: {port: 9090}
              livenessProbe:
                grpc: {port: 70000}
              lifecycle:
                preStop: {}
        """
    )
    target = tmp_path / "case.yaml"
    target.write_text(text, encoding="utf-8")
    errors = sorted((f.code, f.location.line) for f in run_lint(target).findings if f.severity is Severity.ERROR)
    assert errors == [("KN002", 13), ("KV001", 11), ("KV001", 15)], errors


GATED = [
    # (a case of the table, the first release whose defaults turn its field on)
    ("pdb with an unknown eviction policy", "1.27"),
    ("backoffLimitPerIndex without Indexed", "1.29"),
    ("maxFailedIndexes without backoffLimitPerIndex", "1.29"),
    ("pod failure policy rule with no pattern", "1.26"),
    ("statefulset with an unknown retention policy", "1.27"),
    ("cronjob with TZ in the schedule", "1.27"),
]


@pytest.mark.parametrize(("case", "since"), GATED, ids=[case for case, _ in GATED])
def test_a_field_is_validated_from_the_release_that_turns_it_on(tmp_path: Path, case: str, since: str) -> None:
    """Before its feature gate is on by default the API server drops the field, and validates nothing about it."""
    text = next(manifest for name, manifest, _ in CASES if name == case)
    assert [line for line, _ in _findings(tmp_path, text, since)] == _marked(text)
    major, minor = since.split(".")
    assert _findings(tmp_path, text, f"{major}.{int(minor) - 1}") == []


def test_a_null_required_field_is_the_schemas_alone(tmp_path: Path) -> None:
    """``name:`` with no value leaves null, which schema-violation reports; an empty string is the API server's
    Required value. ``name: ##NAME##`` (a placeholder YAML reads as a comment) is unrendered-placeholder's."""
    text = textwrap.dedent(
        """\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: b}
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name:
        subjects:
          - kind: ServiceAccount
            name: ''
            namespace: ##NAMESPACE##
        """
    )
    target = tmp_path / "case.yaml"
    target.write_text(text, encoding="utf-8")
    errors = sorted((f.code, f.location.line) for f in run_lint(target).findings if f.severity is Severity.ERROR)
    assert errors == [("KL010", 7), ("KV001", 10)], errors
    target.write_text(text.replace("  name:\n", "  name: ##CRNAME##\n", 1), encoding="utf-8")
    found = sorted((f.code, str(f.severity), f.location.line) for f in run_lint(target).findings)
    assert found == [("KM006", "warning", 7), ("KV001", "error", 10)], found


def test_a_kustomization_namespace_fills_a_cluster_role_binding_subject(tmp_path: Path) -> None:
    """kustomize's namespace transformer sets the namespace of ServiceAccount subjects: unbuilt, the file is
    left alone where a kustomization with a namespace builds it (mongodb-kubernetes-operator's deploy/clusterwide
    has none, and is refused)."""
    (tmp_path / "binding.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\nsubjects:\n  - kind: ServiceAccount\n    name: web\n"
    )
    (tmp_path / "kustomization.yaml").write_text("namespace: apps\nresources: [binding.yaml]\n")
    result = run_lint(tmp_path, select=["api-validation"])
    assert [f.message for f in result.findings if f.code == "KV001"] == []


def test_a_null_int_or_string_is_the_field_left_unset(tmp_path: Path) -> None:
    """nats-io/k8s helm/charts/nats-operator/templates/deployment.yaml with its default values: `maxSurge:` and
    `maxUnavailable:` render empty. The API server decodes null as unset and defaults both to 25%; the built-in
    schemas' int-or-string (the oneOf of a nullable string and a nullable integer) matches null twice."""
    text = textwrap.dedent(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: nats-operator}
        spec:
          strategy:
            type: RollingUpdate
            rollingUpdate:
              maxSurge:
              maxUnavailable:
          selector:
            matchLabels: {app: nats}
          template:
            metadata:
              labels: {app: nats}
            spec:
              containers:
                - name: op
                  image: connecteverything/nats-operator:0.8.3
                  ports: [{containerPort: 80}, {containerPort: 81}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: nats}
        spec:
          selector: {app: nats}
          ports:
            - {name: client, port: 80, targetPort: }
            - name: cluster
              port: 81
              targetPort: [80]
        """
    )
    target = tmp_path / "case.yaml"
    target.write_text(text, encoding="utf-8")
    errors = sorted((f.code, f.location.line) for f in run_lint(target).findings if f.severity is Severity.ERROR)
    assert errors == [("KL010", text.splitlines().index("      targetPort: [80]") + 1)], errors
