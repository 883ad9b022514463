"""Rule definitions: the declarative model of ``presets/cinema/rules.yaml`` and its loader.

A rule either compares vocabulary attributes (``when`` conditions all hold but the
``require`` conditions do not -> the rule fires) or names a small Python predicate
registered in :mod:`.predicates`. Each rule says which field its message belongs to and,
optionally, how to correct it: set fixed values, pick the first compatible value of the
field, or call a registered Python fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from directors_console.core.cinema.config import CHOICE_FIELDS
from directors_console.core.cinema.predicates import FIXES, PREDICATES
from directors_console.core.cinema.vocabulary import Vocabulary

Severity = Literal["error", "warning"]
Op = Literal[
    "set",
    "unset",
    "truthy",
    "falsy",
    "equals",
    "not_equals",
    "in",
    "contains",
    "intersects",
    "covers",
]
FIELD_NAMES = (*CHOICE_FIELDS, "kind")


class RulesError(Exception):
    """The rules file is unreadable or names fields, attributes or predicates that do not exist."""


class Condition(BaseModel):
    """``field[.attr] op (value | value_from)``; value_from is ``field`` or ``field.attr``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    attr: str | None = None
    op: Op = "set"
    value: str | bool | int | float | tuple[str, ...] | None = None
    value_from: str | None = None

    def referenced_fields(self) -> set[str]:
        fields = {self.field}
        if self.value_from:
            fields.add(self.value_from.split(".", 1)[0])
        return fields


class Fix(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    set: dict[str, str | None] | None = None
    pick: bool = False
    python: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Fix:
        if sum((self.set is not None, self.pick, self.python is not None)) != 1:
            raise ValueError("a fix is exactly one of: set, pick, python")
        return self


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    severity: Severity
    field: str
    message: str
    when: tuple[Condition, ...] = ()
    require: tuple[Condition, ...] = ()
    check: str | None = None
    fields: tuple[str, ...] = ()
    fix: Fix | None = None

    @model_validator(mode="after")
    def _one_test(self) -> RuleSpec:
        if self.check is not None and self.require:
            raise ValueError(f"{self.id}: give 'require' conditions or a 'check', not both")
        if not (self.when or self.require or self.check):
            raise ValueError(f"{self.id}: a rule needs 'when', 'require' or 'check'")
        return self

    def involved_fields(self) -> frozenset[str]:
        names = {self.field, *self.fields}
        for cond in (*self.when, *self.require):
            names |= cond.referenced_fields()
        return frozenset(names)


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[RuleSpec, ...]


def _check_against(rule: RuleSpec, vocab: Vocabulary) -> None:
    for name in rule.involved_fields():
        if name not in FIELD_NAMES:
            raise RulesError(f"rule {rule.id}: unknown field {name!r}")
    refs: list[tuple[str, str | None]] = []
    for cond in (*rule.when, *rule.require):
        refs.append((cond.field, cond.attr))
        if cond.value_from:
            other, _, other_attr = cond.value_from.partition(".")
            refs.append((other, other_attr or None))
    for name, attr in refs:
        if attr is None:
            continue
        if name == "kind":
            raise RulesError(f"rule {rule.id}: 'kind' has no attributes")
        sample = vocab.entries(name)[0]
        if not hasattr(sample, attr):
            raise RulesError(f"rule {rule.id}: {name} entries have no attribute {attr!r}")
    if rule.check is not None and rule.check not in PREDICATES:
        raise RulesError(f"rule {rule.id}: no predicate registered as {rule.check!r}")
    fix = rule.fix
    if fix is not None and fix.python is not None and fix.python not in FIXES:
        raise RulesError(f"rule {rule.id}: no fix registered as {fix.python!r}")
    if fix is not None and fix.set:
        for name, value in fix.set.items():
            if name not in CHOICE_FIELDS:
                raise RulesError(f"rule {rule.id}: fix sets unknown field {name!r}")
            if value is not None and not vocab.has(name, value):
                raise RulesError(f"rule {rule.id}: fix sets {name} to unknown {value!r}")


def load_rules(path: Path, vocab: Vocabulary) -> tuple[RuleSpec, ...]:
    """Read and validate the rules file against the loaded vocabulary."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        ruleset = RuleSet.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RulesError(f"{path.name}: {exc}") from exc
    ids = [r.id for r in ruleset.rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RulesError(f"{path.name}: duplicate rule ids {dupes}")
    for rule in ruleset.rules:
        _check_against(rule, vocab)
    return ruleset.rules
