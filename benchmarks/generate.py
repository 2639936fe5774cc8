"""Reproducible corpora of realistic manifests for benchmarks.

``python -m benchmarks.generate DOCS OUT_DIR [--seed N]`` writes about DOCS
documents: per app a Deployment with several containers, a Service, a
ConfigMap, a Secret, and (some apps) an Ingress, a HorizontalPodAutoscaler and
a PodDisruptionBudget, spread over namespaces and files of a few apps each.
Roughly one app in twenty carries a mistake a rule finds.
"""

from __future__ import annotations

import argparse
import base64
import random
from pathlib import Path

import yaml

_NAMESPACES = [f"team-{n}" for n in ("payments", "search", "checkout", "identity", "data", "web", "ml", "ops")]


def _container(rng: random.Random, app: str, index: int, broken: bool) -> dict:
    port = 8000 + index
    request_mem = rng.choice([128, 256, 512])
    container = {
        "name": f"{app}-c{index}",
        "image": f"registry.example.com/{app}/svc{index}:{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        "ports": [{"name": f"http-{index}", "containerPort": port}],
        "env": [
            {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": f"{app}-config", "key": "LOG_LEVEL"}}},
            {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": f"{app}-secret", "key": "token"}}},
        ],
        "resources": {
            "requests": {"cpu": f"{rng.choice([100, 250, 500])}m", "memory": f"{request_mem}Mi"},
            "limits": {"cpu": "1", "memory": f"{request_mem * 2}Mi"},
        },
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": f"http-{index}"}, "periodSeconds": 10},
        "livenessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 20},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True},
    }
    if broken:
        container["resources"]["requests"]["memory"] = f"{request_mem * 4}Mi"  # above its limit
    return container


def app_documents(rng: random.Random, app: str, namespace: str) -> list[dict]:
    broken = rng.random() < 0.05
    labels = {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": namespace}
    containers = [_container(rng, app, i, broken and i == 0) for i in range(rng.randint(2, 4))]
    docs: list[dict] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{app}-config", "namespace": namespace, "labels": labels},
            "data": {"LOG_LEVEL": "info", "FEATURE_FLAGS": ",".join(rng.sample("abcdefgh", 3))},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"{app}-secret", "namespace": namespace, "labels": labels},
            "type": "Opaque",
            "data": {"token": base64.b64encode(rng.randbytes(24)).decode()},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": app, "namespace": namespace, "labels": labels},
            "spec": {
                "replicas": rng.randint(2, 6),
                "selector": {"matchLabels": dict(labels)},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {"securityContext": {"runAsNonRoot": True, "runAsUser": 10001}, "containers": containers},
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": app, "namespace": namespace, "labels": labels},
            "spec": {
                "selector": dict(labels) if not broken else {**labels, "app.kubernetes.io/name": app + "-x"},
                "ports": [
                    {"name": c["ports"][0]["name"], "port": 80 + i, "targetPort": c["ports"][0]["name"]} for i, c in enumerate(containers)
                ],
            },
        },
    ]
    if rng.random() < 0.5:
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": app, "namespace": namespace},
                "spec": {
                    "rules": [
                        {
                            "host": f"{app}.example.com",
                            "http": {
                                "paths": [
                                    {
                                        "path": "/",
                                        "pathType": "Prefix",
                                        "backend": {"service": {"name": app, "port": {"number": 80}}},
                                    }
                                ]
                            },
                        }
                    ]
                },
            }
        )
    if rng.random() < 0.4:
        docs.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": app, "namespace": namespace},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
                    "minReplicas": 2,
                    "maxReplicas": 10,
                    "metrics": [
                        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
                    ],
                },
            }
        )
        docs.append(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": app, "namespace": namespace},
                "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(labels)}},
            }
        )
    return docs


def generate(documents: int, out: Path, seed: int = 1) -> int:
    """Write about ``documents`` documents under ``out``; returns how many were written."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written, app_number, file_number = 0, 0, 0
    while written < documents:
        namespace = rng.choice(_NAMESPACES)
        batch: list[dict] = []
        for _ in range(rng.randint(1, 3)):
            batch.extend(app_documents(rng, f"app-{app_number:05d}", namespace))
            app_number += 1
        folder = out / namespace
        folder.mkdir(exist_ok=True)
        text = yaml.dump_all(batch, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False)
        (folder / f"bundle-{file_number:05d}.yaml").write_text(text, encoding="utf-8")
        written += len(batch)
        file_number += 1
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("documents", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(generate(args.documents, args.out, args.seed))
