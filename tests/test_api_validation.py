"""api-validation (KV001): the API server's own checks beyond the OpenAPI schema.

The table follows the cases of the upstream validation tests (kubernetes pkg/apis/core/validation
validation_test.go: TestValidatePullPolicy, TestValidateRestartPolicy, TestValidateDNSPolicy,
TestValidateContainers, TestValidateInitContainers, TestValidateEphemeralContainers, TestValidateVolumes,
TestValidateVolumeMounts, TestValidateVolumeDevices, TestValidateEnv, TestValidateEnvFrom,
TestValidateServiceCreate, TestValidatePersistentVolumeClaim, TestValidateResourceRequirements; batch
TestValidateJob; apps TestValidateDeployment, TestValidateDaemonSet, TestValidateStatefulSet; networking
TestValidateNetworkPolicy), each rewritten as a manifest. A line ending in ``#!`` is where the API server's
error must be reported; a case without one must be clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.findings import Severity

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
"""


def pod(body: str) -> str:
    return POD + body


def _findings(tmp_path: Path, text: str, name: str = "case.yaml") -> list[tuple[int, str]]:
    target = tmp_path / name
    target.write_text(text.replace("#!", ""), encoding="utf-8")
    result = run_lint(target, select=["api-validation"])
    return sorted((f.location.line, f.message) for f in result.findings if f.code == "KV001")


def _marked(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1) if line.rstrip().endswith("#!")]


