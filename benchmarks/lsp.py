"""How soon `k8slint lsp` answers a change: diagnostics for a 300-line manifest, once warm.

A generated workspace holds the edited manifest (Deployments and Services, about 300
lines) and a few other manifests of the same folder (the context that cross-object
rules read). A real client (pygls's) starts ``k8slint lsp``, opens the manifest, makes
``--warm`` changes, then ``--changes`` measured ones: each changes one replica count
and waits for the diagnostics of that document. The time is from sending the change
to receiving them, the server's debounce included. Usage:

    python -m benchmarks.lsp --changes 30 --out benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from benchmarks.results import markers, replace_section
from k8slint.lsp.server import DEBOUNCE_SECONDS

ROOT = Path(__file__).resolve().parent.parent


def manifest(apps: int, replicas: int = 2) -> str:
    parts = []
    for i in range(apps):
        parts.append(f"""# app {i}: the web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  labels:
    app: web-{i}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web-{i}
  template:
    metadata:
      labels:
        app: web-{i}
    spec:
      containers:
        - name: web
          image: nginx:1.25.3
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
            limits:
              memory: 128Mi
---
apiVersion: v1
kind: Service
metadata:
  name: web-{i}
spec:
  selector:
    app: web-{i}
  ports:
    - port: 80
      targetPort: http
""")
    return "---\n".join(parts)


async def measure(folder: Path, warm: int, changes: int) -> tuple[float, list[float], int]:
    """(seconds to the first diagnostics after open, seconds per measured change, lines)."""
    client = LanguageClient("k8slint-benchmark", "1")
    inbox: asyncio.Queue[str] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        inbox.put_nowait(params.uri)

    async def diagnostics_of(uri: str) -> None:
        while await asyncio.wait_for(inbox.get(), 60) != uri:
            pass

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    await client.start_io(sys.executable, "-m", "k8slint", "lsp", env=env)
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(folder))))
    client.initialized(types.InitializedParams())
    path = folder / "app.yaml"
    uri = from_fs_path(str(path))
    assert uri is not None
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, text)))
    await diagnostics_of(uri)
    first = time.perf_counter() - started
    times = []
    for version in range(2, warm + changes + 2):
        edited = text.replace("replicas: 2", f"replicas: {version}", 1)
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangeWholeDocument(text=edited)],
            )
        )
        await diagnostics_of(uri)
        if version >= warm + 2:
            times.append(time.perf_counter() - started)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return first, times, text.count("\n")


def report(first: float, times: list[float], lines: int, neighbours: int, load: float) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return "\n".join(
        [
            f"### Language server: diagnostics after a change ({lines}-line manifest, {neighbours} other manifests in its folder)",
            "",
            f"Command: `python -m benchmarks.lsp --changes {len(times)}`. From sending `didChange` to receiving "
            f"`publishDiagnostics`, the {DEBOUNCE_SECONDS * 1000:.0f} ms debounce included; target: under 200 ms once warm. "
            f"Load average during the run: {load:.1f} on {os.cpu_count()} CPUs (shared: the lint share grows with it).",
            "",
            "| measure | time |",
            "|---|---:|",
            f"| first diagnostics after didOpen (cold: imports, rules, schemas) | {first * 1000:.0f} ms |",
            f"| change to diagnostics, warm, median | {statistics.median(times) * 1000:.0f} ms |",
            f"| change to diagnostics, warm, 90th percentile | {p90 * 1000:.0f} ms |",
            f"| of which lint (median minus debounce) | {(statistics.median(times) - DEBOUNCE_SECONDS) * 1000:.0f} ms |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--neighbours", type=int, default=5, help="other manifests in the folder (context)")
    parser.add_argument("--out", type=Path, help="replace this section of the results file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / ".git").mkdir()
        (folder / "app.yaml").write_text(manifest(7), encoding="utf-8")
        for n in range(args.neighbours):
            (folder / f"other-{n}.yaml").write_text(manifest(2).replace("web-", f"other{n}-"), encoding="utf-8")
        first, times, lines = asyncio.run(measure(folder, args.warm, args.changes))
    text = report(first, times, lines, args.neighbours, os.getloadavg()[0])
    print(text)
    if args.out is not None:
        start, end = markers("lsp")
        replace_section(args.out, f"{start}\n{text}{end}", start, end)


if __name__ == "__main__":
    main()
