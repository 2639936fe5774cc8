"""What kustomize makes of a repository's files, read from its kustomizations (nothing is built here).

A kustomization names three sorts of files. Resources are Kubernetes objects
(linted as objects; their kustomization may add labels, a namespace or a name
prefix when built). Patches, transformer/generator/validator configs,
replacements, OpenAPI schemas and Helm values files are
kustomize's own input: never applied as they are, so never linted as objects.
The files of a ``configMapGenerator`` or ``secretGenerator`` become ConfigMap or
Secret data; they are left to what they hold (a whole Pod manifest kept there
for a controller to create is linted as one; an app's settings file is some
other tool's YAML).
Components and bases are folders with a kustomization of their own.

Only local paths are followed; a remote base (``github.com/...``, a URL) is
never fetched. Every kustomization is read through :mod:`k8slint.sources.safefs`
(regular files inside the linted roots only).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from k8slint.model.objects import TARGET_PREFIX
from k8slint.model.positions import PositionTree, locate
from k8slint.model.values import dig, mapping, sequence, string
from k8slint.sources.kustomize_names import KUSTOMIZATION_NAMES
from k8slint.sources.safefs import Roots, Skipped, TooLarge, display_path, read_bytes

T = TypeVar("T")
MAX_KUSTOMIZATION_SIZE = 1024 * 1024
MAX_KUSTOMIZATIONS = 10_000

# field -> what a file it names is, for the list fields whose entries are paths (or inline documents)
_PATH_LISTS = {
    "patchesStrategicMerge": "a kustomize strategic-merge patch",
    "configurations": "a kustomize transformer configuration",
    "generators": "a kustomize generator configuration",
    "transformers": "a kustomize transformer configuration",
    "validators": "a kustomize validator configuration",
}
# field -> what the ``path`` of each of its entries is
_PATH_ENTRIES = {
    "patches": "a kustomize patch",
    "patchesJson6902": "a kustomize JSON 6902 patch",
    "replacements": "a kustomize replacements file",
}


def is_remote(entry: str, folder: str) -> bool:
    """A resource or base kustomize would fetch: a URL, or a ``host.tld/org/repo`` reference that is
    no local path (kustomize tries the local path first)."""
    if "://" in entry or entry.startswith("git@"):
        return True
    head = entry.split("/", 1)[0]
    if entry.startswith((".", "/")) or "/" not in entry or "." not in head:
        return False
    return not os.path.lexists(os.path.join(folder, entry))


def _changes_kind(entry: dict[str, Any]) -> bool:
    return mapping(entry.get("options")).get("allowKindChange") is True


def _key(path: str) -> str:
    return os.path.abspath(path)


PatchFact = tuple[str, str, str, str]
"""(kind, name, what, detail) of what a kustomize patch does to an object of a file: see KustomizeMap.patched_for."""
_PLAIN_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class Patch:
    """A patch a kustomization applies: where it is named, its file (None: written inline), its target."""

    where: tuple[Any, ...]
    path: str | None
    target: dict[str, Any] | None
    changes_kind: bool = False
    """``options: {allowKindChange: true}``: the patch may give the objects its target selects another kind."""


@dataclass(slots=True)
class Kustomization:
    path: str
    """The kustomization file, as found (for messages)."""
    resources: list[str] = field(default_factory=list)
    """Local resources, bases and components (files or folders), as absolute paths."""
    inputs: dict[str, str] = field(default_factory=dict)
    """Files that are kustomize's own input (patches, configs, generator files; absolute paths) -> what each is."""
    sets_namespace: bool = False
    """``namespace:``: the namespace transformer fills in the namespace of every object and reference."""
    adds_selector_labels: bool = False
    """``commonLabels`` (or ``labels`` with ``includeSelectors``): added to selectors and pod templates too."""
    remote: list[tuple[tuple[Any, ...], str]] = field(default_factory=list)
    """(field path, entry) of each resource, base or component kustomize would fetch."""
    missing: list[tuple[tuple[Any, ...], str]] = field(default_factory=list)
    """(field path, entry) of each local file or folder named that does not exist."""
    components: list[str] = field(default_factory=list)
    """Local components (absolute folder paths): their patches apply to this kustomization's resources."""
    images: list[str] = field(default_factory=list)
    """The image names its ``images:`` entries give a new name, tag or digest."""
    untagged_images: list[str] = field(default_factory=list)
    """Those of ``images`` whose entry gives neither a digest nor a tag other than ``latest`` (``newTag: latest``,
    or a newName alone): what the build deploys still floats."""
    vars: list[str] = field(default_factory=list)
    """The names of its ``vars:`` (kustomize replaces ``$(NAME)`` with their values when it builds)."""
    generated: list[tuple[str, str]] = field(default_factory=list)
    """(kind, name) of each ConfigMap and Secret its configMapGenerator and secretGenerator make."""
    patches: list[Patch] = field(default_factory=list)
    """Every patch, in the order the kustomization lists them (per field)."""
    generator_files: dict[str, str] = field(default_factory=dict)
    """Files a configMapGenerator or secretGenerator turns into data (absolute paths) -> which generator."""
    disabled: list[str] = field(default_factory=list)
    """Local files named only in commented-out list entries (``# - manager_webhook_patch.yaml``,
    as kubebuilder's scaffolds leave them): kustomize does not read them."""
    inline_duplicates: list[tuple[int, int, str, int]] = field(default_factory=list)
    """(line, column, key, line of the first) of each key written twice in an inline patch, in the
    kustomization's lines: kustomize refuses the patch (``mapping key already defined``)."""
    named: list[tuple[tuple[Any, ...], str, str]] = field(default_factory=list)
    """(field path, entry, absolute path) of each local file or folder it names: what its build reads."""
    data: dict[str, Any] = field(default_factory=dict)
    tree: PositionTree | None = None
    roots: Roots | None = None
    """The linted roots it was read within (what a build of it may read)."""

    @property
    def key(self) -> str:
        return _key(self.path)

    @property
    def folder(self) -> str:
        return os.path.dirname(self.key)

    def line_of(self, path: tuple[Any, ...]) -> tuple[int, int]:
        """The 1-based (line, column) of a field of the kustomization (its first line without positions)."""
        if self.tree is None:
            return 1, 1
        line, column, _ = locate(self.tree, path)
        return line, column


