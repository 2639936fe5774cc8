"""End-to-end test suites whose files are assertions about a cluster, not objects to apply.

A chainsaw test (``chainsaw-test.yaml``, ``apiVersion: chainsaw.kyverno.io/...``, ``kind: Test``)
lists steps whose ``assert`` and ``error`` operations name files of partial objects: chainsaw
matches them against what is in the cluster (``assert``: it must be there; ``error``: it must not)
and never applies them (kyverno/chainsaw docs, "Assert" and "Error" operations). A kuttl suite
(``kuttl-test.yaml``, ``kind: TestSuite``) has the same rule by name: in each test case folder under
its ``testDirs``, ``NN-assert.yaml`` and ``NN-errors.yaml`` are the assertions of step NN
(kuttl docs, "Test Steps": "assert" and "errors" files).

A kyverno CLI test (``kyverno-test.yaml``) is read by ``kyverno test DIR``, which loads every file of that
name under DIR whatever its ``apiVersion`` and ``kind`` (kyverno/kyverno cmd/cli/kubectl-kyverno/test/load.go;
``--file-name`` defaults to kyverno-test.yaml): it configures the CLI, and so do the values, user info and
context files it names (``variables``, ``values``, ``userinfo``, ``context``). The policies and exceptions
it names are objects the CLI validates and evaluates, linted as any manifest; the resources it evaluates
them on (``resources``, ``targetResources``, ``paramResources``, ``clusterResources``, and each result's
``patchedResources``, ``generatedResource`` and ``cloneSourceResource``) are linted as objects too, but
the CLI never sends them to an API server: where they lie in the test's folder, they are test inputs
(TestAssertions.test_input), whose errors are graded info.

A gatekeeper gator suite (``apiVersion: test.gatekeeper.sh/v1alpha1``, ``kind: Suite``; ``gator verify``
reads every YAML file of that kind, gatekeeper pkg/gator/verify/read_suites.go; k8slint looks for them by
their conventional name, ``suite.yaml``) pairs ConstraintTemplates and Constraints (``tests[].template``,
``tests[].constraint``: linted as objects) with cases whose ``object`` and ``inventory`` files gator reviews
offline against the Constraint (pkg/gator/verify/suite.go): where they lie in the suite's folder or below it,
they are test inputs too.

Such a file is not linted as objects: it is set aside, and the report says what it is. The files
the steps apply (``apply``, ``create``, ``patch``, ``update``) are linted as any manifest, and so is a
file that one operation applies (``apply``, ``create``, ``update``) and another asserts (``apply: file:
ns.yaml`` then ``assert: file: ns.yaml``, to wait until it is there): the API server gets it whole. A
file that every operation sending it expects to be refused (``expect: [{check: {($error != null): true}}]``)
is a test input: the test passes only when the API server (or an admission webhook) refuses it, so what
k8slint finds wrong with it is what the test wants.
"""

from __future__ import annotations

import functools
import glob
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k8slint.findings import clip
from k8slint.model.kinds import is_custom_resource
from k8slint.repository import repository_root
from k8slint.sources.safefs import Roots, Skipped, TooLarge, display_path, read_bytes