CASES: list[tuple[str, str, str]] = [
    # (case, manifest, a word the message must contain)
    # -- TestValidatePullPolicy, TestValidateContainers "invalid imagePullPolicy"
    ("pull policy Always", pod("  containers:\n    - {name: c, image: nginx:1.27, imagePullPolicy: Always}\n"), ""),
    ("pull policy Never", pod("  containers:\n    - {name: c, image: nginx:1.27, imagePullPolicy: Never}\n"), ""),
    ("pull policy IfNotPresent", pod("  containers:\n    - {name: c, image: nginx:1.27, imagePullPolicy: IfNotPresent}\n"), ""),
    (
        "invalid pull policy",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      imagePullPolicy: Sometimes #!\n"),
        'Unsupported value: "Sometimes"',
    ),
    (
        "pull policy in the wrong case",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      imagePullPolicy: always #!\n"),
        'did you mean "Always"?',
    ),
    (
        "empty values are defaulted",
        pod(
            "  restartPolicy: ''\n  dnsPolicy: ''\n  containers:\n    - name: c\n      image: nginx:1.27\n      imagePullPolicy: ''\n"
            "      terminationMessagePolicy: ''\n      ports: [{containerPort: 80, protocol: ''}]\n"
        ),
        "",
    ),
    # -- TestValidateRestartPolicy
    ("restart policy OnFailure", pod("  restartPolicy: OnFailure\n  containers:\n    - {name: c, image: nginx:1.27}\n"), ""),
    (
        "invalid restart policy",
        pod("  restartPolicy: UnknownPolicy #!\n  containers:\n    - {name: c, image: nginx:1.27}\n"),
        'supported values: "Always", "Never", "OnFailure"',
    ),
    # -- TestValidateDNSPolicy
    (
        "dns policy ClusterFirstWithHostNet",
        pod("  dnsPolicy: ClusterFirstWithHostNet\n  containers:\n    - {name: c, image: nginx:1.27}\n"),
        "",
    ),
    (
        "dns policy None with nameservers",
        pod("  dnsPolicy: None\n  dnsConfig: {nameservers: [10.0.0.10]}\n  containers:\n    - {name: c, image: nginx:1.27}\n"),
        "",
    ),
    ("invalid dns policy", pod("  dnsPolicy: invalid #!\n  containers:\n    - {name: c, image: nginx:1.27}\n"), "Unsupported value"),
    ("dns policy None without dnsConfig", pod("  dnsPolicy: None #!\n  containers:\n    - {name: c, image: nginx:1.27}\n"), "dnsConfig"),
    (
        "dns policy None without nameservers",
        pod("  dnsPolicy: None\n  dnsConfig: #!\n    searches: [svc.cluster.local]\n  containers:\n    - {name: c, image: nginx:1.27}\n"),
        "at least one DNS nameserver",
    ),
    # -- TestValidateContainers
    (
        "container name not a DNS label",
        pod("  containers:\n    - name: a_b #!\n      image: nginx:1.27\n"),
        'Invalid value: "a_b": a DNS-1123 label',
    ),
    (
        "container name longer than 63 characters",
        pod("  containers:\n    - name: " + "a" * 64 + " #!\n      image: nginx:1.27\n"),
        "at most 63",
    ),
    (
        "volume name not a DNS label",
        pod("  containers:\n    - {name: c, image: nginx:1.27}\n  volumes:\n    - name: Abc #!\n      emptyDir: {}\n"),
        "DNS-1123 label",
    ),
    (
        "invalid seccomp profile type",
        pod("  securityContext:\n    seccompProfile:\n      type: unknown #!\n  containers:\n    - {name: c, image: nginx:1.27}\n"),
        '"Localhost", "RuntimeDefault", "Unconfined"',
    ),
    (
        "localhost seccomp profile without a profile",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      securityContext:\n        seccompProfile:\n          type: Localhost #!\n"
        ),
        "must be set when seccomp type is Localhost",
    ),
    (
        "a profile with type RuntimeDefault",
        pod(
            "  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n      localhostProfile: foo.json #!\n  containers:\n    - {name: c, image: nginx:1.27}\n"
        ),
        "can only be set when seccomp type is Localhost",
    ),
    (
        "container name not unique",
        pod("  containers:\n    - {name: abc, image: nginx:1.27}\n    - name: abc #!\n      image: nginx:1.27\n"),
        'Duplicate value: "abc"',
    ),
    (
        "invalid container port protocol",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      ports:\n        - containerPort: 80\n          protocol: INVALID #!\n"
        ),
        'Unsupported value: "INVALID"',
    ),
    (
        "invalid termination message policy",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      terminationMessagePolicy: Unknown #!\n"),
        '"FallbackToLogsOnError", "File"',
    ),
    (
        "unknown volume name",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      volumeMounts:\n        - name: anything #!\n          mountPath: /foo\n"
        ),
        'Not found: "anything"',
    ),
    (
        "lifecycle hook with no action",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      lifecycle:\n        preStop: {} #!\n"),
        "must specify a handler type",
    ),
    (
        "lifecycle hook with two actions",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      lifecycle:\n        preStop:\n"
            "          exec: {command: [ls]}\n          tcpSocket: {port: 80} #!\n"
        ),
        "may not specify more than 1 handler type",
    ),
    (
        "lifecycle sleep action",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      lifecycle:\n        preStop:\n          sleep: {seconds: 5}\n"),
        "",
    ),
    (
        "readiness probe with no handler",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      readinessProbe: #!\n        initialDelaySeconds: 5\n"),
        "must specify a handler type",
    ),
    (
        "liveness probe with two handlers",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      livenessProbe:\n"
            "        exec: {command: [ls]}\n        grpc: {port: 9000} #!\n"
        ),
        "may not specify more than 1 handler type",
    ),
    (
        "grpc liveness probe",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      livenessProbe:\n        grpc: {port: 9000}\n"),
        "",
    ),
    # -- TestValidateInitContainers (sidecar cases included)
    (
        "init container name collides with a container",
        pod("  initContainers:\n    - {name: app, image: busybox:1.36}\n  containers:\n    - name: app #!\n      image: nginx:1.27\n"),
        'Duplicate value: "app"',
    ),
    (
        "init container restart policy OnFailure",
        pod(
            "  initContainers:\n    - name: init\n      image: busybox:1.36\n      restartPolicy: OnFailure #!\n"
            "  containers:\n    - {name: c, image: nginx:1.27}\n"
        ),
        'supported values: "Always"',
    ),
    (
        "init container with a readiness probe",
        pod(
            "  initContainers:\n    - name: init\n      image: busybox:1.36\n      readinessProbe: #!\n        exec: {command: [ls]}\n"
            "  containers:\n    - {name: c, image: nginx:1.27}\n"
        ),
        "may not be set for init containers without restartPolicy=Always",
    ),
    (
        "init container with a startup probe and lifecycle",
        pod(
            "  initContainers:\n    - name: init\n      image: busybox:1.36\n      startupProbe: #!\n        exec: {command: [ls]}\n"
            "      lifecycle: #!\n        postStart:\n          exec: {command: [ls]}\n"
            "  containers:\n    - {name: c, image: nginx:1.27}\n"
        ),
        "restartPolicy=Always",
    ),
    (
        "sidecar with every probe and lifecycle",
        pod(
            "  initContainers:\n    - name: proxy\n      image: envoyproxy/envoy:v1.31.0\n      restartPolicy: Always\n"
            "      startupProbe: {tcpSocket: {port: 15000}}\n      readinessProbe: {httpGet: {path: /ready, port: 15000}}\n"
            "      livenessProbe: {tcpSocket: {port: 15000}}\n      lifecycle: {preStop: {sleep: {seconds: 5}}}\n"
            "  containers:\n    - {name: c, image: nginx:1.27}\n"
        ),
        "",
    ),
    # -- TestValidateEphemeralContainers
    (
        "ephemeral container name collides with an init container",
        pod(
            "  initContainers:\n    - {name: debug, image: busybox:1.36}\n  containers:\n    - {name: c, image: nginx:1.27}\n"
            "  ephemeralContainers: #!\n    - name: debug #!\n      image: busybox:1.36\n"
        ),
        "debug",
    ),
    (
        "ephemeral containers in a pod template",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n"
        "    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: nginx:1.27}]\n"
        "      ephemeralContainers: #!\n        - {name: debug, image: busybox:1.36}\n",
        "ephemeral containers not allowed in pod template",
    ),
    # -- TestValidateVolumes, TestValidateVolumeMounts, TestValidateVolumeDevices
    (
        "duplicate volume names",
        pod(
            "  containers:\n    - {name: c, image: nginx:1.27}\n  volumes:\n    - {name: abc, emptyDir: {}}\n    - name: abc #!\n      emptyDir: {}\n"
        ),
        'Duplicate value: "abc"',
    ),
    (
        "more than one volume type",
        pod(
            "  containers:\n    - {name: c, image: nginx:1.27}\n  volumes:\n    - name: abc\n      hostPath: {path: /mnt/path}\n      emptyDir: {} #!\n"
        ),
        "may not specify more than 1 volume type (already 'hostPath')",
    ),
    (
        "a volume with no type defaults to emptyDir",
        pod("  containers:\n    - {name: c, image: nginx:1.27}\n  volumes:\n    - name: abc\n"),
        "",
    ),
    (
        "host port not unique",
        pod(
            "  containers:\n    - name: abc\n      image: nginx:1.27\n      ports: [{containerPort: 80, hostPort: 80}]\n"
            "    - name: def\n      image: nginx:1.27\n      ports:\n        - containerPort: 81\n          hostPort: 80 #!\n"
        ),
        'Duplicate value: "TCP/80"',
    ),
    (
        "subPath and subPathExpr together",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      volumeMounts:\n        - name: abc\n          mountPath: /bar\n"
            "          subPath: baz\n          subPathExpr: $(POD_NAME) #!\n  volumes:\n    - {name: abc, emptyDir: {}}\n"
        ),
        "mutually exclusive",
    ),
    (
        "invalid mount propagation",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      volumeMounts:\n        - name: abc\n          mountPath: /bar\n"
            "          mountPropagation: Shared #!\n  volumes:\n    - {name: abc, emptyDir: {}}\n"
        ),
        '"Bidirectional", "HostToContainer", "None"',
    ),
    (
        "volume device of no volume",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      volumeDevices:\n        - name: disk #!\n          devicePath: /dev/xvdb\n"
        ),
        'Not found: "disk"',
    ),
    (
        "a mount of an ephemeral container is checked too",
        pod(
            "  containers:\n    - {name: c, image: nginx:1.27}\n  ephemeralContainers: #!\n    - name: debug\n      image: busybox:1.36\n      volumeMounts:\n        - name: nope #!\n          mountPath: /x\n"
        ),
        "",
    ),
    (
        "bidirectional propagation in a container that is not privileged",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      volumeMounts:\n        - name: abc\n          mountPath: /bar\n"
            "          mountPropagation: Bidirectional #!\n  volumes:\n    - {name: abc, hostPath: {path: /mnt}}\n"
        ),
        "available only to privileged containers",
    ),
    # -- TestValidateEnv, TestValidateEnvFrom
    (
        "value and valueFrom together",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      env:\n        - name: abc\n          value: foo\n"
            "          valueFrom: #!\n            fieldRef: {fieldPath: metadata.name}\n"
        ),
        "may not be specified when `value` is not empty",
    ),
    (
        "valueFrom with two sources",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      env:\n        - name: abc\n          valueFrom:\n"
            "            fieldRef: {fieldPath: metadata.name}\n            secretKeyRef: {name: a, key: b} #!\n"
        ),
        "may not have more than one field specified at a time",
    ),
    (
        "value with an empty valueFrom: one error, the missing source",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      env:\n        - name: abc\n          value: foo\n          valueFrom: {} #!\n"
        ),
        "must specify one of",
    ),
    (
        "valueFrom with no source",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      env:\n        - name: abc\n          valueFrom: {} #!\n"),
        "must specify one of",
    ),
    (
        "envFrom with no ref",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      envFrom:\n        - prefix: pre_ #!\n"),
        "`configMapRef` or `secretRef`",
    ),
    # -- TestValidateServiceCreate
    (
        "invalid service type",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: Loadbalancer #!\n  ports: [{port: 80}]\n",
        'Unsupported value: "Loadbalancer": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"; did you mean "LoadBalancer"?',
    ),
    (
        "invalid service port protocol",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - port: 80\n      protocol: HTTP #!\n",
        "appProtocol http",
    ),
    (
        "invalid session affinity",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  sessionAffinity: IamInvalid #!\n  ports: [{port: 80}]\n",
        '"ClientIP", "None"',
    ),
    (
        "invalid external traffic policy",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n  externalTrafficPolicy: Global #!\n  ports: [{port: 80}]\n",
        '"Cluster", "Local"',
    ),
    (
        "invalid internal traffic policy",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  internalTrafficPolicy: invalid #!\n  ports: [{port: 80}]\n",
        '"Cluster", "Local"',
    ),
    (
        "invalid ip family policy and family",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ipFamilyPolicy: DualStack #!\n  ipFamilies:\n    - IPv5 #!\n  ports: [{port: 80}]\n",
        "Unsupported value",
    ),
    (
        "missing ports",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: #!\n  type: LoadBalancer\n  selector: {a: b}\n",
        "spec.ports: Required value",
    ),
    ("headless without ports", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: None\n  selector: {a: b}\n", ""),
    (
        "NodePort with clusterIP None",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n  clusterIP: None #!\n  ports: [{port: 80}]\n",
        "may not be set to 'None' for NodePort services",
    ),
    (
        "invalid cluster IP",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: invalid #!\n  ports: [{port: 80}]\n",
        "must be empty, 'None', or a valid IP address",
    ),
    (
        "nodePort on a ClusterIP Service",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - port: 80\n      nodePort: 30001 #!\n",
        "may not be used when `type` is 'ClusterIP'",
    ),
    (
        "ExternalName without externalName",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: #!\n  type: ExternalName\n",
        "spec.externalName: Required value",
    ),
    (
        "invalid externalName",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: ExternalName\n  externalName: '-123' #!\n",
        "DNS-1123 subdomain",
    ),
    (
        "ExternalName with a cluster IP",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: ExternalName\n  externalName: db.example.com\n  clusterIP: 10.0.0.1 #!\n",
        "may not be set for ExternalName services",
    ),
    # -- TestValidatePersistentVolumeClaim
    (
        "invalid access mode",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  accessModes:\n    - fakemode #!\n  resources: {requests: {storage: 1Gi}}\n",
        'Unsupported value: "fakemode"',
    ),
    (
        "no access mode",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: #!\n  resources: {requests: {storage: 1Gi}}\n",
        "at least 1 access mode is required",
    ),
    (
        "an unknown access mode in a StatefulSet's claim template",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n  selector: {matchLabels: {a: b}}\n  serviceName: s\n  template:\n"
        "    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: nginx:1.27}]\n"
        "  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec:\n        accessModes:\n          - ReadWriteOnly #!\n"
        "        resources: {requests: {storage: 1Gi}}\n",
        "each claim made from this template is refused",
    ),
    (
        "ReadWriteOncePod with another mode",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  accessModes: #!\n    - ReadWriteOncePod\n    - ReadWriteMany\n  resources: {requests: {storage: 1Gi}}\n",
        "may not use ReadWriteOncePod with other access modes",
    ),
    (
        "invalid volume mode",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  accessModes: [ReadWriteOnce]\n  volumeMode: Raw #!\n  resources: {requests: {storage: 1Gi}}\n",
        '"Block", "Filesystem"',
    ),
    # -- TestValidateResourceRequirements (extended resources)
    (
        "GPU request without a limit",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      resources:\n        requests:\n          nvidia.com/gpu: 1 #!\n"),
        "Limit must be set for non overcommitable resources",
    ),
    (
        "GPU request different from its limit",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      resources:\n        requests:\n          nvidia.com/gpu: 1 #!\n        limits:\n          nvidia.com/gpu: 2\n"
        ),
        "must be equal to nvidia.com/gpu limit of 2",
    ),
    (
        "GPU limit alone (the request defaults to it)",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      resources:\n        limits:\n          nvidia.com/gpu: 2\n"),
        "",
    ),
    (
        "fractional extended resource",
        pod(
            "  containers:\n    - name: c\n      image: nginx:1.27\n      resources:\n        limits:\n          example.com/foo: 1.5 #!\n"
        ),
        "must be an integer",
    ),
    (
        "a kubernetes.io resource may be overcommitted",
        pod("  containers:\n    - name: c\n      image: nginx:1.27\n      resources:\n        requests:\n          kubernetes.io/foo: 1\n"),
        "",
    ),
    # -- batch TestValidateJob
    (
        "job template restart policy Always",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      restartPolicy: Always #!\n"
        "      containers: [{name: c, image: busybox:1.36}]\n",
        'supported values: "Never", "OnFailure"',
    ),
    (
        "job template restart policy unset",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec: #!\n"
        "      containers: [{name: c, image: busybox:1.36}]\n",
        'defaults to "Always"',
    ),
    (
        "job template restart policy empty",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      restartPolicy: '' #!\n"
        "      containers: [{name: c, image: busybox:1.36}]\n",
        'defaults to "Always"',
    ),
    (
        "job with a pod failure policy and OnFailure",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  podFailurePolicy:\n    rules: [{action: FailJob, onExitCodes: {operator: In, values: [1]}}]\n"
        "  template:\n    spec:\n      restartPolicy: OnFailure #!\n      containers: [{name: c, image: busybox:1.36}]\n",
        'only "Never" is supported when podFailurePolicy is specified',
    ),
    # -- apps TestValidateDeployment, TestValidateDaemonSet ("invalid restart policy 1" and "2")
    (
        "deployment template restart policy Never",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n"
        "    metadata: {labels: {a: b}}\n    spec:\n      restartPolicy: Never #!\n      containers: [{name: c, image: nginx:1.27}]\n",
        'supported values: "Always"',
    ),
    (
        "daemonset template restart policy OnFailure",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n"
        "    metadata: {labels: {a: b}}\n    spec:\n      restartPolicy: OnFailure #!\n      containers: [{name: c, image: nginx:1.27}]\n",
        'supported values: "Always"',
    ),
    (
        "replicaset template with activeDeadlineSeconds",
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n"
        "    metadata: {labels: {a: b}}\n    spec:\n      activeDeadlineSeconds: 30 #!\n      containers: [{name: c, image: nginx:1.27}]\n",
        "activeDeadlineSeconds in ReplicaSet is not Supported",
    ),
    # -- apps TestValidateStatefulSet: the template's pod spec is refused pod by pod
    (
        "statefulset mount of a claim template",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n  selector: {matchLabels: {a: b}}\n  serviceName: s\n  template:\n"
        "    metadata: {labels: {a: b}}\n    spec:\n      containers:\n        - name: c\n          image: nginx:1.27\n"
        "          volumeMounts:\n            - {name: data, mountPath: /data}\n            - name: logs #!\n              mountPath: /logs\n"
        "  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
        "every pod it creates from this template is refused",
    ),
    # -- networking TestValidateNetworkPolicy
    (
        "invalid network policy port protocol",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n  podSelector: {}\n  egress:\n"
        "    - ports:\n        - port: 53\n          protocol: ICMP #!\n",
        'Unsupported value: "ICMP"',
    ),
]