def _strings(value: Any) -> Iterator[str]:
    return (item for item in sequence(value) if isinstance(item, str))


def _is_path(entry: str) -> bool:
    """A list entry that names a file, not an inline YAML document (kustomize accepts both)."""
    return "\n" not in entry and ":" not in entry.split("/", 1)[0] and bool(entry.strip())


def parse_kustomization(path: str, data: Any, tree: PositionTree | None = None) -> Kustomization:
    """The files a kustomization (already parsed) names, relative to its folder."""
    found = Kustomization(os.path.normpath(path), tree=tree)
    if not isinstance(data, dict):
        return found
    found.data = data
    folder = found.folder

    def local(entry: str) -> str:
        return _key(os.path.join(folder, entry))

    def named(path: str, what: str, where: tuple[Any, ...], entry: str) -> None:
        if "://" in entry:  # kustomize loads a patch or config from a URL too: remote, never fetched
            found.remote.append((where, entry))
            return
        found.inputs.setdefault(path, what)
        found.named.append((where, entry, path))
        if not os.path.lexists(path):
            found.missing.append((where, entry))

    for name in ("resources", "bases", "components", "crds"):
        for index, entry in enumerate(sequence(data.get(name))):
            if not isinstance(entry, str):
                continue
            if is_remote(entry, folder):
                found.remote.append(((name, index), entry))
                continue
            found.resources.append(local(entry))
            found.named.append(((name, index), entry, local(entry)))
            if name == "components":
                found.components.append(local(entry))
            if not os.path.lexists(local(entry)):
                found.missing.append(((name, index), entry))
    for name, what in _PATH_LISTS.items():
        for index, entry in enumerate(sequence(data.get(name))):
            if isinstance(entry, str) and _is_path(entry):
                named(local(entry), what, (name, index), entry)
                if name == "patchesStrategicMerge":
                    found.patches.append(Patch((name, index), local(entry), None))
            elif isinstance(entry, str) and name == "patchesStrategicMerge":
                found.patches.append(Patch((name, index), None, None))
    for name, what in _PATH_ENTRIES.items():
        for index, entry in enumerate(sequence(data.get(name))):
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                named(local(entry["path"]), what, (name, index, "path"), entry["path"])
                if name != "replacements":
                    found.patches.append(
                        Patch((name, index), local(entry["path"]), mapping(entry.get("target")) or None, _changes_kind(entry))
                    )
            elif isinstance(entry, dict) and name != "replacements" and isinstance(entry.get("patch"), str):
                found.patches.append(Patch((name, index, "patch"), None, mapping(entry.get("target")) or None, _changes_kind(entry)))
            elif isinstance(entry, str) and _is_path(entry):
                # the older spelling (`patches: [file.yaml]`): a patch all the same, whether or not
                # the kustomize in use still reads it
                named(local(entry), what, (name, index), entry)
    schema = string(mapping(data.get("openapi")).get("path"))
    if schema is not None:
        found.inputs.setdefault(local(schema), "an OpenAPI schema for kustomize")
        found.named.append((("openapi", "path"), schema, local(schema)))
    for chart in sequence(data.get("helmCharts")):
        chart = mapping(chart)
        values = [
            *([chart["valuesFile"]] if isinstance(chart.get("valuesFile"), str) else []),
            *_strings(chart.get("additionalValuesFiles")),
        ]
        for file in values:
            found.inputs.setdefault(local(file), "a Helm values file of a kustomize helmCharts entry")
    for generator in ("configMapGenerator", "secretGenerator"):
        for index, entry in enumerate(sequence(data.get(generator))):
            entry = mapping(entry)
            name = string(entry.get("name")) or "?"
            if string(entry.get("name")) is not None:
                found.generated.append(("ConfigMap" if generator == "configMapGenerator" else "Secret", name))
            named_files: list[tuple[tuple[Any, ...], str]] = [
                (("files", i), f.split("=", 1)[-1]) for i, f in enumerate(sequence(entry.get("files"))) if isinstance(f, str)
            ]
            named_files += [(("envs", i), f) for i, f in enumerate(sequence(entry.get("envs"))) if isinstance(f, str)]
            if isinstance(entry.get("env"), str):
                named_files.append((("env",), entry["env"]))
            for where, file in named_files:
                if "://" in file:
                    continue
                found.generator_files.setdefault(local(file), f"{generator} {name}")
                found.named.append(((generator, index, *where), file, local(file)))
                if not os.path.lexists(local(file)):
                    found.missing.append(((generator, index, *where), file))
    found.vars = [entry["name"] for entry in map(mapping, sequence(data.get("vars"))) if isinstance(entry.get("name"), str)]
    for entry in sequence(data.get("images")):
        entry = mapping(entry)
        if isinstance(entry.get("name"), str) and any(key in entry for key in ("newName", "newTag", "digest")):
            found.images.append(entry["name"])
            if not entry.get("digest") and str(entry.get("newTag") or "latest") == "latest":
                found.untagged_images.append(entry["name"])
    found.sets_namespace = string(data.get("namespace")) is not None
    found.adds_selector_labels = bool(mapping(data.get("commonLabels"))) or any(
        mapping(entry).get("includeSelectors") is True and mapping(entry).get("pairs") for entry in sequence(data.get("labels"))
    )
    return found


