"""The rules that loaders and the engine report themselves, by code.

Checks register under their code with the @object_check family; the rules
below have no check (``emitted-by`` in their definition) and are named here
once, so that a loader never spells a rule by name or picks one by the text of
a message. A test holds that each constant names a rule of the registry.
"""

from __future__ import annotations

from typing import Final, NewType

from k8slint.findings import Problem

RuleCode = NewType("RuleCode", str)
"""The code of a rule (``KL001``), as its definition in ``rules/`` gives it."""

Emitted = tuple[RuleCode, Problem]
"""A problem a loader met, with the rule it belongs to."""

# input: reading and parsing files
YAML_SYNTAX: Final = RuleCode("KL001")
DUPLICATE_KEY: Final = RuleCode("KL002")
DOCUMENT_NOT_A_MAPPING: Final = RuleCode("KL003")
MISSING_FIELD: Final = RuleCode("KL004")
UNSUPPORTED_YAML_TAG: Final = RuleCode("KL005")
UNREADABLE_FILE: Final = RuleCode("KL006")
EMPTY_FILE: Final = RuleCode("KL008")
FILE_TOO_LARGE: Final = RuleCode("KL009")
YAML_TOO_COMPLEX: Final = RuleCode("KL013")
SKIPPED_FILE: Final = RuleCode("KL015")
WORK_BUDGET_EXCEEDED: Final = RuleCode("KL016")
DOCKERFILE_SYNTAX: Final = RuleCode("DF001")
VALUES_SCHEMA_VIOLATION: Final = RuleCode("CH005")
UNRENDERED_PLACEHOLDER: Final = RuleCode("KM006")
TEMPLATE_SYNTAX: Final = RuleCode("CH009")
CHART_RENDER_FAILED: Final = RuleCode("CH010")

# kustomize: what reading and building the kustomizations shows
KUSTOMIZE_BUILD_FAILED: Final = RuleCode("KZ001")
KUSTOMIZE_NOT_BUILT: Final = RuleCode("KZ002")
KUSTOMIZE_MISSING_FILE: Final = RuleCode("KZ003")

# the engine
UNUSED_SUPPRESSION: Final = RuleCode("KL007")
INTERNAL_ERROR: Final = RuleCode("KL900")
UNKNOWN_FIELD: Final = RuleCode("KL011")
"""Not emitted by the engine, but it decides whether schemas are strict."""

# the rules reported on the files of --policies folders (their other findings are not)
CEL_EXPRESSION_INVALID: Final = RuleCode("KV004")
CEL_NOT_EVALUATED: Final = RuleCode("KV005")
POLICY_FILE_RULES: Final = (CEL_EXPRESSION_INVALID, CEL_NOT_EVALUATED)

# rules whose subjects the engine prepares before they run
BASE_IMAGE_NOT_FOUND: Final = RuleCode("DF010")
REGISTRY_UNREACHABLE: Final = RuleCode("DF011")
REGISTRY_LOOKUP_RULES: Final = (BASE_IMAGE_NOT_FOUND, REGISTRY_UNREACHABLE)
"""The rules that read the --check-registry lookups: without one of them enabled, no registry is asked."""
