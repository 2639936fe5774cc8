"""Dockerfiles against the containers that run their images: DF007 required-env,
DF008 container-port-not-exposed, DF009 probe-port-not-exposed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, sequence
from k8slint.model.workloads import declared_ports, probe_handler
from k8slint.registry import dockerfile_check, object_check

if TYPE_CHECKING:
    from k8slint.model.dockerfile import DockerfileDoc, Stage

PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def _env_from_names(obj: K8sObject, container: dict[str, Any], ctx: RuleContext) -> tuple[set[str], bool, list[Related]]:
    """Names that envFrom provides, whether some source is unknown (not in the set), and the sources used."""
    names: set[str] = set()
    unknown = False
    used: list[Related] = []
    for entry in sequence(container.get("envFrom")):
        entry = mapping(entry)
        prefix = entry["prefix"] if isinstance(entry.get("prefix"), str) else ""
        for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = mapping(entry.get(field))
            name = ref.get("name")
            if not isinstance(name, str):
                continue
            target = ctx.index.nearest(obj, kind, name)
            if target is None:
                unknown = True
                continue
            names.update(prefix + key for key in ctx.index.data_keys(target))
            used.append(Related(target.locate(("metadata", "name")), f"envFrom source {ctx.index.resolved_to(obj, target)}"))
    return names, unknown, used


@object_check("DF007", pods=True)
def required_env(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if not ctx.builds.requires_env:
        return
    for container in obj.containers():
        image = container.data.get("image")
        required = ctx.builds.required_env(image)
        if not required:
            continue
        provided = {mapping(e).get("name") for e in sequence(container.data.get("env"))}
        from_sources, unknown, sources = _env_from_names(obj, container.data, ctx)
        provided |= from_sources
        built = ctx.builds.dockerfile_for(image, obj.file.display)
        if built is not None:
            doc = built[0]
            final = ctx.builds.stage_for(doc, image)
            if final is not None:
                provided |= {name for name, value in doc.env(final).items()}
        missing = [name for name in required if name not in provided]
        if missing and not unknown:
            yield Problem(
                f"container {container.name!r} runs {image} but nothing sets {', '.join(missing)} "
                "(not its env, its envFrom sources, nor the image's Dockerfile ENV)",
                path=(*container.path, "env") if "env" in container.data else container.path,
                related=tuple(sources),
            )


@dockerfile_check("DF008")
def container_port_not_exposed(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    from k8slint.model.dockerbuild import exposed_ports  # here, so that runs without Dockerfiles do not pay for it

    built = ctx.builds.containers_of(doc)
    if not built:
        return
    # each container is compared with the stage its image is built to (its config entry's target)
    by_stage: dict[int, tuple[Stage, list[tuple[int, int, str, int]], set[int]]] = {}
    for item in built:
        stage = item.stage or doc.final_stage()
        if stage is None:
            continue
        if stage.index not in by_stage:
            by_stage[stage.index] = (stage, list(exposed_ports(doc, stage)), set())
        _, exposed, used = by_stage[stage.index]
        for port in declared_ports(item.container.data):
            if port.number is None or not 1 <= port.number <= 65535:
                continue  # an impossible port is port-out-of-range's finding
            used.add(port.number)
            if exposed and not any(low <= port.number <= high and proto == port.protocol.lower() for low, high, proto, _ in exposed):
                yield Problem(
                    f"containerPort {port.number}/{port.protocol} of container {item.container.name!r} "
                    f"({item.obj.describe()}) is not EXPOSEd by its image's Dockerfile ({item.how})",
                    subject=item.obj,
                    path=(*item.container.path, "ports", port.index, "containerPort"),
                    related=_built_stage(doc, stage),
                )
        used |= _service_target_numbers(item, ctx)
    reported: set[int] = set()
    for _stage, exposed, used in by_stage.values():
        for low, high, protocol, line in exposed:
            if line not in reported and not any(low <= p <= high for p in used):
                reported.add(line)
                yield Problem(
                    f"EXPOSE {low if low == high else f'{low}-{high}'}/{protocol}: no container or Service built from this image uses it",
                    location=doc.location(line),
                    variant="unused-expose",
                )


def _service_target_numbers(item: Any, ctx: RuleContext) -> set[int]:
    """Numeric targetPorts of the Services the workload sees in its namespace (they may reach an exposed port undeclared)."""
    numbers = set()
    for service in ctx.index.in_namespace(item.obj, "Service"):
        for port in sequence(mapping(service.data.get("spec")).get("ports")):
            target = mapping(port).get("targetPort")
            if isinstance(target, int) and not isinstance(target, bool):
                numbers.add(target)
    return numbers


@dockerfile_check("DF009")
def probe_port_not_exposed(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    from k8slint.model.dockerbuild import exposed_ports

    for item in ctx.builds.containers_of(doc):
        exposed = list(exposed_ports(doc, item.stage))
        if not exposed:
            continue  # an image that exposes nothing declares nothing to compare with
        declared = declared_ports(item.container.data)
        names = {p.name: p.number for p in declared if p.name}
        # a probe on a declared port is covered by container-port-not-exposed's finding on that port
        covered = {p.number for p in declared if p.number is not None}
        for probe_name in PROBES:
            probe = item.container.data.get(probe_name)
            found = probe_handler(probe) if isinstance(probe, dict) else None
            if found is None or found[0] not in ("httpGet", "tcpSocket", "grpc"):
                continue
            port = found[1].get("port")
            number = names.get(port) if isinstance(port, str) else port
            if not isinstance(number, int) or isinstance(number, bool) or number in covered:
                continue
            if not any(low <= number <= high and proto == "tcp" for low, high, proto, _ in exposed):
                yield Problem(
                    f"{probe_name} of container {item.container.name!r} ({item.obj.describe()}) probes port {number}, "
                    f"which its image's Dockerfile does not EXPOSE ({item.how})",
                    subject=item.obj,
                    path=(*item.container.path, probe_name, found[0], "port"),
                )


def _built_stage(doc: DockerfileDoc, stage: Stage) -> tuple[Related, ...]:
    what = (
        "the Dockerfile's final stage"
        if stage is doc.stages[-1]
        else f"the Dockerfile's stage {stage.alias or stage.index}, the build's target"
    )
    return (Related(doc.location(stage.instruction.line), what),)