CHAINSAW_TEST_NAMES = frozenset({"chainsaw-test.yaml", "chainsaw-test.yml"})
KUTTL_SUITE_NAMES = frozenset({"kuttl-test.yaml", "kuttl-test.yml"})
KYVERNO_TEST_NAMES = frozenset({"kyverno-test.yaml"})
GATOR_SUITE_NAMES = frozenset({"suite.yaml", "suite.yml"})
_KYVERNO_INPUTS = ("variables", "values", "userinfo", "context")
"""The keys of a kyverno CLI test that name a file of the CLI's own input (cmd/cli/kubectl-kyverno/apis/v1alpha1/test.go)."""
_KYVERNO_RESOURCES = ("resources", "targetResources", "paramResources", "clusterResources")
"""The keys of a kyverno CLI test that list files of resources the CLI evaluates its policies on (test.go)."""
_KYVERNO_RESULT_FILES = ("patchedResources", "generatedResource", "cloneSourceResource")
"""The keys of a kyverno CLI test's result that name a file of resources: what a mutation or generation must
give, and the source a generate rule clones (cmd/cli/kubectl-kyverno/apis/v1alpha1/test_result.go)."""
MAX_TEST_FILE_SIZE = 1024 * 1024
_BLOCKS = ("try", "catch", "finally", "cleanup")
_ASSERTIONS = ("assert", "error")
_APPLYING = ("apply", "create", "update")
"""The chainsaw operations that send a file's objects to the API server whole (``patch`` merges a partial one)."""
_KUTTL_ASSERTION = re.compile(r"\d+-(assert|errors)\.ya?ml")


def is_test_suite_name(name: str) -> bool:
    return name in CHAINSAW_TEST_NAMES or name in KUTTL_SUITE_NAMES or name in KYVERNO_TEST_NAMES or name in GATOR_SUITE_NAMES


