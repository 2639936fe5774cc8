"""ValidatingAdmissionPolicies: KV003 admission-policy-violation, and the policy side of KV004
cel-expression-invalid and KV005 cel-not-evaluated.

Each binding in the set (or in a ``--policies`` folder) applies its policy to
the objects of the set that both match, as the API server does on create
(k8slint.model.admission); a policy without a binding does nothing, as in a
cluster.

A binding is in the cluster of the objects that see it (k8slint.model.graph.units):
those of its deployment unit, of the folders below it, and of the units under a
folder above them. A repository of independent tests or samples holds many
clusters' policies; one test's binding is not applied to the next test's objects,
and the policy, params and namespaces it reads are the nearest it sees. The
bindings of ``--policies`` folders apply to every object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from weakref import WeakKeyDictionary

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem, Related, clip
from k8slint.model import admission
from k8slint.model.kinds import api_group
from k8slint.model.objects import K8sObject
from k8slint.registry import object_check, set_check


def _cel() -> Any:
    from k8slint.model import cel

    return cel


@dataclass(slots=True)
class _Outcome:
    """What applying one binding to one object found: problems for KV003, and for KV005."""

    violations: list[Problem] = field(default_factory=list)
    not_evaluated: list[Problem] = field(default_factory=list)


@set_check("KV003")
def admission_policy_violation(ctx: RuleContext) -> Iterator[Problem]:
    yield from _outcome(ctx).violations


@set_check("KV005")
def admission_policy_not_evaluated(ctx: RuleContext) -> Iterator[Problem]:
    yield from _outcome(ctx).not_evaluated


_OUTCOMES: WeakKeyDictionary[Any, _Outcome] = WeakKeyDictionary()
"""The policies are applied once per run (per object index) for both rules that report on them."""


def _outcome(ctx: RuleContext) -> _Outcome:
    index = ctx.index
    if index not in _OUTCOMES:
        _OUTCOMES[index] = _apply_policies(ctx)
    return _OUTCOMES[index]


@object_check("KV004", kinds={admission.POLICY_KIND}, local=True)
def policy_expression_invalid(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    """An expression that does not compile: the API server refuses the policy."""
    if not admission.is_policy_object(obj, admission.POLICY_KIND):
        return
    cel = _cel()
    for expression in admission.policy_expressions(obj):
        program = cel.compiled(expression.source)
        if isinstance(program, cel.CelCompileError):
            yield Problem(f"the {expression.path[-1]} {_quote(expression.source)} does not compile: {program}", path=expression.path)


@object_check("KV005", kinds={admission.POLICY_KIND}, local=True)
def policy_expression_unsupported(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    """Expressions k8slint cannot evaluate (a library it lacks, the requesting user, no CEL runtime), at the expression."""
    if not admission.is_policy_object(obj, admission.POLICY_KIND):
        return
    cel = _cel()
    for expression in admission.policy_expressions(obj):
        program = cel.compiled(expression.source)
        reason = admission.undecidable(expression.source)
        if isinstance(program, (cel.CelUnsupported, cel.CelUnavailable)):
            reason = str(program)
        if reason is not None:
            yield Problem(f"the {expression.path[-1]} {_quote(expression.source)} was not evaluated: {reason}", path=expression.path)


def _quote(text: str) -> str:
    return clip(" ".join(text.split()), 120)


def _apply_policies(ctx: RuleContext) -> _Outcome:
    outcome = _Outcome()
    index = ctx.index
    bindings = [b for b in index.of_kind(admission.BINDING_KIND) if admission.is_policy_object(b, admission.BINDING_KIND)]
    if not bindings:
        return outcome
    crds = index.of_kind("CustomResourceDefinition")
    plurals, scopes = admission.crd_plurals(crds), admission.crd_scopes(crds)
    namespaces = _Visible(ctx, index.of_kind("Namespace"))
    targets = [o for o in index.objects if api_group(str(o.api_version)) != admission.POLICY_GROUP]
    evaluations = _cel().Evaluations()
    for binding in bindings:
        spec = binding.data.get("spec")
        if not isinstance(spec, dict) or not isinstance(spec.get("policyName"), str):
            continue
        policy = _policy_of(ctx, binding, spec["policyName"])
        if policy is None:
            continue  # a binding of a policy that is not in the set (or in another unit's): nothing to apply
        everywhere = binding.file.display in index.everywhere
        seen = targets if everywhere else [o for o in targets if index.units.sees(o, binding)]
        seen = [o for o in seen if not _created_before(index, o, binding)]
        _Binding(ctx, policy, binding, spec, plurals, scopes, namespaces, outcome, evaluations).apply(seen)
    return outcome


def _created_before(index: Any, obj: K8sObject, binding: K8sObject) -> bool:
    """Whether every end-to-end test step that sends ``obj`` runs before the first that sends ``binding``, in a
    test that sends both: the object is admitted before the binding exists (a chainsaw test that creates a
    Deployment, then the policy, to see it reported in the background), so the binding never judges it."""
    mine, theirs = index.sent_at.get(obj.file.display), index.sent_at.get(binding.file.display)
    if not mine or not theirs:
        return False
    for test, position in mine:
        first = min((at for other, at in theirs if other == test and at is not None), default=None)
        if position is None or first is None or position >= first:
            return False  # sent by a test without the binding, at an unknown time, or after it
    return True


def _policy_of(ctx: RuleContext, binding: K8sObject, name: str) -> K8sObject | None:
    """The policy a binding names: the nearest definition it sees (a --policies folder's binding: any in those folders)."""
    index = ctx.index
    named = [p for p in index.named(binding, admission.POLICY_KIND, name) if admission.is_policy_object(p, admission.POLICY_KIND)]
    if not named and binding.file.display in index.everywhere:
        everywhere = index.everywhere
        named = [p for p in index.definitions(binding.namespace, admission.POLICY_KIND, name) if p.file.display in everywhere]
    return named[0] if named else None


class _Visible:
    """Objects by name (the Namespaces), each lookup answered with the nearest one the asking object sees."""

    def __init__(self, ctx: RuleContext, objects: list[K8sObject]) -> None:
        self.units, self.everywhere = ctx.index.units, ctx.index.everywhere
        self.by_name: dict[str, list[K8sObject]] = {}
        for obj in objects:
            if obj.name:
                self.by_name.setdefault(str(obj.name), []).append(obj)

    def get(self, name: str, viewer: K8sObject) -> K8sObject | None:
        seen = [o for o in self.by_name.get(name, ()) if o.file.display in self.everywhere or self.units.sees(viewer, o)]
        return min(seen, key=lambda o: (*self.units.nearness(viewer, o), o.key)) if seen else None

    def around(self, viewer: K8sObject, name: str | None) -> dict[str, K8sObject]:
        """The namespace ``name`` as the viewer sees it, as the mapping admission.matches reads."""
        found = self.get(name, viewer) if name else None
        return {name: found} if name and found is not None else {}


class _Binding:
    """One binding of one policy, applied object by object."""

    def __init__(
        self,
        ctx: RuleContext,
        policy: K8sObject,
        binding: K8sObject,
        spec: dict[str, Any],
        plurals: dict[tuple[str, str], str],
        scopes: dict[tuple[str, str], str],
        namespaces: _Visible,
        outcome: _Outcome,
        evaluations: Any,
    ) -> None:
        self.ctx, self.policy, self.binding, self.spec = ctx, policy, binding, spec
        self.evaluations = evaluations
        self.plurals, self.scopes, self.namespaces, self.outcome = plurals, scopes, namespaces, outcome
        policy_spec = policy.data.get("spec")
        self.policy_spec: dict[str, Any] = policy_spec if isinstance(policy_spec, dict) else {}
        self.variant = admission.validation_severity(spec.get("validationActions"))
        self.fail_closed = self.policy_spec.get("failurePolicy", "Fail") != "Ignore"
        self.said: set[str] = set()
        self.param_candidates: list[K8sObject] | None = None
        self.variable_sources = {
            v["name"]: v["expression"]
            for v in _entries(self.policy_spec, "variables")
            if isinstance(v.get("name"), str) and isinstance(v.get("expression"), str)
        }
        self.related = (
            Related(policy.locate(("metadata", "name")), f"ValidatingAdmissionPolicy {policy.name}"),
            Related(binding.locate(("metadata", "name")), f"ValidatingAdmissionPolicyBinding {binding.name}"),
        )

    def apply(self, targets: list[K8sObject]) -> None:
        cel = _cel()
        expressions = list(admission.policy_expressions(self.policy))
        if not expressions or not self.policy_spec.get("validations"):
            return
        if any(isinstance(cel.compiled(e.source), (cel.CelCompileError, cel.CelUnavailable)) for e in expressions):
            return  # the API server refuses the policy (KV004), or nothing can run (KV005 says so at the policy)
        undecided: dict[str, tuple[int, int]] = {}
        """Each reason a match could not be decided (a namespace not in the set) -> (where its finding is among the
        outcome's, how many objects more it holds for): one finding, on the first of them (kueue's docs examples:
        a binding's namespaceSelector on namespace 'default', 53 objects)."""
        for obj in targets:
            request = admission.request_for(obj, self.plurals, self.scopes)
            if request is None:
                continue
            namespaces = self.namespaces.around(obj, request.namespace)
            try:
                if not admission.matches(self.policy_spec.get("matchConstraints"), request, namespaces, required=True):
                    continue
                if not admission.matches(self.spec.get("matchResources"), request, namespaces, required=False):
                    continue
            except admission.Undecided as exc:
                reason = f"{exc}"
                if reason in undecided:
                    at, more = undecided[reason]
                    undecided[reason] = (at, more + 1)
                else:
                    undecided[reason] = (len(self.outcome.not_evaluated), 0)
                    self._not_evaluated(reason, obj=obj)
                continue
            params = self._params(request)
            if params is None:
                continue
            for param in params:
                if not self.evaluations.take(len(expressions)):
                    if not self.evaluations.said:
                        self.evaluations.said = True
                        self._not_evaluated(self.evaluations.message("admission policy expressions"), obj=obj, variant="cost-budget")
                    self._fold(undecided)
                    return
                self._validate(cel, obj, request, param)
        self._fold(undecided)

    def _fold(self, undecided: dict[str, tuple[int, int]]) -> None:
        """Say on each first finding of an undecided match how many objects more it stands for."""
        for at, more in undecided.values():
            if more:
                first = self.outcome.not_evaluated[at]
                shown = f"{first.message}; nor to {more} more object{'s' if more > 1 else ''} in that namespace"
                self.outcome.not_evaluated[at] = replace(first, message=shown)

    def _params(self, request: admission.Request) -> list[Any] | None:
        """The params each evaluation gets (``[None]`` without a paramKind); None: not evaluated."""
        kind = self.policy_spec.get("paramKind")
        if not isinstance(kind, dict):
            return [None]
        ref = self.spec.get("paramRef")
        if not isinstance(ref, dict):
            self._not_evaluated("the policy has a paramKind but the binding no paramRef", at_binding=True)
            return None
        if self.param_candidates is None:  # once per binding, not once per object it matches
            self.param_candidates = [
                o for o in self.ctx.index.objects if o.api_version == kind.get("apiVersion") and o.kind == kind.get("kind")
            ]
        candidates = self.param_candidates
        namespace = ref.get("namespace") or request.namespace
        if namespace:
            candidates = [o for o in candidates if o.namespace in (namespace, None)]
        viewer, units, everywhere = request.obj, self.ctx.index.units, self.ctx.index.everywhere
        candidates = [o for o in candidates if o.file.display in everywhere or units.sees(viewer, o)]
        if isinstance(ref.get("name"), str):
            found = [o for o in candidates if o.name == ref["name"]]
            found = sorted(found, key=lambda o: (*units.nearness(viewer, o), o.key))[:1]  # a name is one object of the cluster
        else:
            found = [o for o in candidates if admission.selects(ref.get("selector") or {}, o.labels)]
        if found:
            return [o.data for o in found]
        described = f"{kind.get('kind')} {ref.get('name', '(by selector)')}" + (f" in namespace {namespace}" if namespace else "")
        action = ref.get("parameterNotFoundAction", "Deny")
        self._not_evaluated(
            f"its param {described} is not in the set (parameterNotFoundAction: {action}); "
            "the policy was not applied to the objects it matches",
            at_binding=True,
        )
        return None

    def _validate(self, cel: Any, obj: K8sObject, request: admission.Request, param: Any) -> None:
        namespace = self.namespaces.get(request.namespace or "", obj) if request.namespaced else None
        base = cel.Variables.of(
            {
                "object": obj.data,
                "oldObject": None,
                "request": request.variable(),
                "params": param,
                "namespaceObject": namespace.data if namespace is not None else None,
            }
        )
        for condition in _entries(self.policy_spec, "matchConditions"):
            result = self._run(cel, condition.get("expression"), base, obj, request)
            if result is _SKIP or result is False:
                return
            if isinstance(result, cel.CelEvalError):
                if str(result).startswith("no such key"):
                    self._not_evaluated(_maybe_defaulted(f"matchCondition {condition.get('name')!r}", result), obj=obj)
                elif self.fail_closed:
                    self._violation(obj, ("metadata", "name"), f"matchCondition {condition.get('name')!r} failed to evaluate: {result}")
                return
        variables: dict[str, Any] = {}
        failed_variables: dict[str, str] = {}
        for variable in _entries(self.policy_spec, "variables"):
            name = variable.get("name")
            if not isinstance(name, str):
                continue
            result = self._run(cel, variable.get("expression"), base.extended(variables=variables), obj, request)
            if result is _SKIP:
                failed_variables[name] = ""
            elif isinstance(result, (cel.CelEvalError, cel.CelBudgetExceeded)):
                failed_variables[name] = str(result)
            else:
                variables[name] = result
        evaluated = base.extended(variables=variables)  # the same for every validation: handed to the crate once
        for validation in _entries(self.policy_spec, "validations"):
            source = validation.get("expression")
            if not isinstance(source, str):
                continue
            used = [name for name in failed_variables if re.search(rf"\bvariables\s*\.\s*{re.escape(name)}\b", source)]
            if used:
                error = failed_variables[used[0]]
                if error.startswith("no such key"):
                    self._not_evaluated(_maybe_defaulted(f"variable {used[0]!r}", ValueError(error)), obj=obj)
                elif error and self.fail_closed:
                    self._violation(
                        obj, admission.field_of(source, self.variable_sources), f"variable {used[0]!r} failed to evaluate: {error}"
                    )
                continue
            result = self._run(cel, source, evaluated, obj, request)
            if result is _SKIP or result is True:
                continue
            if isinstance(result, cel.CelEvalError):
                if str(result).startswith("no such key"):
                    self._not_evaluated(_maybe_defaulted(_quote(source), result), obj=obj)
                elif self.fail_closed:
                    self._violation(
                        obj, admission.field_of(source, self.variable_sources), f"expression {_quote(source)} failed to evaluate: {result}"
                    )
                continue
            if result is False:
                self._violation(
                    obj,
                    admission.field_of(source, self.variable_sources),
                    self._message(cel, validation, evaluated, obj, request),
                )
            else:
                self._violation(
                    obj,
                    admission.field_of(source, self.variable_sources),
                    f"expression {_quote(source)} returned {clip(repr(result), 60)}, not a bool",
                )

    def _run(self, cel: Any, source: Any, variables: Any, obj: K8sObject, request: admission.Request) -> Any:
        """The value of an expression, a CelEvalError, or _SKIP when it cannot be decided offline."""
        if not isinstance(source, str):
            return _SKIP
        program = cel.compiled(source)
        if not isinstance(program, cel.CelProgram) or admission.undecidable(source):
            return _SKIP  # said once at the expression (policy_expression_unsupported)
        if admission.reads_namespace_object(source) and request.namespaced and variables.values.get("namespaceObject") is None:
            self._not_evaluated(f"{_quote(source)} reads namespaceObject, and namespace {request.namespace!r} is not in the set", obj=obj)
            return _SKIP
        try:
            return cel.evaluate(program, variables)
        except cel.CelEvalError as exc:
            return exc
        except cel.CelBudgetExceeded as exc:
            self._not_evaluated(f"{_quote(source)} was not evaluated here: {exc}", obj=obj, variant="cost-budget")
            return _SKIP

    def _message(self, cel: Any, validation: dict[str, Any], variables: Any, obj: K8sObject, request: admission.Request) -> str:
        source = validation.get("messageExpression")
        if isinstance(source, str):
            result = self._run(cel, source, variables, obj, request)
            if isinstance(result, str) and result.strip():
                return clip(result, 400)
        if isinstance(validation.get("message"), str) and validation["message"].strip():
            return clip(validation["message"], 400)
        return f"failed expression: {_quote(str(validation.get('expression')))}"

    def _violation(self, obj: K8sObject, path: FieldPath, message: str) -> None:
        policy, binding = self.policy.name, self.binding.name
        if self.variant is None:
            text = f"ValidatingAdmissionPolicy '{policy}' with binding '{binding}' denied request: {message}"
        else:
            text = f"Validation failed for ValidatingAdmissionPolicy '{policy}' with binding '{binding}': {message}"
        self.outcome.violations.append(Problem(text, path=path, subject=obj, related=self.related, variant=self.variant))

    def _not_evaluated(self, reason: str, *, obj: K8sObject | None = None, at_binding: bool = False, variant: str | None = None) -> None:
        if at_binding:
            if reason in self.said:
                return
            self.said.add(reason)
            self.outcome.not_evaluated.append(
                Problem(
                    f"ValidatingAdmissionPolicyBinding {self.binding.name}: {reason}",
                    path=("spec", "paramRef"),
                    subject=self.binding,
                    variant=variant,
                )
            )
            return
        assert obj is not None
        self.outcome.not_evaluated.append(
            Problem(
                f"ValidatingAdmissionPolicy '{self.policy.name}' with binding '{self.binding.name}' was not applied: {reason}",
                path=("metadata", "name"),
                subject=obj,
                related=self.related,
                variant=variant,
            )
        )


_SKIP = object()


def _maybe_defaulted(what: str, error: Exception) -> str:
    """The API server applies its defaults before admission: a field missing here may be set by then."""
    return f"{what} failed to evaluate here ({error}), but the API server may default that field before admission"


def _entries(spec: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = spec.get(key)
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
