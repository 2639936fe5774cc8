"""The real tools that render what gets deployed: kustomize (or kubectl's built-in kustomize) and helm.

They run only when rendering was asked for (``--render``, or ``render: true``
in the config), and always the same way:

- the program is found on PATH first, then next to the Python running
  k8slint (where ``pip install 'k8slint[kustomize]'`` puts kubectl), and is
  given an argument list, never a shell line;
- its environment is a fresh one: a temporary HOME and cache folders, no
  kubeconfig, and every proxy variable pointing at a closed local port, so
  that nothing it might fetch leaves the machine (the builds are also given
  no remote resource: :mod:`k8slint.sources.kustomize_build` refuses those
  before building); git, if it were ever called, is allowed no protocol;
- it has a time limit and an output limit, and its output is read as text
  with undecodable bytes replaced.

An engine that cannot be run is a note in the report, never a crash.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

TIMEOUT_SECONDS = 120
OUTPUT_LIMIT = 64 * 1024 * 1024
"""At most this many bytes of output are read from one run (more is an error, not a truncated stream)."""
_CLOSED_PORT = "http://127.0.0.1:9"
"""The discard port: nothing listens there, so a proxied request fails at once."""


@dataclass(frozen=True, slots=True)
class Engine:
    """A program that renders: how to call it and what it says its version is."""

    name: str
    """What the report calls it: ``kubectl kustomize``, ``kustomize``, ``helm``."""
    program: str
    """The absolute path of the executable."""
    prefix: tuple[str, ...]
    """The arguments before the build's own (``("kustomize",)`` for kubectl)."""
    version: str

    def describe(self) -> str:
        return f"{self.name} {self.version} ({self.program})"


@dataclass(frozen=True, slots=True)
class Ran:
    """What one run of an engine gave."""

    ok: bool
    stdout: str
    stderr: str


def _candidates(program: str) -> list[str]:
    """``program`` on PATH, then in the folder of the Python running k8slint (a virtualenv's bin)."""
    found = []
    on_path = shutil.which(program)
    if on_path is not None:
        found.append(os.path.abspath(on_path))
    beside = os.path.join(os.path.dirname(sys.executable), program)
    if os.path.isfile(beside) and os.access(beside, os.X_OK) and os.path.abspath(beside) not in found:
        found.append(os.path.abspath(beside))
    return found


def environment(home: str) -> dict[str, str]:
    """The whole environment an engine runs with: nothing of the user's but PATH and the locale."""
    env = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "TZ") if name in os.environ}
    env.update(
        HOME=home,
        XDG_CACHE_HOME=os.path.join(home, "cache"),
        XDG_CONFIG_HOME=os.path.join(home, "config"),
        XDG_DATA_HOME=os.path.join(home, "data"),
        KUBECONFIG=os.devnull,
        HELM_CACHE_HOME=os.path.join(home, "helm-cache"),
        HELM_CONFIG_HOME=os.path.join(home, "helm-config"),
        HELM_DATA_HOME=os.path.join(home, "helm-data"),
        HELM_PLUGINS=os.path.join(home, "helm-plugins"),
        KUSTOMIZE_PLUGIN_HOME=os.path.join(home, "kustomize-plugins"),
        HTTP_PROXY=_CLOSED_PORT,
        HTTPS_PROXY=_CLOSED_PORT,
        http_proxy=_CLOSED_PORT,
        https_proxy=_CLOSED_PORT,
        ALL_PROXY=_CLOSED_PORT,
        NO_PROXY="",
        no_proxy="",
        GIT_ALLOW_PROTOCOL="none",
        GIT_TERMINAL_PROMPT="0",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def run(engine: Engine, args: list[str], *, cwd: str | None = None, timeout: float = TIMEOUT_SECONDS) -> Ran:
    """Run ``engine`` with ``args`` in a fresh environment; a failure to start or finish is a failed run."""
    with tempfile.TemporaryDirectory(prefix="k8slint-engine-") as home:
        command = [engine.program, *engine.prefix, *args]
        try:
            with subprocess.Popen(  # an argument list, no shell; the program was found above
                command,
                cwd=cwd,
                env=environment(home),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            ) as process:
                try:
                    out, err = process.communicate(timeout=timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.communicate()
                    return Ran(False, "", f"{engine.name} did not finish within {timeout:.0f} seconds")
        except OSError as exc:
            return Ran(False, "", f"{engine.name} could not be started: {exc.strerror or exc}")
    if len(out) > OUTPUT_LIMIT:
        return Ran(False, "", f"{engine.name} wrote more than {OUTPUT_LIMIT // (1024 * 1024)} MB")
    stdout = out.decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
    return Ran(process.returncode == 0, stdout, stderr)


def _version(program: str, args: list[str], timeout: float = 20) -> str | None:
    probe = Engine(os.path.basename(program), program, (), "")
    ran = run(probe, args, timeout=timeout)
    return ran.stdout.strip() if ran.ok else None


def find_kustomize() -> Engine | None:
    """The kustomize to build with: kubectl's built-in one or the kustomize binary, PATH first."""
    for program in [*_candidates("kubectl"), *_candidates("kustomize")]:
        if os.path.basename(program) == "kubectl":
            text = _version(program, ["version", "--client", "--output=json"])
            if text is None:
                continue
            try:
                data = json.loads(text)
            except ValueError:
                continue
            version = data.get("kustomizeVersion") if isinstance(data, dict) else None
            if isinstance(version, str) and version:
                kubectl = data.get("clientVersion", {}).get("gitVersion", "") if isinstance(data.get("clientVersion"), dict) else ""
                label = f"{version} (kubectl {kubectl})" if kubectl else version
                return Engine("kubectl kustomize", program, ("kustomize",), label)
        else:
            text = _version(program, ["version"])
            if text:
                return Engine("kustomize", program, ("build",), text.splitlines()[0].strip())
    return None


def find_helm() -> Engine | None:
    """The helm to render with, PATH first."""
    for program in _candidates("helm"):
        text = _version(program, ["version", "--short"])
        if text:
            return Engine("helm", program, (), text.splitlines()[0].strip())
    return None
