"""The rule engine: check a shot configuration, list what each field may take, fix it.

:class:`RuleEngine` evaluates the rules loaded by :mod:`.rules` on the plain choice dict
of a :class:`ShotConfig`. ``validate`` reports every broken rule (plus unknown ids),
``available_options`` tries each value of one field and says why the refused ones are
refused, and ``apply_fixes`` applies the rules' own corrections until nothing fixable is
left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from directors_console.core.cinema.config import CHOICE_FIELDS, ShotConfig
from directors_console.core.cinema.predicates import FIXES, PREDICATES
from directors_console.core.cinema.rules import Condition, RuleSpec, Severity
from directors_console.core.cinema.vocabulary import SENSOR_ORDER, Vocabulary

UNKNOWN_VALUE = "unknown-value"
_UNSET: Any = object()
_RANK = {name: i for i, name in enumerate(SENSOR_ORDER)}
MAX_FIX_ROUNDS = 8


@dataclass(frozen=True, slots=True)
class RuleMessage:
    """One broken rule: where, how bad, what to tell the user, and a proposed fix."""

    rule_id: str
    severity: Severity
    field: str
    message: str
    fix: Mapping[str, str | None] | None = None


@dataclass(frozen=True, slots=True)
class FieldOptions:
    """Values a field may take now, and refused values with the reason."""

    field: str
    enabled: tuple[str, ...]
    disabled: tuple[tuple[str, str], ...]


class _Labels(dict[str, str]):
    """format_map source: ``{camera}`` is the label of the chosen camera."""

    def __init__(self, cfg: Mapping[str, str | None], vocab: Vocabulary) -> None:
        super().__init__()
        self._cfg = cfg
        self._vocab = vocab

    def __missing__(self, key: str) -> str:
        value = self._cfg.get(key)
        entry = self._vocab.get(key, value) if key in CHOICE_FIELDS else None
        if entry is not None:
            return entry.label
        return str(value) if value else "(none)"


class RuleEngine:
    """Holds the vocabulary and the rules; stateless between calls."""

    def __init__(self, vocab: Vocabulary, rules: tuple[RuleSpec, ...]) -> None:
        self.vocab = vocab
        self.rules = rules
        self._by_field: dict[str, tuple[RuleSpec, ...]] = {
            name: tuple(r for r in rules if name in r.involved_fields())
            for name in (*CHOICE_FIELDS, "kind")
        }

    # -- evaluation -------------------------------------------------------------------

    def _resolve(self, cfg: Mapping[str, str | None], field: str, attr: str | None) -> Any:
        value = cfg.get(field)
        if value is None:
            return _UNSET
        if attr is None:
            return value
        entry = self.vocab.get(field, value)
        return _UNSET if entry is None else getattr(entry, attr)

    def _holds(self, cond: Condition, cfg: Mapping[str, str | None], required: bool) -> bool:
        left = self._resolve(cfg, cond.field, cond.attr)
        if cond.op == "unset":
            return left is _UNSET or left is None
        if left is _UNSET:
            # An unchosen field cannot trigger a rule, nor break a requirement.
            return required and cond.op != "set"
        operand: Any = cond.value
        if cond.value_from is not None:
            field, _, attr = cond.value_from.partition(".")
            operand = self._resolve(cfg, field, attr or None)
            if operand is _UNSET or operand is None:
                return required
        op = cond.op
        if op == "set":
            return left is not None
        if op == "truthy":
            return bool(left)
        if op == "falsy":
            return not left
        if op == "equals":
            return bool(left == operand)
        if op == "not_equals":
            return bool(left != operand)
        if op == "in":
            return left in operand
        if op == "contains":
            return operand in left
        if op == "intersects":
            return bool(set(left) & set(operand))
        # covers: an image circle at least as large as the operand's sensor class
        return _RANK.get(str(left), -1) >= _RANK.get(str(operand), len(_RANK))

    def broken(self, rule: RuleSpec, cfg: Mapping[str, str | None]) -> bool:
        if not all(self._holds(c, cfg, required=False) for c in rule.when):
            return False
        if rule.check is not None:
            return PREDICATES[rule.check](cfg, self.vocab)
        if not rule.require:
            return True
        return not all(self._holds(c, cfg, required=True) for c in rule.require)

    def _field_errors(self, field: str, cfg: Mapping[str, str | None]) -> RuleSpec | None:
        for rule in self._by_field[field]:
            if rule.severity == "error" and self.broken(rule, cfg):
                return rule
        return None

    def _propose_fix(
        self, rule: RuleSpec, cfg: Mapping[str, str | None]
    ) -> Mapping[str, str | None] | None:
        fix = rule.fix
        if fix is None:
            return None
        if fix.set is not None:
            return dict(fix.set)
        if fix.python is not None:
            return FIXES[fix.python](cfg, self.vocab)
        trial = dict(cfg)
        for value in self.vocab.ids(rule.field):
            trial[rule.field] = value
            if not self.broken(rule, trial) and self._field_errors(rule.field, trial) is None:
                return {rule.field: value}
        return {rule.field: None}

    def _message(self, rule: RuleSpec, cfg: Mapping[str, str | None]) -> RuleMessage:
        text = rule.message.format_map(_Labels(cfg, self.vocab))
        return RuleMessage(rule.id, rule.severity, rule.field, text, self._propose_fix(rule, cfg))

    # -- public API -------------------------------------------------------------------

    def validate(self, config: ShotConfig) -> list[RuleMessage]:
        """Every broken rule for ``config``, errors first, in rules-file order."""
        cfg = config.choices()
        messages: list[RuleMessage] = []
        for field in CHOICE_FIELDS:
            value = cfg[field]
            if value is not None and not self.vocab.has(field, value):
                messages.append(
                    RuleMessage(
                        UNKNOWN_VALUE,
                        "error",
                        field,
                        f"{value!r} is not a known {field.replace('_', ' ')}.",
                        {field: None},
                    )
                )
                cfg[field] = None
        messages.extend(self._message(r, cfg) for r in self.rules if self.broken(r, cfg))
        messages.sort(key=lambda m: m.severity != "error")
        return messages

    def available_options(self, field: str, config: ShotConfig) -> FieldOptions:
        """Try each value of ``field``; values that break an error rule are disabled."""
        if field not in CHOICE_FIELDS:
            raise KeyError(f"unknown field {field!r}")
        cfg = config.choices()
        enabled: list[str] = []
        disabled: list[tuple[str, str]] = []
        for value in self.vocab.ids(field):
            cfg[field] = value
            rule = self._field_errors(field, cfg)
            if rule is None:
                enabled.append(value)
            else:
                disabled.append((value, rule.message.format_map(_Labels(cfg, self.vocab))))
        return FieldOptions(field, tuple(enabled), tuple(disabled))

    def apply_fixes(self, config: ShotConfig) -> ShotConfig:
        """Apply proposed fixes (errors first) until none is left or nothing changes."""
        current = config
        for _ in range(MAX_FIX_ROUNDS):
            for fix in (m.fix for m in self.validate(current) if m.fix):
                if any(getattr(current, k) != v for k, v in fix.items()):
                    current = current.with_values(**fix)
                    break
            else:
                return current
        return current