@dataclass(slots=True)
class TestAssertions:
    """The files end-to-end tests match against a cluster: absolute path -> what it is."""

    _roles: dict[str, str] = field(default_factory=dict)
    _asserts: dict[str, Roots] = field(default_factory=dict)
    """The ``assert`` files (not the ``error`` ones), with the roots they may be read in."""
    _applied: set[str] = field(default_factory=set)
    """The files an ``apply``, ``create`` or ``update`` operation names: objects, whatever else matches them."""
    _merged: dict[str, str] = field(default_factory=dict)
    """Files an ``apply`` names whose every object an earlier operation of the same test made: test -> shown."""
    _created: set[str] = field(default_factory=set)
    """Files an operation sends objects of that the test did not make before it (creates)."""
    _refused: dict[str, str] = field(default_factory=dict)
    """The files an operation sends expecting the API server to refuse them -> the test as shown."""
    _accepted: set[str] = field(default_factory=set)
    """The files an operation sends expecting no error."""
    _cli_inputs: dict[str, str] = field(default_factory=dict)
    """The files a policy engine's CLI test evaluates offline (a kyverno CLI test's resources, in the test's
    folder; a gator suite's case objects and inventories, in the suite's folder or below) -> why they are
    test inputs."""
    _chainsaw_folders: dict[str, tuple[str, tuple[str, ...]] | None] = field(default_factory=dict)
    """The folder of each chainsaw test -> (the test as shown, every string it and the step templates it uses
    hold), or None where a step template it uses cannot be read."""
    _sent: dict[str, list[tuple[str, int | None]]] = field(default_factory=dict)
    """(test as shown, position among the operations of its ``try`` blocks; None: a catch, finally or cleanup
    one) of each operation that sends a file's objects to the API server."""
    test_folders: list[str] = field(default_factory=list)
    """The folder of each chainsaw and kyverno CLI test, as displayed: each test is a deployment of its own
    (chainsaw deletes what a test made when it ends; ``kyverno test`` evaluates a test's policies on its own
    resources), so each folder is a deployment unit (k8slint.model.graph.units)."""

    @property
    def roles(self) -> dict[str, str]:
        """The files that are only assertions: absolute path -> what it is."""
        return {path: role for path, role in self._roles.items() if path not in self._applied}

    def asserted(self) -> tuple[tuple[str, ...], tuple[tuple[str | None, dict[str, Any]], ...]]:
        """What the assert files expect in the cluster (something, an operator or the test's own steps, makes it),
        each file read once:

        - ``Kind/name`` (``namespace/Kind/name`` where the file names one) of each object;
        - (namespace or None, data) of each custom resource among them (a cert-manager Certificate the operator
          makes): the names in it are names an operator makes.
        """
        identities: set[str] = set()
        resources: list[tuple[str | None, dict[str, Any]]] = []
        for path, roots in sorted(self._asserts.items()):
            if path in self._applied:
                continue  # linted as objects: what it holds is in the set itself
            for document in _documents(path, roots):
                identity = _identity(document)
                if identity is None:
                    continue
                identities.add(identity)
                api_version = document.get("apiVersion")
                if isinstance(api_version, str) and is_custom_resource(api_version):
                    namespace = document["metadata"].get("namespace")
                    resources.append((namespace if isinstance(namespace, str) else None, document))
        return tuple(sorted(identities)), tuple(resources)

    def merged_into(self, path: str) -> str | None:
        """The chainsaw test (as shown) whose earlier steps made every object of the file at ``path`` before a
        step ``apply``s it: chainsaw then merge-patches the live objects with the file (its apply operation
        gets the object and, when it exists, sends a JSON merge patch), so what the file leaves out is theirs.
        None where any test creates what the file holds."""
        path = os.path.abspath(path)
        return None if path in self._created else self._merged.get(path)

    def sent_at(self, path: str) -> tuple[tuple[str, int | None], ...]:
        """When the chainsaw tests send the file at ``path`` to the API server: (test as shown, position among
        that test's ``try`` operations, None where it is not known) of each operation that does."""
        return tuple(self._sent.get(os.path.abspath(path), ()))

    def test_input(self, path: str, built: bool = False) -> str | None:
        """Why the objects of the file at ``path`` never reach an API server that would accept them, where they do
        not: a test expects every operation that sends them to be refused, only a kyverno CLI test reads them, or
        the file lies in a chainsaw test's folder and nothing in the test names it (no operation, no script or
        command; ``built``: a kustomization there builds it, which a script may apply). None for any other file
        (one an operation applies and expects to be accepted among them)."""
        path = os.path.abspath(path)
        if path in self._accepted:
            return None
        if path in self._refused:
            return f"the chainsaw test {self._refused[path]} applies it expecting the API server to refuse it"
        if path in self._cli_inputs and path not in self._applied:
            return self._cli_inputs[path]
        test = self._chainsaw_folders.get(os.path.dirname(path))
        if test is not None and not built and path not in self._applied and path not in self._roles:
            shown, words = test
            name = os.path.basename(path)
            if not any(name in word for word in words):
                return f"no operation or script of the chainsaw test {shown} names it, so the test never applies it"
        return None

    def applies(self, path: str) -> bool:
        """Whether an operation of a test sends the file at ``path`` to the API server whole."""
        return os.path.abspath(path) in self._applied

    def role_of(self, path: str) -> str | None:
        path = os.path.abspath(path)
        return None if path in self._applied else self._roles.get(path)

    def add_suite(self, path: str, roots: Roots, display: str | None = None) -> None:
        """The assertions of the test or suite at ``path``; ``display``: how the file is shown, when a test there
        makes its folder a deployment unit (the objects beside it are shown from the same start)."""
        documents = _documents(path, roots)
        folder = os.path.dirname(os.path.abspath(path))
        shown = display if display is not None else display_path(path)
        if os.path.basename(path) in KYVERNO_TEST_NAMES:
            if self._add_kyverno_test(path, folder, shown, documents, roots) and display is not None:
                self.test_folders.append(os.path.dirname(display))
            return
        for document in documents:
            if not isinstance(document, dict) or not isinstance(document.get("apiVersion"), str):
                continue
            api_version, kind = document["apiVersion"], document.get("kind")
            if api_version.startswith("test.gatekeeper.sh/") and kind == "Suite":
                self._add_gator_suite(document, folder, shown, roots)
            elif api_version.startswith("chainsaw.kyverno.io/") and kind == "Test":
                if display is not None and os.path.dirname(display) not in self.test_folders[-1:]:
                    self.test_folders.append(os.path.dirname(display))
                made: set[tuple[str, str | None, str]] = set()
                words = _named_in(document, folder, roots)
                entry = None if words is None else (shown, words)
                if folder in self._chainsaw_folders:  # two tests in one folder: what either names
                    before = self._chainsaw_folders[folder]
                    entry = None if before is None or entry is None else (before[0], before[1] + entry[1])
                self._chainsaw_folders[folder] = entry
                sent = 0
                spec = document.get("spec")
                namespace = spec.get("namespace") if isinstance(spec, dict) else None
                for operation, pattern, block in _chainsaw_files(document):
                    for target in _matches(folder, pattern, roots):
                        if operation in _APPLYING:
                            self._applied.add(target)
                            if block == "refused":
                                self._refused.setdefault(target, shown)
                            else:
                                self._accepted.add(target)
                            self._sent.setdefault(target, []).append((shown, sent if block in ("try", "refused") else None))
                            sent += block in ("try", "refused")
                            self._follow(target, operation, block, made, (shown, namespace if isinstance(namespace, str) else None), roots)
                        else:
                            self._add(target, operation == "assert", f"the chainsaw test {shown}", roots)
                            if operation == "assert" and block == "try":
                                # chainsaw's assert waits until the objects are there (the test fails otherwise): from
                                # then on they exist, whoever made them (the operator under test)
                                test_namespace = namespace if isinstance(namespace, str) else None
                                asserted = (_name_of(document, test_namespace) for document in _documents(target, roots))
                                made.update(name for name in asserted if name is not None)
            elif api_version.startswith("kuttl.dev/") and kind == "TestSuite":
                for test_dir in document.get("testDirs") or ():
                    if isinstance(test_dir, str):
                        self._add_kuttl_dir(os.path.normpath(os.path.join(folder, test_dir)), shown, roots)

    def _follow(
        self, target: str, operation: str, block: str, made: set[tuple[str, str | None, str]], test: tuple[str, str | None], roots: Roots
    ) -> None:
        """Keep what a test's operations have made so far, in the order they run: an ``apply`` of a file whose
        every object is made already (by an earlier operation, or asserted by an earlier ``assert``, which
        waits until it exists) merges into them; any other operation creates (or replaces) them.
        ``test``: the test as shown, and the namespace it puts objects that name none in (its own, or
        ``spec.namespace``)."""
        if block != "try":
            # catch, finally and cleanup run when they run: no order to rely on; an operation meant to be refused
            # makes nothing
            self._created.add(target)
            return
        shown, namespace = test
        names = {_name_of(document, namespace) for document in _documents(target, roots)}
        if operation == "apply" and names and None not in names and names <= made:
            self._merged.setdefault(target, shown)
        else:
            self._created.add(target)
        made.update(name for name in names if name is not None)

    def _add_kyverno_test(self, path: str, folder: str, shown: str, documents: list[Any], roots: Roots) -> bool:
        """A kyverno CLI test: the file and the CLI input files it names (not its policies and resources).
        False when the file is not one."""
        tests = [d for d in documents if isinstance(d, dict) and d.get("kind", "Test") == "Test" and ("policies" in d or "results" in d)]
        if not tests:
            return False  # not the CLI's test (it would refuse the file): judged by its content
        api_version = tests[0].get("apiVersion")
        written = f" ({clip(str(api_version), 80)})" if api_version is not None else ""
        self._roles.setdefault(os.path.abspath(path), f"a kyverno CLI test{written}: `kyverno test` reads it, it is not an API object")
        for test in tests:
            for key in _KYVERNO_INPUTS:
                name = test.get(key)
                if isinstance(name, str) and name and "://" not in name:
                    target = os.path.normpath(os.path.join(folder, name))
                    if roots.contains(os.path.realpath(target)):
                        self._roles.setdefault(
                            target, f"the {key} file of the kyverno CLI test {shown}: the CLI's input, not an API object"
                        )
            names = [name for key in _KYVERNO_RESOURCES for name in _strings(test.get(key))]
            results = test.get("results")
            for result in results if isinstance(results, list) else ():
                if isinstance(result, dict):
                    names += [name for key in _KYVERNO_RESULT_FILES for name in _strings(result.get(key))]
            for name in names:
                target = os.path.normpath(os.path.join(folder, name))
                if target.startswith(folder + os.sep) and roots.contains(os.path.realpath(target)):
                    self._cli_inputs.setdefault(
                        target, f"a resource of the kyverno CLI test {shown}, which never sends it to an API server"
                    )
        return True

    def _add_gator_suite(self, suite: dict[str, Any], folder: str, shown: str, roots: Roots) -> None:
        """A gator suite's case objects and inventories (its templates and constraints are linted as objects)."""
        tests = suite.get("tests")
        for test in tests if isinstance(tests, list) else ():
            cases = test.get("cases") if isinstance(test, dict) else None
            for case in cases if isinstance(cases, list) else ():
                if not isinstance(case, dict):
                    continue
                named = [(case.get("object"), "the object of a case")] + [
                    (name, "an inventory object of a case") for name in _strings(case.get("inventory"))
                ]
                for name, what in named:
                    if not isinstance(name, str) or not name or "://" in name:
                        continue
                    target = os.path.normpath(os.path.join(folder, name))
                    if target.startswith(folder + os.sep) and roots.contains(os.path.realpath(target)):
                        self._cli_inputs.setdefault(
                            target,
                            f"{what} of the gator suite {shown}, which gator verify reviews offline and never sends to an API server",
                        )

    def _add_kuttl_dir(self, test_dir: str, suite: str, roots: Roots) -> None:
        if not roots.contains(os.path.realpath(test_dir)):
            return  # a testDirs entry outside the linted paths is not listed
        try:
            cases = sorted(os.scandir(test_dir), key=lambda entry: entry.name)
        except OSError:
            return
        for case in cases:
            if not case.is_dir(follow_symlinks=False):
                continue
            try:
                names = sorted(entry.name for entry in os.scandir(case.path))
            except OSError:
                continue
            for name in names:
                match = _KUTTL_ASSERTION.fullmatch(name)
                if match is not None:
                    self._add(os.path.join(case.path, name), match.group(1) == "assert", f"the kuttl suite {suite}", roots)

    def _add(self, target: str, asserts: bool, test: str, roots: Roots) -> None:
        """``target`` is an assertion of ``test``: an object that must exist (``asserts``), or one that must not."""
        if asserts:
            self._asserts.setdefault(target, roots)
        what = "an assertion" if asserts else "an error assertion (must not exist)"
        self._roles.setdefault(target, f"{what} of {test}: matched against the cluster, never applied")