@pytest.mark.parametrize(("case", "text", "words"), CASES, ids=[case for case, _, _ in CASES])
def test_upstream_case(tmp_path: Path, case: str, text: str, words: str) -> None:
    found = _findings(tmp_path, text)
    assert [line for line, _ in found] == _marked(text), found
    for _, message in found:
        assert words in message


# -- The issue's examples, each one error on the offending line.

ISSUE_EXAMPLES = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: Loadbalancer #!
  selector: {app: web}
  ports:
    - name: http
      port: 80
      protocol: HTTP #!
---
apiVersion: batch/v1
kind: Job
metadata:
  name: seed
spec:
  template:
    spec:
      restartPolicy: Always #!
      initContainers:
        - name: wait-for-db
          image: busybox:1.36
          restartPolicy: OnFailure #!
        - name: warm
          image: busybox:1.36
          readinessProbe: #!
            exec: {command: [cat, /tmp/ready]}
      containers:
        - name: seed
          image: ghcr.io/acme/seed:1.0.0
          imagePullPolicy: Sometimes #!
          resources:
            requests:
              nvidia.com/gpu: 1 #!
            limits:
              nvidia.com/gpu: 2
          volumeMounts:
            - name: fixtures #!
              mountPath: /fixtures
      volumes:
        - name: cache
          emptyDir: {}
        - name: cache #!
          emptyDir: {}
