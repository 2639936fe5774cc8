"""The images a skaffold config builds, and the manifests it deploys them in.

``skaffold run`` and ``skaffold dev`` build each artifact of ``build.artifacts`` and, before they
apply the manifests, replace every ``image:`` whose name (as written, without its tag) is an
artifact's image with the reference of the image they built, tag and digest (skaffold
pkg/skaffold/kubernetes/manifest/images.go, ``imageReplacer``: the manifest's tag is dropped; an
image pinned by digest is left alone). So ``image: leeroy-web`` in such a manifest is never deployed
untagged: image-tag-latest does not apply to it.

The manifests a config deploys are those of ``manifests.rawYaml`` (``deploy.kubectl.manifests`` in
the schemas before v3; globs relative to the config's folder, as Go's filepath.Glob reads them, a
folder meaning every file under it) and the resources of the kustomizations of
``manifests.kustomize.paths`` (``deploy.kustomize.paths``; ``.`` when none is given), in the config
and in each of its profiles. A config that names no manifests at all deploys ``k8s/*.yaml``
(skaffold's SetDefaultRenderer, constants.DefaultKubectlManifests). The configs read are the files
named ``skaffold*.yaml`` among those linted (``skaffold.yaml`` is skaffold's default; others are given
with ``-f``) whose documents are ``apiVersion: skaffold/...``, ``kind: Config``, and, for files named
one by one, a ``skaffold.yaml`` in their folders and above. A config's ``requires`` are not followed,
and a path with a template (``{{.ENV}}``) is not expanded: the images of such a config keep the rule.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from k8slint.sources.safefs import Roots, display_path

if TYPE_CHECKING:
    from k8slint.sources.kustomize import KustomizeMap

SKAFFOLD_CONFIG_NAMES = frozenset({"skaffold.yaml", "skaffold.yml"})
MAX_CONFIG_SIZE = 1024 * 1024
DEFAULT_MANIFESTS = ("k8s/*.yaml",)
_KO = "ko://"


def is_skaffold_config_name(name: str) -> bool:
    """``skaffold.yaml``, or another ``skaffold*.yaml`` that ``skaffold -f`` is given (its content decides)."""
    return name.startswith("skaffold") and name.endswith((".yaml", ".yml"))


@dataclass(slots=True)
class SkaffoldDeploys:
    """The skaffold configs found: which images each builds, and which files it deploys."""

    _raw: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    """Manifest file (absolute) -> (config, images it builds)."""
    _kustomize: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)
    """(kustomization folder, config, images) of each kustomize path a config deploys."""

    def add_config(self, path: str, roots: Roots) -> None:
        documents = [d for d in _documents(path, roots) if _is_config(d)]
        if not documents:
            return
        folder = os.path.dirname(os.path.abspath(path))
        images: set[str] = set()
        raw: list[str] = []
        kustomize: list[str] = []
        names_manifests = False
        for document in documents:
            for section in (document, *(p for p in _list(document.get("profiles")) if isinstance(p, dict))):
                images.update(_artifact_images(section))
                found_raw, found_kustomize, any_manifests = _manifests(section)
                raw.extend(found_raw)
                kustomize.extend(found_kustomize)
                names_manifests = names_manifests or (any_manifests and section is document)
        if not names_manifests:
            raw.extend(DEFAULT_MANIFESTS)
        if not images:
            return
        built = frozenset(images)
        shown = display_path(path)
        for pattern in raw:
            for file in _expand(folder, pattern, roots):
                self._raw.setdefault(file, (shown, built))
        for kustomize_path in kustomize:
            if "{{" not in kustomize_path:
                self._kustomize.append((os.path.normpath(os.path.join(folder, kustomize_path)), shown, built))

    def images_built_for(self, path: str, kustomize: KustomizeMap | None) -> tuple[tuple[str, str], ...]:
        """(image name, config) for each image a skaffold config builds and writes into the file at ``path``."""
        file = os.path.abspath(path)
        entry = self._raw.get(file)
        found: dict[str, str] = dict.fromkeys(entry[1], entry[0]) if entry is not None else {}
        if self._kustomize and kustomize is not None:
            found = {**self._deployed_from(kustomize.folders_including(file)), **found}
        return tuple(sorted(found.items()))

    def images_built_for_folder(self, folder: str) -> tuple[tuple[str, str], ...]:
        """As images_built_for, for the output of a kustomize build of ``folder``."""
        return tuple(sorted(self._deployed_from({os.path.normpath(os.path.abspath(folder))}).items()))

    def _deployed_from(self, folders: set[str]) -> dict[str, str]:
        """Image -> config, for the images of the configs that deploy one of the kustomize ``folders`` (the first config wins)."""
        found: dict[str, str] = {}
        for deployed, config, images in self._kustomize:
            if deployed in folders:
                for image in images:
                    found.setdefault(image, config)
        return found


def image_key(image: str) -> str:
    """What skaffold compares an image by: its name as written, without ``ko://``, its tag and digest."""
    from k8slint.model.images import image_name

    return image_name(image.removeprefix(_KO))


def _documents(path: str, roots: Roots) -> list[Any]:
    from k8slint.sources.yamlsafe import file_data

    return file_data(path, roots, MAX_CONFIG_SIZE)


def _is_config(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("apiVersion"), str)
        and document["apiVersion"].startswith("skaffold/")
        and document.get("kind") == "Config"
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _artifact_images(section: dict[str, Any]) -> Iterator[str]:
    for artifact in _list(_map(section.get("build")).get("artifacts")):
        image = _map(artifact).get("image")
        if isinstance(image, str) and image:
            yield image_key(image)


def _manifests(section: dict[str, Any]) -> tuple[list[str], list[str], bool]:
    """(raw manifest globs, kustomize paths, whether the section names any manifests) of a config or profile."""
    manifests, deploy = _map(section.get("manifests")), _map(section.get("deploy"))
    raw = [p for p in (*_list(manifests.get("rawYaml")), *_list(_map(deploy.get("kubectl")).get("manifests"))) if isinstance(p, str)]
    kustomize: list[str] = []
    for block in (manifests.get("kustomize"), deploy.get("kustomize")):
        if isinstance(block, dict):
            paths = [p for p in _list(block.get("paths")) if isinstance(p, str)]
            kustomize.extend(paths or ["."])
    other = any(manifests.get(key) for key in ("helm", "kpt")) or any(deploy.get(key) for key in ("helm", "docker", "cloudrun"))
    return raw, kustomize, bool(raw or kustomize or other)


def _expand(folder: str, pattern: str, roots: Roots) -> list[str]:
    """The files ``pattern`` names, as skaffold's ExpandPathsGlob finds them: a path that exists, or
    the matches of its glob (``*`` within one folder), each folder matched standing for every file
    under it; only files inside the linted paths."""
    if "{{" in pattern:
        return []
    joined = os.path.normpath(os.path.join(folder, pattern))
    matches = [joined] if os.path.exists(joined) else glob.glob(joined)
    files: list[str] = []
    for match in matches:
        if not roots.contains(os.path.realpath(match)):
            continue
        if os.path.isdir(match):
            for top, _dirs, names in os.walk(match):
                files.extend(os.path.abspath(os.path.join(top, name)) for name in names)
        else:
            files.append(os.path.abspath(match))
    return [f for f in files if roots.contains(os.path.realpath(f))]