def _named_in(document: dict[str, Any], folder: str, roots: Roots) -> tuple[str, ...] | None:
    """Every string a chainsaw test holds, and the step templates its steps use (``use: {template: FILE}``: a
    StepTemplate whose operations run as the step's, naming files literally or through the step's bindings);
    None where a template lies outside the linted paths or cannot be read: what it names is not known."""
    words = list(_strings_in(document))
    spec = document.get("spec")
    steps = spec.get("steps") if isinstance(spec, dict) else None
    for step in steps if isinstance(steps, list) else ():
        use = step.get("use") if isinstance(step, dict) else None
        if use is None:
            continue
        template = use.get("template") if isinstance(use, dict) else None
        if not isinstance(template, str) or "://" in template:
            return None
        path = os.path.normpath(os.path.join(folder, template))
        if not roots.contains(os.path.realpath(path)) or not os.path.isfile(path):
            return None
        documents = _documents(path, roots)
        if not documents:
            return None
        words += _strings_in(documents)
    return tuple(words)


def _strings_in(value: Any) -> Iterator[str]:
    """Every string a YAML document holds (keys and values): what a script or a command may name a file in."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(str(key) for key in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _strings(value: Any) -> list[str]:
    """The file names a key of a kyverno CLI test gives: one string, or a list of them (URLs left out)."""
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [name for name in names if isinstance(name, str) and name and "://" not in name]


def _documents(path: str, roots: Roots) -> list[Any]:
    from k8slint.sources.yamlsafe import file_data

    return file_data(path, roots, MAX_TEST_FILE_SIZE)


def _identity(document: Any) -> str | None:
    """``Kind/name``, or ``namespace/Kind/name`` where the document names its namespace; None without both."""
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        return None
    kind, metadata = document.get("kind"), document["metadata"]
    name, namespace = metadata.get("name"), metadata.get("namespace")
    if not isinstance(kind, str) or not isinstance(name, str) or "/" in kind + name:
        return None
    return f"{namespace}/{kind}/{name}" if isinstance(namespace, str) and "/" not in namespace else f"{kind}/{name}"


def _name_of(document: Any, default_namespace: str | None) -> tuple[str, str | None, str] | None:
    """(kind, namespace, name) of a document, its namespace ``default_namespace`` where it names none; None
    without a kind and a name."""
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        return None
    kind, metadata = document.get("kind"), document["metadata"]
    name, namespace = metadata.get("name"), metadata.get("namespace")
    if not isinstance(kind, str) or not isinstance(name, str):
        return None
    return kind, namespace if isinstance(namespace, str) else default_namespace, name


def _chainsaw_files(document: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(operation, file pattern, block) of each ``assert``, ``error``, ``apply``, ``create`` and ``update`` with
    a ``file`` in a chainsaw Test, in the order the test runs them; the block is ``refused`` for an operation
    whose ``expect`` checks its error (in a ``try`` block or not: it makes nothing either way)."""
    spec = document.get("spec")
    if not isinstance(spec, dict):
        return
    steps = spec.get("steps")
    for step in steps if isinstance(steps, list) else ():
        if not isinstance(step, dict):
            continue
        for block in _BLOCKS:
            for operation in step.get(block) or ():
                if not isinstance(operation, dict):
                    continue
                for name in (*_ASSERTIONS, *_APPLYING):
                    entry = operation.get(name)
                    if not isinstance(entry, dict):
                        continue
                    file = entry.get("file")
                    if isinstance(file, str) and file and "://" not in file:
                        yield name, file, block if not _expects_error(entry) else "refused"