"""


def test_the_issue_examples_are_each_an_error_on_their_line(tmp_path: Path) -> None:
    found = _findings(tmp_path, ISSUE_EXAMPLES)
    assert [line for line, _ in found] == _marked(ISSUE_EXAMPLES), found
    assert all(f.severity is Severity.ERROR for f in run_lint(tmp_path / "case.yaml", select=["api-validation"]).findings)


# -- Realistic manifests.

SIDECAR_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
  labels: {app.kubernetes.io/name: checkout}
spec:
  replicas: 3
  selector:
    matchLabels: {app.kubernetes.io/name: checkout}
  template:
    metadata:
      labels: {app.kubernetes.io/name: checkout}
    spec:
      serviceAccountName: checkout
      initContainers:
        - name: migrate
          image: ghcr.io/acme/checkout:4.2.1
          command: [/app/checkout, migrate]
          envFrom:
            - secretRef: {name: checkout-db}
        - name: envoy
          image: envoyproxy/envoy:v1.31.2
          restartPolicy: Always
          args: [-c, /etc/envoy/envoy.yaml]
          ports:
            - {name: envoy-admin, containerPort: 9901}
            - {name: envoy-http, containerPort: 8443}
          startupProbe:
            httpGet: {path: /ready, port: envoy-admin}
            failureThreshold: 30
            periodSeconds: 1
          readinessProbe:
            httpGet: {path: /ready, port: envoy-admin}
          livenessProbe:
            tcpSocket: {port: envoy-admin}
          lifecycle:
            preStop:
              sleep: {seconds: 10}
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {memory: 128Mi}
          volumeMounts:
            - {name: envoy-config, mountPath: /etc/envoy, readOnly: true}
      containers:
        - name: checkout
          image: ghcr.io/acme/checkout:4.2.1
          imagePullPolicy: IfNotPresent
          ports:
            - {name: http, containerPort: 8080, protocol: TCP}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef: {fieldPath: metadata.name}
            - name: GOMEMLIMIT
              valueFrom:
                resourceFieldRef: {resource: limits.memory}
            - name: LOG_LEVEL
              value: info
          envFrom:
            - configMapRef: {name: checkout}
          readinessProbe:
            httpGet: {path: /healthz/ready, port: http}
          livenessProbe:
            httpGet: {path: /healthz/live, port: http}
          lifecycle:
            preStop:
              exec: {command: [/app/checkout, drain]}
          terminationMessagePolicy: FallbackToLogsOnError
          resources:
            requests: {cpu: 200m, memory: 256Mi}
            limits: {memory: 512Mi}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
            - {name: logs, mountPath: /var/log/checkout, subPathExpr: $(POD_NAME)}
      volumes:
        - name: envoy-config
          configMap: {name: checkout-envoy}
        - name: tmp
          emptyDir: {medium: Memory, sizeLimit: 64Mi}
        - name: logs
          hostPath: {path: /var/log/pods-extra, type: DirectoryOrCreate}
---
apiVersion: v1
kind: Service
metadata:
  name: checkout
  namespace: shop
spec:
  type: ClusterIP
  internalTrafficPolicy: Cluster
  ipFamilyPolicy: SingleStack
  selector: {app.kubernetes.io/name: checkout}
  ports:
    - {name: https, port: 443, targetPort: envoy-http, protocol: TCP, appProtocol: https}
"""