# A list entry switched off with a comment: `# - file.yaml`, `#- path: file.yaml`, with a remark after it or not
# (velero's design/CLI/PoC plugins: `# - azure-plugin.yaml # this patches the Velero deployment`)
# An entry commented out, with a marker word a script's sed removes between the # and the dash: kserve's
# config/overlays/version-template `#ENABLE_KSERVE - path: manager_image_patch.yaml`
_COMMENTED_ENTRY = re.compile(
    r"^[ \t]*#+[ \t]*(?:[A-Za-z][A-Za-z0-9_]*[ \t]+)?-[ \t]*(?:path:[ \t]*)?([^\s#'\"]+\.(?:ya?ml|json))[ \t]*(?:[ \t]#.*)?$",
    re.MULTILINE,
)


_TOP_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9]*)[ \t]*:", re.MULTILINE)
# A top-level field switched off with its entries: `#patchesStrategicMerge:` above `#- manager_image_patch.yaml`
# (kubebuilder's config/default), which kustomize reads as comments, the field's name included
_COMMENTED_KEY = re.compile(r"^#+[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*:[ \t]*$", re.MULTILINE)
_KUSTOMIZATION_FIELDS = frozenset(
    {
        *_PATH_LISTS,
        *_PATH_ENTRIES,
        "resources",
        "bases",
        "components",
        "crds",
        "configMapGenerator",
        "secretGenerator",
        "helmCharts",
        "openapi",
        "vars",
        "images",
        "replicas",
    }
)
WHOLE_OBJECT_SECTIONS = frozenset({"resources", "crds", "bases"})
"""Sections whose entries are whole manifests: one commented out there is still a file of objects (applied
some other way, as a Makefile's kubectl apply -f), not a patch that makes sense only inside the build."""


def commented_out(kustomization: Kustomization, text: str) -> list[str]:
    """The local files that the kustomization's text names only in commented-out list entries of its
    patch and input sections (kubebuilder's ``#- manager_webhook_patch.yaml``), under the field or under
    the field's own name commented out with them (``#patchesStrategicMerge:``); an entry commented out
    under ``resources:`` names whole objects and is not counted."""
    used = {*kustomization.resources, *kustomization.inputs, *kustomization.generator_files}
    sections = sorted(
        [(match.start(), match.group(1)) for match in _TOP_KEY.finditer(text)]
        + [(match.start(), match.group(1)) for match in _COMMENTED_KEY.finditer(text) if match.group(1) in _KUSTOMIZATION_FIELDS]
    )
    found = []
    for match in _COMMENTED_ENTRY.finditer(text):
        section = next((key for start, key in reversed(sections) if start < match.start()), None)
        if section in WHOLE_OBJECT_SECTIONS:
            continue
        path = _key(os.path.join(kustomization.folder, match.group(1)))
        if path not in used and os.path.isfile(path):
            found.append(path)
    return found


def read_kustomization(path: str, roots: Roots) -> Kustomization | None:
    """A kustomization file read and parsed; None when it cannot be read or is not YAML (its own
    findings, if it is an input file too, come from reading it there)."""
    from k8slint.sources.yamlsafe import load_documents

    try:
        raw = read_bytes(path, roots, MAX_KUSTOMIZATION_SIZE)
        text = raw.decode("utf-8-sig")
    except (OSError, Skipped, TooLarge, UnicodeDecodeError):
        return None
    documents, errors, _ = load_documents(text)
    if errors or not documents:
        return None
    found = parse_kustomization(path, documents[0].data, documents[0].tree)
    found.roots = roots
    if "#" in text:
        found.disabled = commented_out(found, text)
    found.inline_duplicates = _inline_duplicates(found, text)
    return found


