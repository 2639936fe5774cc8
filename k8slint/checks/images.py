"""Container images: KR005 invalid-image-name and KR006 image-tag-latest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem
from k8slint.model.images import ImageError, image_name, parse_image
from k8slint.model.kinds import is_custom_resource
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import image_placeholder
from k8slint.model.workloads import POD_BEARING_KINDS
from k8slint.registry import dockerfile_check, object_check

if TYPE_CHECKING:
    from k8slint.model.dockerfile import DockerfileDoc


def _images(obj: K8sObject) -> Iterator[tuple[Any, str, str]]:
    for container in obj.containers():
        image = container.data.get("image")
        if isinstance(image, str):
            yield (*container.path, "image"), container.name, image


@object_check("KR005", local=True, pods=True)
def invalid_image_name(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    empty: set[FieldPath] = set()
    for container in obj.containers() if obj.kind in POD_BEARING_KINDS and not is_custom_resource(obj.api_version) else ():
        image = container.data.get("image")
        if image is None or image == "":
            # validation.go, validateContainerCommon: len(ctr.Image) == 0 -> field.Required(path.Child("image")).
            # Built-in kinds only: an operator's pod template (a CloudNativePG Pooler) is completed by the operator.
            where = "is empty" if image == "" else "is missing"
            if image == "":
                empty.add((*container.path, "image"))
            yield Problem(
                f"container {container.name!r}: image {where}; the API server rejects a container without an image",
                path=(*container.path, "image") if image == "" else container.path,
            )
    for path, name, image in _images(obj):
        if path in empty:
            continue  # reported above, once: the API server's own refusal
        try:
            parse_image(image)
        except ImageError as exc:
            if image_placeholder(image, parses=False):
                continue  # reported by unrendered-placeholder
            if image in obj.file.images_set_by:
                continue  # a name for kustomize's images: to replace, never deployed as written
            yield Problem(f"container {name!r}: image {image!r} is not a valid reference: {exc}", path=path)


@object_check("KR006", local=True, pods=True)
def image_tag_latest(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for path, name, image in _images(obj):
        try:
            reference = parse_image(image)
        except ImageError:
            continue  # reported by invalid-image-name
        if reference.digest is None and reference.tag in (None, "latest"):
            named = image_name(image)
            if named in obj.file.images_set_by and named not in obj.file.images_left_latest:
                continue  # given a tag where it is deployed: by the kustomization that builds the file, or by skaffold
            if obj.file.patched(obj.kind, obj.name, "image", name, obj):
                continue  # a patch of the build sets this container's image (config/default's manager_image_patch.yaml)
            how = "has no tag" if reference.tag is None else "uses the tag 'latest'"
            built = ""
            if named in obj.file.images_left_latest:
                built = f" ({obj.file.images_set_by[named]} sets it with images: but gives it no other tag nor a digest)"
            yield Problem(
                f"container {name!r}: image {image!r} {how}{built}, so what runs changes whenever the image is pushed",
                path=path,
            )


@dockerfile_check("KR005")
def invalid_base_image(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    from k8slint.model.dockerfile import base_images  # here, so that runs without Dockerfiles do not pay for it

    for stage in base_images(doc):
        try:
            parse_image(stage.base)
        except ImageError as exc:
            if image_placeholder(stage.base, parses=False):
                continue  # reported by unrendered-placeholder
            yield Problem(f"FROM {stage.base!r} is not a valid image reference: {exc}", location=doc.location(stage.instruction.line))


@dockerfile_check("KR006")
def base_image_latest(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    from k8slint.model.dockerfile import base_images

    for stage in base_images(doc):
        try:
            reference = parse_image(stage.base)
        except ImageError:
            continue
        if reference.digest is None and reference.tag in (None, "latest"):
            how = "has no tag" if reference.tag is None else "uses the tag 'latest'"
            yield Problem(
                f"base image {stage.base!r} {how}, so every build may start from a different image",
                location=doc.location(stage.instruction.line),
            )
