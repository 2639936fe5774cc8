"""--check-registry: the container registries asked about every base image, before any rule runs.

The rules that report on the answers (DF010 base-image-not-found, DF011
registry-unreachable) read them from their context and do no I/O; the
lookups of a run share one client, which holds the time budget and the
scheme policy (k8slint.oci).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from k8slint.model.images import ImageError, ImageReference, parse_image

if TYPE_CHECKING:
    from k8slint.oci import Lookup
    from k8slint.sources.dockerfiles import DockerfileDoc, Stage

ImageLookups = Mapping[ImageReference, "Lookup"]
"""What the registries said of each base image: it exists, it does not, or it could not be asked."""


def base_image_stages(doc: DockerfileDoc) -> Iterator[tuple[Stage, ImageReference]]:
    """The stages whose FROM names a valid image (not scratch, not an earlier stage, not an
    unresolved variable), with that image."""
    earlier: set[str] = set()
    for stage in doc.stages:
        if stage.resolved and stage.base.lower() != "scratch" and stage.base.lower() not in earlier:
            try:
                yield stage, parse_image(stage.base)
            except ImageError:
                pass  # invalid-base-image's finding
        if stage.alias:
            earlier.add(stage.alias)


def look_up_base_images(dockerfiles: Iterable[DockerfileDoc], insecure_registries: Iterable[str]) -> dict[ImageReference, Lookup]:
    """Ask the registries about each base image of ``dockerfiles``, once per image, in file order."""
    from k8slint.oci import RegistryClient

    client = RegistryClient(insecure_registries)
    found: dict[ImageReference, Lookup] = {}
    for doc in dockerfiles:
        for _stage, reference in base_image_stages(doc):
            if reference not in found:
                found[reference] = client.manifest_exists(reference)
    return found