_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*[ \t]*(#.*)?$")


def _inline_duplicates(kustomization: Kustomization, text: str) -> list[tuple[int, int, str, int]]:
    """The keys written twice in the kustomization's inline patches, placed on its own lines.

    A patch written as a block scalar (``patch: |-``) starts on the line after its indicator, at the
    indentation of its first line; any other (a quoted string) is placed on the line that holds it.
    """
    from k8slint.sources.yamlsafe import load_documents

    found: list[tuple[int, int, str, int]] = []
    lines = text.splitlines()
    for patch in kustomization.patches:
        value = dig(kustomization.data, patch.where) if patch.path is None else None
        if not isinstance(value, str) or ":" not in value:
            continue
        _, _, duplicates = load_documents(value)
        if not duplicates:
            continue
        line, column = kustomization.line_of(patch.where)
        holder = lines[line - 1] if 0 < line <= len(lines) else ""
        block = _BLOCK_SCALAR.search(holder) is not None and line < len(lines)
        indent = len(lines[line]) - len(lines[line].lstrip(" ")) if block else column - 1
        for dup in duplicates:
            if block:
                found.append((line + dup.line, indent + dup.column, dup.key, line + dup.first_line))
            else:
                found.append((line, column, dup.key, line))
    return found


_PATCH_WORD = re.compile(r"(?:^|[-_.])patch(?:es)?(?:[-_.]|$)", re.IGNORECASE)
"""``patch`` as a word of a file's name: manager_webhook_patch, patch-replicas, patches.prod."""


@dataclass(slots=True)
class KustomizeMap:
    """Every kustomization found, and what each file they name is."""

    kustomizations: dict[str, Kustomization] = field(default_factory=dict)
    _inputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    _generator_files: dict[str, tuple[str, str]] = field(default_factory=dict)
    _disabled: dict[str, str] = field(default_factory=dict)
    _vars: dict[str, frozenset[str]] = field(default_factory=dict)
    _generated: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    _patch_documents: dict[str, list[tuple[Patch, dict[str, Any]]]] = field(default_factory=dict)
    _facts: dict[str, frozenset[PatchFact]] = field(default_factory=dict)
    _included_by: dict[str, set[str]] = field(default_factory=dict)
    _script_patches: dict[str, tuple[str, str]] = field(default_factory=dict)
    _patches_crds: dict[str, bool] = field(default_factory=dict)

    def add(self, kustomization: Kustomization) -> None:
        key = kustomization.key
        if key in self.kustomizations or len(self.kustomizations) >= MAX_KUSTOMIZATIONS:
            return
        self.kustomizations[key] = kustomization
        for path, what in kustomization.inputs.items():
            self._inputs.setdefault(path, (what, kustomization.path))
        for resource in kustomization.resources:
            self._included_by.setdefault(resource, set()).add(key)
        for path, generator in kustomization.generator_files.items():
            self._generator_files.setdefault(path, (generator, kustomization.path))
        for path in kustomization.disabled:
            self._disabled.setdefault(path, kustomization.path)

    def is_kustomization(self, path: str) -> bool:
        return _key(path) in self.kustomizations

    def is_used(self, kustomization: Kustomization) -> bool:
        """Whether another kustomization uses this one's folder as a resource, base or component."""
        return bool(self._included_by.get(kustomization.folder))

    def in_folder(self, folder: str) -> Kustomization | None:
        """The kustomization of ``folder`` (an absolute path), if one was read."""
        for name in KUSTOMIZATION_NAMES:
            found = self.kustomizations.get(os.path.join(folder, name))
            if found is not None:
                return found
        return None

    def input_role(self, path: str) -> str | None:
        """What ``path`` is to kustomize, when a kustomization names it as its own input (not a resource),
        or names it only in a commented-out entry (and none uses it)."""
        key = _key(path)
        found = self._inputs.get(key)
        if found is not None:
            what, by = found
            return f"{what} named by {by}"
        added = self._script_patches.get(key)
        if added is not None and key not in self._included_by:
            makefile, by = added
            return f"a patch that {makefile} adds to {by} (kustomize edit add patch): kustomize's input"
        disabled_by = self._disabled.get(key)
        if disabled_by is not None and key not in self._included_by and key not in self._generator_files:
            return f"named only in a commented-out entry of {disabled_by}: kustomize does not read it"
        return None

    def unused_patch(self, path: str) -> str | None:
        """Why a file that no kustomization reads is a patch nothing applies, when its name calls it one and it lies
        beside a kustomization (chaos-mesh's config/default/manager_webhook_patch.yaml, a partial Deployment left
        from kubebuilder's scaffold that config/default/kustomization.yaml does not list): None otherwise."""
        stem = os.path.basename(path).rsplit(".", 1)[0]
        if not _PATCH_WORD.search(stem) or self.reads(path):
            return None
        beside = self.in_folder(os.path.dirname(os.path.abspath(path)))
        if beside is None:
            return None
        return (
            f"its name says it is a kustomize patch, and neither the kustomization beside it ({display_path(beside.path)}) "
            "nor any other reads it, so nothing applies it as written"
        )

    def read_makefiles(self) -> None:
        """The patches the repository's Makefiles add to its kustomizations when they run (cloudnative-pg's
        ``generate-manifest``: ``cd .../default; kustomize edit add patch --path manager_image_pull_secret.yaml``).
        A Makefile in a kustomization's folder or a folder above it (inside the linted roots) is read, never run;
        each file such a command names by a plain relative path is, in every kustomization folder where it exists
        and no kustomization lists it as a resource, a patch of that kustomization, not an object."""
        names: dict[str, str] = {}  # the file a command names -> the Makefile that names it first (as shown)
        read: set[str] = set()
        for kustomization in sorted(self.kustomizations.values(), key=lambda k: k.key):
            roots = kustomization.roots or Roots.of([kustomization.folder])
            folder, shown = kustomization.folder, os.path.dirname(kustomization.path)
            while roots.contains(os.path.realpath(folder)):
                for makefile in MAKEFILE_NAMES:
                    path = os.path.join(folder, makefile)
                    if path in read or not os.path.isfile(path):
                        continue
                    read.add(path)
                    for name in _makefile_patches(path, roots):
                        names.setdefault(name, os.path.normpath(os.path.join(shown, makefile)))
                parent = os.path.dirname(folder)
                if parent == folder or len(read) >= MAX_MAKEFILES:
                    break
                folder, shown = parent, os.path.join(shown, os.pardir)
        for kustomization in self.kustomizations.values():
            for name, makefile in names.items():
                path = _key(os.path.join(kustomization.folder, name))
                if path not in self._inputs and os.path.isfile(path):
                    self._script_patches.setdefault(path, (makefile, kustomization.path))

    def built_by(self, path: str) -> str | None:
        """A kustomization whose build reads ``path`` as a resource (directly or through the ones that use it), if any."""
        return next((kustomization.path for kustomization in self._including(path)), None)

    def installs_crds_as_written(self, path: str) -> str | None:
        """A kustomization that builds the CustomResourceDefinitions of ``path`` as the file writes them: no
        kustomization whose build includes it (nor a component of one) has a patch that may apply to one (a target
        of that kind or of any kind, a patch document of that kind or of none, a patch that cannot be read)."""
        including = list(self._including(path))
        if not including or any(self._may_patch_crds(kustomization) for kustomization in including):
            return None
        return including[0].path

    def _may_patch_crds(self, kustomization: Kustomization) -> bool:
        """Whether a patch of ``kustomization`` or of its components may apply to a CRD; found once per kustomization
        (every file its builds include asks, and a patch without a target is read to know its kind)."""
        cached = self._patches_crds.get(kustomization.key)
        if cached is None:
            cached = self._patches_crds[kustomization.key] = any(
                _may_patch_crd(owner, patch)
                for owner in [kustomization, *filter(None, map(self.in_folder, kustomization.components))]
                for patch in owner.patches
            )
        return cached

    def reads(self, path: str) -> bool:
        """Whether a build reads the YAML of ``path``: it is a kustomization, or a resource of one."""
        return self.is_kustomization(path) or self.built_by(path) is not None

    def generator_of(self, path: str) -> str | None:
        """The generator (and its kustomization) that turns ``path`` into ConfigMap or Secret data, if any."""
        found = self._generator_files.get(_key(path))
        return f"{found[0]} of {found[1]}" if found is not None else None

    def _including(self, path: str) -> Iterator[Kustomization]:
        """The kustomizations that include ``path`` (a resource file or a folder), directly or
        through the kustomizations that include theirs."""
        seen: set[str] = set()
        stack = [_key(path)]
        while stack:
            target = stack.pop()
            for by in sorted(self._included_by.get(target, ())):
                if by in seen:
                    continue
                seen.add(by)
                kustomization = self.kustomizations[by]
                yield kustomization
                stack.append(kustomization.folder)

    def folders_including(self, path: str) -> set[str]:
        """The folders of the kustomizations that include ``path``, directly or through others."""
        return {kustomization.folder for kustomization in self._including(path)}

    def patched_for(self, path: str) -> tuple[PatchFact, ...]:
        """What the strategic-merge patches of the builds that include ``path`` do to its objects, as far
        as it is certain without building: (kind, name, what, detail), what being ``image`` (the patch sets
        the image of container ``detail`` to one with a tag other than latest, or a digest), ``port`` (it
        gives a container the port named or numbered ``detail``), ``non-root`` (it sets runAsNonRoot: true or a non-zero
        runAsUser for container ``detail``, or for the pod: ``""``), ``drop-all`` (container ``detail`` drops
        ALL capabilities), ``seccomp`` (it sets a RuntimeDefault or Localhost seccomp profile for container ``detail``,
        or for the pod: ``""``) or ``delete`` (``$patch: delete`` removes the object; name ``*``: every object of
        the kind its target selects). A fact counts only when every build of the file does it: each
        kustomization that includes the file applies the patch, or is itself included only by ones that
        do (a base whose overlays patch it differently keeps the findings the build of one of them makes)."""
        candidates: set[PatchFact] = set()
        for kustomization in self._including(path):
            candidates |= self._own_facts(kustomization)
        includers = self._included_by.get(_key(path), set())
        return tuple(
            sorted(
                fact
                for fact in candidates
                if fact[2].startswith("not-")  # undone by some build: the finding stays
                or (includers and all(self._always(self.kustomizations[by], fact, set()) for by in includers))
            )
        )

    def _always(self, kustomization: Kustomization, fact: PatchFact, seen: set[str]) -> bool:
        """Whether every build through ``kustomization`` does ``fact`` (its own patches, or those of every
        kustomization that includes it)."""
        if kustomization.key in seen:
            return False
        seen.add(kustomization.key)
        if fact in self._own_facts(kustomization):
            return True
        includers = self._included_by.get(kustomization.folder, set())
        return bool(includers) and all(self._always(self.kustomizations[by], fact, seen) for by in includers)

    def _own_facts(self, kustomization: Kustomization) -> frozenset[PatchFact]:
        """What the strategic-merge patches ``kustomization`` applies (its own and its components') do, as
        patched_for says it; read once."""
        cached = self._facts.get(kustomization.key)
        if cached is None:
            cached = self._facts[kustomization.key] = frozenset(self._read_facts(kustomization))
        return cached

    def _read_facts(self, kustomization: Kustomization) -> set[PatchFact]:
        found: set[PatchFact] = set()
        for patch, document in self._patches_applied_by(kustomization):
            kind, name = _patched(patch, document)
            if kind is None or name is None:
                continue
            if document.get("$patch") == "delete":
                found.add((kind, name, "delete", ""))
                continue
            pod_spec = mapping(dig(document, ("spec", "template", "spec")))
            if "securityContext" in pod_spec:
                found |= _security_facts(
                    kind, name, "", mapping(pod_spec["securityContext"]), pod_spec.get(WHOLE) == "securityContext", pod=True
                )
            for container in map(mapping, sequence(pod_spec.get("containers"))):
                container_name = string(container.get("name"))
                if container_name is None:
                    continue
                if isinstance(container.get("image"), str) and _pinned(container["image"]):
                    found.add((kind, name, "image", container_name))  # one untagged or :latest leaves the finding true
                if "securityContext" in container:
                    whole = container.get(WHOLE) == "securityContext"
                    found |= _security_facts(kind, name, container_name, mapping(container["securityContext"]), whole)
                for port in map(mapping, sequence(container.get("ports"))):
                    named, number = string(port.get("name")), port.get("containerPort")
                    if named:
                        found.add((kind, name, "port", named))
                    if isinstance(number, int) and not isinstance(number, bool):
                        found.add((kind, name, "port", str(number)))  # a number: no port name is all digits
        return found

    def _patches_applied_by(self, kustomization: Kustomization) -> list[tuple[Patch, dict[str, Any]]]:
        """The strategic-merge patch documents that ``kustomization`` applies (its own and its components'),
        read once; a patch that cannot be read is left out (the build reports it)."""
        cached = self._patch_documents.get(kustomization.key)
        if cached is not None:
            return cached
        found: list[tuple[Patch, dict[str, Any]]] = []
        for owner in [kustomization, *filter(None, map(self.in_folder, kustomization.components))]:
            for patch in owner.patches:
                found.extend((patch, document) for document in _patch_documents(owner, patch))
        self._patch_documents[kustomization.key] = found
        return found

    def images_set_for(self, path: str) -> tuple[tuple[str, str], ...]:
        """(image name, kustomization) for each image a kustomization that includes ``path`` renames or re-tags."""
        found: dict[str, str] = {}
        for kustomization in self._including(path):
            for name in kustomization.images:
                found.setdefault(name, kustomization.path)
        return tuple(sorted(found.items()))

    def images_left_latest_for(self, path: str) -> tuple[str, ...]:
        """The image names that the kustomizations including ``path`` set (images_set_for) with no tag other than
        ``latest`` and no digest in any of their entries: ``newTag: latest`` keeps what runs floating."""
        untagged: set[str] = set()
        tagged: set[str] = set()
        for kustomization in self._including(path):
            for name in kustomization.images:
                (untagged if name in kustomization.untagged_images else tagged).add(name)
        return tuple(sorted(untagged - tagged))

    def vars_for(self, path: str) -> tuple[str, ...]:
        """The ``vars:`` of the builds that include ``path``: kustomize gathers the vars of every
        kustomization a build reads (a sibling base's too) and replaces them at its root."""
        found: set[str] = set()
        for kustomization in self._including(path):
            found |= self._vars_below(kustomization)
        return tuple(sorted(found))

    def generated_for(self, path: str) -> tuple[tuple[str, str], ...]:
        """(kind, name) of the ConfigMaps and Secrets that the generators of the builds that include ``path``
        make: they are in every such build, and kustomize points the references of its resources at them
        (with their hash suffix and the build's namespace)."""
        found: set[tuple[str, str]] = set()
        for kustomization in self._including(path):
            found |= self._below(kustomization, self._generated, lambda k: k.generated)
        return tuple(sorted(found))

    def _vars_below(self, kustomization: Kustomization) -> frozenset[str]:
        """The vars of ``kustomization`` and of every kustomization it uses, as far as they were read."""
        return self._below(kustomization, self._vars, lambda k: k.vars)

    def _below(self, kustomization: Kustomization, cache: dict[str, frozenset[T]], of: Callable[[Kustomization], list[T]]) -> frozenset[T]:
        """What ``of`` gives for ``kustomization`` and every kustomization it uses, as far as they were read."""
        cached = cache.get(kustomization.key)
        if cached is not None:
            return cached
        found: set[T] = set()
        seen: set[str] = set()
        stack = [kustomization]
        while stack:
            current = stack.pop()
            if current.key in seen:
                continue
            seen.add(current.key)
            found.update(of(current))
            stack.extend(used for used in map(self.in_folder, current.resources) if used is not None)
        cache[kustomization.key] = frozenset(found)
        return cache[kustomization.key]

    def namespace_from(self, path: str) -> str | None:
        """The kustomization that sets the namespace of the objects in ``path`` when built, if any."""
        for kustomization in self._including(path):
            if kustomization.sets_namespace:
                return kustomization.path
        return None

    def selector_labels_from(self, path: str) -> str | None:
        """The kustomization that adds labels to the selectors of the objects in ``path`` when built, if any."""
        for kustomization in self._including(path):
            if kustomization.adds_selector_labels:
                return kustomization.path
        return None


CRD_KIND = "CustomResourceDefinition"
MAKEFILE_NAMES = ("GNUmakefile", "makefile", "Makefile")
MAX_MAKEFILES = 32
MAX_MAKEFILE_SIZE = 1024 * 1024
_EDIT_ADD_PATCH = re.compile(r"\bedit\s+add\s+patch\b[^\n;&|]*?--path(?:=|\s+)[\"']?([\w./-]+)")
"""``kustomize edit add patch ... --path NAME``: NAME relative to the kustomization folder the command runs in."""


def _may_patch_crd(kustomization: Kustomization, patch: Patch) -> bool:
    """Whether ``patch`` may apply to a CRD: its target is of that kind or of any kind, or (without a target) a
    document of it is of that kind or of none, or it cannot be read."""
    if patch.target is not None:
        return string(patch.target.get("kind")) in (None, CRD_KIND)
    documents = _patch_documents(kustomization, patch)
    return not documents or any(string(document.get("kind")) in (None, CRD_KIND) for document in documents)


def _makefile_patches(path: str, roots: Roots) -> list[str]:
    """The relative paths a Makefile's ``kustomize edit add patch --path`` commands name (none that climb out)."""
    try:
        text = read_bytes(path, roots, MAX_MAKEFILE_SIZE).decode("utf-8", "replace")
    except (OSError, Skipped, TooLarge):
        return []
    if "edit" not in text:
        return []
    found = []
    for match in _EDIT_ADD_PATCH.finditer(text):
        name = os.path.normpath(match.group(1))
        if not os.path.isabs(name) and name != os.pardir and not name.startswith(os.pardir + os.sep):
            found.append(name)
    return found


def _patch_documents(kustomization: Kustomization, patch: Patch) -> list[dict[str, Any]]:
    """The mapping documents of a patch (a file, or written inline): a strategic-merge patch's."""
    from k8slint.sources.yamlsafe import load_documents

    if patch.path is not None:
        try:
            text = read_bytes(patch.path, kustomization.roots or Roots.of([kustomization.folder]), MAX_KUSTOMIZATION_SIZE).decode(
                "utf-8-sig"
            )
        except (OSError, Skipped, TooLarge, UnicodeDecodeError):
            return []
    else:
        text = string(dig(kustomization.data, patch.where)) or ""
    if ":" not in text:
        return []
    documents, errors, _ = load_documents(text)
    if errors:
        return []
    if patch.target is not None and len(documents) == 1 and isinstance(documents[0].data, list):
        return _json6902_as_merge(documents[0].data)
    return [document.data for document in documents if isinstance(document.data, dict)]


_CONTAINER_OP = re.compile(r"/spec/template/spec/containers/(\d+|-)(/ports(?:/(?:\d+|-))?)?")
"""A JSON 6902 path that adds a container, or a port (or the ports) of one: kubebuilder's webhook patch adds
``/spec/template/spec/containers/0/ports/-``."""
_SECURITY_OP = re.compile(r"/spec/template/spec(?:/containers/(\d+))?/securityContext(?:/([A-Za-z]+))?")
"""A JSON 6902 path that sets a security context of a pod template or of its container at an index, or one field of
it (node-feature-discovery's components/common: ``add /spec/template/spec/containers/0/securityContext``)."""


def _json6902_as_merge(operations: list[Any]) -> list[dict[str, Any]]:
    """What a JSON 6902 patch (a list of operations, applied to its target) adds to a pod template's containers,
    as strategic-merge documents _read_facts reads: one per ``add`` or ``replace`` of a container, its ports, or a
    port. Nothing else of the patch is read, and a container's name is not known from its index (so only the
    ports the patch adds are facts)."""
    found: list[dict[str, Any]] = []
    for operation in map(mapping, operations):
        path, value = operation.get("path"), operation.get("value")
        if operation.get("op") not in ("add", "replace") or not isinstance(path, str):
            continue
        secured = _SECURITY_OP.fullmatch(path)
        if secured is not None:
            # RFC 6902 add and replace set the member whatever it held: the value is the security context (or a
            # field of it); a container is named by its index, "#0", as _read_facts and SourceFile.patched read it
            index, field = secured.groups()
            security = {field: value} if field else value
            if not isinstance(security, dict):
                continue
            holder: dict[str, Any] = {"securityContext": security}
            if not field:
                holder[WHOLE] = "securityContext"
            pod_spec = holder if index is None else {"containers": [{"name": f"#{index}", **holder}]}
            found.append({"spec": {"template": {"spec": pod_spec}}})
            continue
        match = _CONTAINER_OP.fullmatch(path)
        if match is None:
            continue
        ports = match.group(2)
        container = value if ports is None else {"ports": value if ports == "/ports" else [value]}
        if isinstance(container, dict):
            found.append({"spec": {"template": {"spec": {"containers": [{"name": "", **container}]}}}})
    return found


def _patched(patch: Patch, document: dict[str, Any]) -> tuple[str | None, str | None]:
    """The kind and name of the object a strategic-merge patch document applies to: its ``target``'s, else its own.
    A target of one kind and no other field selects every object of the kind (``*``); any other target (no kind, a
    name that is a pattern, a label selector, a group or version) is kept as it is, written as TARGET_PREFIX and its
    JSON in the name, with ``*`` for the kind: SourceFile.patched matches it against the object as kustomize does."""
    target = patch.target
    if target is not None:
        kind, name = string(target.get("kind")), target.get("name")
        fields = {key: value for key, value in target.items() if isinstance(value, str) and value}
        if (
            set(fields) <= {"kind", "name"}
            and kind is not None
            and (name is None or (isinstance(name, str) and _PLAIN_NAME.fullmatch(name)))
        ):
            return kind, name if isinstance(name, str) else "*"
        if not fields or any(not isinstance(value, str) for value in target.values()):
            return None, None
        return "*", TARGET_PREFIX + json.dumps(fields, sort_keys=True)
    return string(document.get("kind")), string(mapping(document.get("metadata")).get("name"))


WHOLE = "$k8slint-replaces"
"""A key _json6902_as_merge writes beside a security context a JSON 6902 add or replace sets whole: what it
leaves out is gone, where a strategic merge would keep it."""


def _security_facts(kind: str, name: str, detail: str, security: dict[str, Any], whole: bool, pod: bool = False) -> set[PatchFact]:
    """What a patch's security context does (for container ``detail``, or for the pod: ``""``): each fact it makes
    so, and ``not-<fact>`` for each it unmakes (an explicit contrary value, or, set whole, a field left out). A
    ``not-`` fact of any build keeps the finding (SourceFile.patched): which of two patches wins is a build's order."""
    user = security.get("runAsUser")
    drop = mapping(security.get("capabilities")).get("drop")
    said = {
        "non-root": _non_root(security),
        "non-root-flag": security.get("runAsNonRoot") is True,
        "seccomp": _confined(security),
    }
    if not pod:
        said["no-escalation"] = security.get("allowPrivilegeEscalation") is False
        said["read-only-root"] = security.get("readOnlyRootFilesystem") is True
        said["drop-all"] = isinstance(drop, list) and "ALL" in drop  # as Pod Security admission reads it: exactly
    contrary = {
        "non-root": user == 0 or security.get("runAsNonRoot") is False,
        "non-root-flag": security.get("runAsNonRoot") is False,
        "seccomp": "seccompProfile" in security and not said["seccomp"],
        "no-escalation": security.get("allowPrivilegeEscalation") is True,
        "read-only-root": security.get("readOnlyRootFilesystem") is False,
        "drop-all": isinstance(drop, list) and not said.get("drop-all"),  # a list without a merge key: the patch's replaces it
    }
    found: set[PatchFact] = set()
    for what, made in said.items():
        if made:
            found.add((kind, name, what, detail))
        elif whole or contrary[what]:
            found.add((kind, name, f"not-{what}", detail))
    return found


def _confined(security: dict[str, Any]) -> bool:
    """A security context whose seccomp profile confines the container (RuntimeDefault or Localhost)."""
    return mapping(security.get("seccompProfile")).get("type") in ("RuntimeDefault", "Localhost")


def _non_root(security: dict[str, Any]) -> bool:
    """A securityContext that sets runAsNonRoot: true or a non-zero runAsUser."""
    user = security.get("runAsUser")
    return security.get("runAsNonRoot") is True or (isinstance(user, int) and not isinstance(user, bool) and user > 0)


def _pinned(image: str) -> bool:
    """An image reference with a tag other than ``latest``, or a digest."""
    from k8slint.model.images import ImageError, parse_image

    try:
        reference = parse_image(image)
    except ImageError:
        return False
    return reference.digest is not None or reference.tag not in (None, "latest")