def _expects_error(entry: dict[str, Any]) -> bool:
    """Whether an operation's ``expect`` checks its ``$error`` (``($error != null): true``, ``($error): <text>``):
    the test means it to be refused, so it makes nothing."""
    expect = entry.get("expect")
    return isinstance(expect, list) and any(
        isinstance(check, dict) and isinstance(check.get("check"), dict) and any("$error" in str(key) for key in check["check"])
        for check in expect
    )


def _matches(folder: str, pattern: str, roots: Roots) -> list[str]:
    """The files ``pattern`` names, relative to the test's folder (chainsaw expands globs in ``file``); a glob
    is expanded only inside the linted paths, and only files there are kept."""
    joined = os.path.normpath(os.path.join(folder, pattern))
    if not glob.has_magic(pattern):
        return [joined]
    parts = Path(joined).parts
    fixed = os.path.join(*parts[: next(i for i, part in enumerate(parts) if glob.has_magic(part))])
    if not roots.contains(os.path.realpath(fixed)):
        return []
    return sorted(os.path.abspath(p) for p in glob.glob(joined) if os.path.isfile(p) and roots.contains(os.path.realpath(p)))


# ---------------------------------------------------------------------------
# Test harnesses written in Go, and expected outputs named as such.

GO_CONFORMANCE_MARK = "ConformanceTest{"
"""What a Go file that declares Gateway API conformance tests holds (sigs.k8s.io/gateway-api/conformance/utils/suite:
``suite.ConformanceTest{ShortName: ..., Manifests: []string{"tests/x.yaml"}, Test: ...}``)."""
_GO_MANIFESTS = re.compile(r"\bManifests:\s*\[\]string\s*\{([^}]*)\}")
_GO_SHORT_NAME = re.compile(r'\bShortName:\s*"([^"\\\n]+)"')
_GO_STRING = re.compile(r'"([^"\\\n]+)"')
MAX_GO_FILE_SIZE = 512 * 1024
MAX_GO_BYTES = 32 * 1024 * 1024
"""What the Go files read in one run hold at most (those beside the manifests, which may declare conformance
tests): a repository of Go code with manifests in its package folders costs a bounded read."""
_EXPECTED_WORD = re.compile(r"(?:^|[-_.])[Ee]xpected(?:$|[-_.A-Z0-9])")
"""A file name with the word ``expected`` (``expected.yaml``, ``expected-output.yaml``, ``expectedPipeline.yaml``):
the output a test compares what it produces with (argo-rollouts' test/kustomize/*/expected.yaml, diffed with
``kustomize build`` of its folder; skaffold's ``expectedPipeline.yaml``), not objects to apply."""