def test_a_deployment_with_a_native_sidecar_is_clean(tmp_path: Path) -> None:
    assert _findings(tmp_path, SIDECAR_DEPLOYMENT) == []


def test_the_same_sidecar_without_restart_policy_always_is_refused_for_its_probes_and_hook(tmp_path: Path) -> None:
    broken = SIDECAR_DEPLOYMENT.replace("          restartPolicy: Always\n", "", 1)
    found = _findings(tmp_path, broken)
    lines = broken.splitlines()
    assert [lines[line - 1].strip() for line, _ in found] == ["startupProbe:", "readinessProbe:", "livenessProbe:", "lifecycle:"]
    assert all("restartPolicy=Always" in message for _, message in found)


CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: db-backup
  namespace: data
spec:
  schedule: "15 2 * * *"
  timeZone: Europe/Berlin
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      backoffLimit: 2
      activeDeadlineSeconds: 3600
      template:
        metadata:
          labels: {app.kubernetes.io/name: db-backup}
        spec:
          restartPolicy: OnFailure
          containers:
            - name: pg-dump
              image: postgres:16.4
              command: [sh, -c, 'pg_dump "$DATABASE_URL" | gzip > /backup/$(date +%F).sql.gz']
              env:
                - name: DATABASE_URL
                  valueFrom:
                    secretKeyRef: {name: db, key: url}
              resources:
                requests: {cpu: 100m, memory: 256Mi}
                limits: {memory: 512Mi}
              volumeMounts:
                - {name: backup, mountPath: /backup}
          volumes:
            - name: backup
              persistentVolumeClaim: {claimName: db-backup}
