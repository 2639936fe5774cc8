"""--check-registry: the container registries asked about every base image, before any rule runs.

The rules that report on the answers (DF010 base-image-not-found, DF011
registry-unreachable) read them from their context and do no I/O; the
lookups of a run share one client, which holds the time budget and the
scheme policy (k8slint.oci).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from k8slint.model.dockerfile import base_image_stages
from k8slint.model.images import ImageReference

if TYPE_CHECKING:
    from k8slint.model.dockerfile import DockerfileDoc
    from k8slint.oci import Lookup

ImageLookups = Mapping[ImageReference, "Lookup"]
"""What the registries said of each base image: it exists, it does not, or it could not be asked."""


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