class GoConformanceTests:
    """The manifests Gateway API conformance tests apply, from the Go files beside them that declare the tests.

    The conformance suite applies each test's ``Manifests`` to a cluster and asserts the status the
    implementation under test gives them: many are made unattached, unresolved or refused on purpose
    (``httproute-invalid-nonexistent-backendref.yaml``, routes whose parent Gateway exists nowhere), and the
    test passes only when the implementation says so. The paths are relative to the suite's embedded file
    system (``tests/x.yaml``): a manifest whose path ends with one is that test's input.
    """

    def __init__(self) -> None:
        self._manifests: dict[str, list[tuple[str, str]]] = {}
        """Base name -> (the path as the Go file writes it, the test that applies it) of each manifest."""
        self._folders: set[str] = set()
        self.read = 0
        """Bytes of Go read so far."""

    def read_folder(self, folder: str, roots: Roots, shown: str) -> None:
        """Read the Go files of ``folder`` (inside ``roots``; ``shown`` as the report shows it) that declare
        conformance tests."""
        folder = os.path.abspath(folder)
        if folder in self._folders or self.read >= MAX_GO_BYTES:
            return
        self._folders.add(folder)
        try:
            names = sorted(
                entry.name for entry in os.scandir(folder) if entry.name.endswith(".go") and entry.is_file(follow_symlinks=False)
            )
        except OSError:
            return
        for name in names:
            if self.read >= MAX_GO_BYTES:
                return
            path = os.path.join(folder, name)
            try:
                raw = read_bytes(path, roots, MAX_GO_FILE_SIZE)
            except (OSError, Skipped, TooLarge):
                continue
            self.read += len(raw)
            text = raw.decode("utf-8", "replace")
            if GO_CONFORMANCE_MARK in text:
                self._add(text, display_path(os.path.join(shown, name)))

    def _add(self, text: str, shown: str) -> None:
        for declaration in text.split(GO_CONFORMANCE_MARK)[1:]:
            manifests = _GO_MANIFESTS.search(declaration)
            if manifests is None:
                continue
            short = _GO_SHORT_NAME.search(declaration[: manifests.start()] + declaration[manifests.end() :])
            test = f"the Gateway API conformance test {short.group(1) if short else '(unnamed)'} ({shown})"
            for literal in _GO_STRING.findall(manifests.group(1)):
                written = os.path.normpath(literal)
                if not os.path.isabs(written) and not written.startswith(os.pardir):
                    self._manifests.setdefault(os.path.basename(written), []).append((written, test))

    def test_input(self, path: str) -> str | None:
        """Why the objects of the file at ``path`` are a conformance test's input, when they are."""
        path = os.path.abspath(path)
        for written, test in self._manifests.get(os.path.basename(path), ()):
            if path.endswith(os.sep + written):
                return f"{test} applies it to see how an implementation handles it"
        return None


