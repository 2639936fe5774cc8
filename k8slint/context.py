"""What a check may read besides its subject: a frozen, typed view of the run.

A check gets its options, the default namespace, the target version, the
schemas, the object index, the Dockerfile builds and the base-image lookups
made before the rules ran: never the settings, never the run. A check that
declares itself local (Check.local) gets a context without the object index
and the builds, which are the whole set: reading them raises at once, naming
the rule, so the promise --jobs relies on is kept by every run, not only by
parallel ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from k8slint.image_lookups import ImageLookups
    from k8slint.model.dockerbuild import BuildMap
    from k8slint.model.graph.index import ObjectIndex
    from k8slint.model.schemas import SchemaStore


class LocalRuleError(RuntimeError):
    """A check that declared itself local read what only the whole set has (a bug in that check)."""


class RunFacts:
    """What is the same for every check of a run, built on first use and then kept.

    The target version, the schemas and the builds are costly and not every
    run needs them; they are computed once, here, not by the checks.
    """

    def __init__(
        self,
        index: ObjectIndex,
        *,
        external_objects: tuple[str, ...],
        kubernetes_version: str | None,
        strict_schemas: bool,
        schema_locations: tuple[str, ...],
        images: Mapping[str, object],
        config_dir: str,
    ) -> None:
        self.index = index
        self.external_objects = external_objects
        """The --external-objects entries, for the index of one worker's files."""
        self._version = kubernetes_version
        self._strict = strict_schemas
        self.schema_locations = schema_locations
        self._images = dict(images)
        self._config_dir = config_dir

    @cached_property
    def kubernetes_version(self) -> str:
        from k8slint.model.schemas import resolve_version

        return resolve_version(self._version)

    @cached_property
    def schemas(self) -> SchemaStore:
        from k8slint.model.schemas import SchemaStore

        if self._strict:
            return self.strict_schemas
        return SchemaStore(
            self.kubernetes_version,
            strict=False,
            locations=self.schema_locations,
            objects=self.index.objects,
            strict_sibling=self.strict_schemas,
        )

    @cached_property
    def strict_schemas(self) -> SchemaStore:
        """The schemas in strict mode (objects refuse fields their schema does not define): the run's own when it is
        strict; else the store that validates the built-in kinds for both (misspelt-field reads its unknown fields)."""
        from k8slint.model.schemas import SchemaStore

        return SchemaStore(self.kubernetes_version, strict=True, locations=self.schema_locations, objects=self.index.objects)

    @cached_property
    def builds(self) -> BuildMap:
        """Which Dockerfile builds which container image."""
        from k8slint.model.dockerbuild import BuildMap, image_settings

        settings = image_settings(self._images, self._config_dir)
        return BuildMap(list(self.index.dockerfiles), list(self.index.objects), settings)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """The read-only context of one rule's checks."""

    rule: str
    """The rule's code and name (``KR001 probe-port-unknown``), for errors that must name it."""
    options: Mapping[str, object]
    namespace: str
    """The namespace of objects that name none."""
    trusted_registries: tuple[str, ...]
    schema_locations: tuple[str, ...]
    image_lookups: ImageLookups | None
    """The registries' answers for each base image, or None without --check-registry."""
    facts: RunFacts = field(repr=False)
    objects: ObjectIndex | None = field(default=None, repr=False)
    """The object index this check sees; None for a local check, which may read neither it nor the builds."""

    @property
    def index(self) -> ObjectIndex:
        if self.objects is None:
            raise LocalRuleError(f"rule {self.rule} declares itself local (Check.local) but read the object index")
        return self.objects

    @property
    def builds(self) -> BuildMap:
        if self.objects is None:
            raise LocalRuleError(f"rule {self.rule} declares itself local (Check.local) but read the Dockerfile builds")
        return self.facts.builds

    @property
    def kubernetes_version(self) -> str:
        return self.facts.kubernetes_version

    @property
    def schemas(self) -> SchemaStore:
        return self.facts.schemas

    @property
    def strict_schemas(self) -> SchemaStore:
        return self.facts.strict_schemas

    # Options were validated against the rule's options schema when the config was read,
    # so each has the type its schema gives; these read them as that type.

    def option_text(self, name: str) -> str:
        value = self.options[name]
        assert isinstance(value, str), (self.rule, name)
        return value

    def option_texts(self, name: str) -> list[str]:
        value = self.options[name]
        assert isinstance(value, list) and all(isinstance(item, str) for item in value), (self.rule, name)
        return value

    def option_table(self, name: str) -> dict[str, str]:
        value = self.options[name]
        assert isinstance(value, dict) and all(isinstance(v, str) for v in value.values()), (self.rule, name)
        return value

    def local(self) -> RuleContext:
        """This context for a local check: without the index and the builds."""
        return replace(self, objects=None)

    def within(self, index: ObjectIndex) -> RuleContext:
        """This context over another index (the files one worker loaded, for a set check local to files)."""
        return replace(self, objects=index)