"""


def test_a_cronjob_is_clean_and_refused_without_its_restart_policy(tmp_path: Path) -> None:
    assert _findings(tmp_path, CRONJOB) == []
    broken = CRONJOB.replace("          restartPolicy: OnFailure\n", "")
    found = _findings(tmp_path, broken)
    assert len(found) == 1
    line, message = found[0]
    assert broken.splitlines()[line - 1].strip() == "spec:" and line == 19
    assert message.startswith('restartPolicy is not set, so it defaults to "Always": Unsupported value: "Always"')


GPU_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: finetune-llama
  namespace: ml
spec:
  completions: 1
  backoffLimit: 0
  podFailurePolicy:
    rules:
      - action: FailJob
        onExitCodes: {containerName: trainer, operator: In, values: [42]}
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {nvidia.com/gpu.present: "true"}
      tolerations:
        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      containers:
        - name: trainer
          image: nvcr.io/nvidia/pytorch:24.08-py3
          command: [torchrun, --nproc-per-node=2, train.py]
          resources:
            requests:
              cpu: "8"
              memory: 64Gi
              nvidia.com/gpu: 2
              rdma/hca_shared_devices_a: 1
            limits:
              memory: 64Gi
              nvidia.com/gpu: 2
              rdma/hca_shared_devices_a: 1
          volumeMounts:
            - {name: dshm, mountPath: /dev/shm}
            - {name: checkpoints, mountPath: /checkpoints}
      volumes:
        - name: dshm
          emptyDir: {medium: Memory, sizeLimit: 16Gi}
        - name: checkpoints
          ephemeral:
            volumeClaimTemplate:
              spec:
                accessModes: [ReadWriteOnce]
                storageClassName: fast-ssd
                resources: {requests: {storage: 200Gi}}
"""