_COMPARE_FOLDERS = frozenset({"compare", "expected", "expectations"})
_TEST_TREE = re.compile(r"(?:.*[-_.])?e2e(?:[-_.].*)?|tests?|testing|integration", re.IGNORECASE)
"""A folder name of a test tree (matched whole): ``e2e-tests``, ``test-e2e``, ``e2e``, ``tests``."""


def expected_output(path: str) -> str | None:
    """Why the file at ``path`` is a test's expected output, when its name or its folder says so: a ``compare``
    (or ``expected``) folder of an end-to-end test tree holds what a harness diffs the cluster's objects with
    (percona-server-mongodb-operator's e2e-tests/<test>/compare/*.yml: ``kubectl get -o yaml`` output, stripped of
    the fields that change, compared with ``diff -u`` by e2e-tests/functions)."""
    stem = os.path.basename(path).rsplit(".", 1)[0]
    if _EXPECTED_WORD.search(stem):
        return "its name says it is the expected output a test compares with, and no kustomization builds it"
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.basename(folder) in _COMPARE_FOLDERS:
        above = folder.split(os.sep)[:-1][-3:]  # the test's folder and the tree above it
        if any(_TEST_TREE.fullmatch(part) for part in above):
            return (
                f"it lies in the {os.path.basename(folder)!r} folder of an end-to-end test, which holds the objects a test "
                "compares what the cluster made with, and no kustomization builds it"
            )
    return None


def form_to_fill(path: str, documents: list[Any]) -> str | None:
    """Why the file at ``path`` is a form a test harness fills before it applies it, when its place and its content
    both say so: it lies in a test tree (``e2e-tests``, ``test``, ``integration``), and one of its objects writes
    ``metadata.name`` or an ``image`` with no value at all (``name:``), a slot kept for the harness to fill.
    percona-server-mongodb-operator's e2e-tests/<test>/conf/*.yml are such forms: e2e-tests/functions pipes each through
    ``yq`` and ``sed`` to set the name, the images and the restore's point in time before ``kubectl apply``. An object
    that merely lacks the field is no form (it may be a real mistake): only a key written with no value counts. So is
    an object of a test tree that writes its spec empty (``spec: {}``, or ``spec:`` with nothing): crossplane's
    test/e2e/manifests/pkg/**/*.yaml (``# We don't install this directly, but we do use it to ...``) are Providers and
    their revisions the e2e framework only names to wait for the conditions the package manager gives them, and to
    delete them."""
    tree = next((part for part in _folders_in_repository(os.path.dirname(os.path.abspath(path))) if _TEST_TREE.fullmatch(part)), None)
    if tree is None:
        return None
    for data in documents:
        blank = _blank_field(data)
        if blank is not None:
            return f"it lies in the test tree {tree!r} and leaves {blank} blank, a form the test fills before it applies it"
    for data in documents:
        if isinstance(data, dict) and "spec" in data and data["spec"] in ({}, None):
            return (
                f"it lies in the test tree {tree!r} and writes its spec empty: a handle the test names the object by (to "
                "wait for what a controller makes, to delete it), not an object it applies as written"
            )
    return None


@functools.lru_cache(maxsize=1024)
def _folders_in_repository(folder: str) -> tuple[str, ...]:
    """The folders from the repository's root (else the working directory, else the last three) down to ``folder``:
    a checkout under a ``tests`` folder of the machine's is no test tree."""
    root = repository_root(folder)
    base = str(root) if root is not None else os.getcwd()
    relative = os.path.relpath(folder, base)
    if relative == ".":
        return ()
    parts = tuple(relative.split(os.sep))
    return parts[-3:] if parts[0] == os.pardir else parts


def _blank_field(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and "name" in metadata and metadata["name"] is None:
        return "metadata.name"
    pending: list[tuple[Any, int]] = [(data.get("spec"), 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            if "image" in node and node["image"] is None:
                return "an image"
            if depth < 8:
                pending.extend((value, depth + 1) for value in node.values() if isinstance(value, (dict, list)))
        elif isinstance(node, list) and depth < 8:
            pending.extend((value, depth + 1) for value in node if isinstance(value, (dict, list)))
    return None