def test_a_gpu_job_is_clean_and_refused_when_its_gpu_request_and_limit_differ(tmp_path: Path) -> None:
    assert _findings(tmp_path, GPU_JOB) == []
    broken = GPU_JOB.replace("nvidia.com/gpu: 2", "nvidia.com/gpu: 1", 1)
    broken = broken.replace("accessModes: [ReadWriteOnce]", "accessModes: [ReadWriteOnly]")
    found = _findings(tmp_path, broken)
    assert [line for line, _ in found] == [27, 43]
    assert found[0][1] == 'Invalid value: "1": must be equal to nvidia.com/gpu limit of 2'
    assert 'did you mean "ReadWriteOnce"' in found[1][1]


def test_a_custom_resource_with_a_pod_template_is_left_to_its_schema(tmp_path: Path) -> None:
    rollout = SIDECAR_DEPLOYMENT.split("---")[0].replace("apps/v1", "argoproj.io/v1alpha1").replace("kind: Deployment", "kind: Rollout")
    assert _findings(tmp_path, rollout.replace("imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes")) == []


def test_findings_do_not_repeat_other_rules(tmp_path: Path) -> None:
    """externalTrafficPolicy on a ClusterIP Service and a huge-pages request above its limit have rules of their own."""
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  externalTrafficPolicy: Global\n  ports: [{port: 80}]\n---\n" + pod(
        "  containers:\n    - name: c\n      image: nginx:1.27\n      resources:\n        requests: {memory: 1Gi, hugepages-2Mi: 256Mi}\n        limits: {memory: 1Gi, hugepages-2Mi: 128Mi}\n"
    )
    target = tmp_path / "case.yaml"
    target.write_text(text, encoding="utf-8")
    codes = sorted(f.code for f in run_lint(target).findings if f.severity is Severity.ERROR)
    assert codes == ["KN030", "KR002"]
