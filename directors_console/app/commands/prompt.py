"""``directors-console prompt``: cinematic prompts from presets and choices, without the window.

    directors-console prompt [--preset ID] [--set field=value]... --model FAMILY [--subject TEXT]
    directors-console prompt presets [--kind live|animation] [--era 1970s] [--mood M] ...
    directors-console prompt families
    directors-console prompt options FIELD [--preset ID] [--set field=value]...

The prompt goes to stdout, rule messages to stderr. Exit 0 when only warnings remain,
1 when a rule error remains, 2 for bad input (unknown preset, field or family).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from directors_console.app.commands.context import CommandContext
from directors_console.core.cinema import CinemaLibrary, RuleMessage, ShotConfig
from directors_console.core.cinema.config import CHOICE_FIELDS, parse_assignment
from directors_console.core.cinema.presets import PresetError
from directors_console.core.cinema.prompt import PromptFamilyError
from directors_console.core.cinema.rules import RulesError
from directors_console.core.cinema.vocabulary import VocabularyError
from directors_console.core.data_paths import presets_dir

LOAD_ERRORS = (VocabularyError, RulesError, PresetError, PromptFamilyError)


class UsageProblem(Exception):
    """Bad input on the command line (exit 2)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "prompt",
        help="build cinematic prompts from presets",
        description="Build a prompt for one model family from a preset and/or field choices.",
    )
    _add_config_args(parser)
    parser.add_argument("--model", metavar="FAMILY", help="target model family (see: families)")
    parser.add_argument("--fix", action="store_true", help="apply the rules' own corrections first")
    parser.set_defaults(run=run_prompt)

    group = parser.add_subparsers(dest="prompt_command", metavar="SUBCOMMAND")
    presets = group.add_parser("presets", help="list presets")
    presets.add_argument("--kind", choices=("live", "animation"))
    presets.add_argument("--era", metavar="DECADE", help="e.g. 1970s")
    presets.add_argument("--mood", metavar="MOOD", help="a mood id, or a tag")
    presets.add_argument("--domain", metavar="DOMAIN", help="animation style domain id")
    presets.add_argument("--medium", metavar="MEDIUM", help="animation medium id")
    presets.set_defaults(run=run_presets)

    families = group.add_parser("families", help="list target model families")
    families.set_defaults(run=run_families)

    options = group.add_parser("options", help="values a field may take, and why others not")
    options.add_argument("field", choices=CHOICE_FIELDS, metavar="FIELD")
    _add_config_args(options)
    options.set_defaults(run=run_options)


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", metavar="ID", help="start from this preset")
    parser.add_argument(
        "--set",
        metavar="FIELD=VALUE",
        action="append",
        default=[],
        help="choose a value (repeatable); VALUE 'none' clears the field",
    )
    parser.add_argument("--subject", metavar="TEXT", help="who or what is in the shot")
    parser.add_argument("--scene", metavar="TEXT", help="where it happens, what goes on")
    parser.add_argument("--kind", choices=("live", "animation"), help="live action or animation")


def _load() -> CinemaLibrary:
    return CinemaLibrary.load(presets_dir() / "cinema")


def _build_config(lib: CinemaLibrary, args: argparse.Namespace) -> ShotConfig:
    overrides: dict[str, str | None] = {}
    for text in args.set:
        try:
            name, value = parse_assignment(text)
        except ValueError as exc:
            raise UsageProblem(str(exc)) from None
        overrides[name] = value
    for name in ("subject", "scene", "kind"):
        if getattr(args, name, None):
            overrides[name] = getattr(args, name)
    try:
        if args.preset:
            return lib.presets.apply(args.preset, overrides)
        return ShotConfig.model_validate(overrides)
    except KeyError as exc:
        raise UsageProblem(str(exc.args[0])) from None
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None


def _print_messages(messages: list[RuleMessage]) -> None:
    for m in messages:
        fix = ""
        if m.fix:
            fix = "  (fix: " + ", ".join(f"{k}={v or 'none'}" for k, v in m.fix.items()) + ")"
        print(f"{m.severity}: [{m.rule_id}] {m.field}: {m.message}{fix}", file=sys.stderr)


def _guarded(body: Callable[[], int]) -> int:
    """Run ``body()`` and turn load and usage problems into exit code 2."""
    try:
        return body()
    except LOAD_ERRORS as exc:
        print(f"error: cinema data could not be loaded: {exc}", file=sys.stderr)
    except UsageProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 2


def run_prompt(args: argparse.Namespace, ctx: CommandContext) -> int:
    def body() -> int:
        lib = _load()
        if not args.model:
            known = ", ".join(lib.generator.families)
            raise UsageProblem(f"--model FAMILY is required; families: {known}")
        try:
            lib.generator.family(args.model)
        except KeyError as exc:
            raise UsageProblem(str(exc.args[0])) from None
        config = _build_config(lib, args)
        if args.fix:
            config = lib.apply_fixes(config)
        result = lib.prompt(config, args.model)
        print(result.positive)
        if result.negative:
            print(f"\nNegative: {result.negative}")
        messages = lib.validate(config)
        _print_messages(messages)
        return 1 if any(m.severity == "error" for m in messages) else 0

    return _guarded(body)


def run_presets(args: argparse.Namespace, ctx: CommandContext) -> int:
    def body() -> int:
        lib = _load()
        found = lib.presets.filter(
            kind=args.kind, era=args.era, mood=args.mood, domain=args.domain, medium=args.medium
        )
        if not found:
            print("No preset matches; eras on file: " + ", ".join(lib.presets.eras()))
            return 0
        for p in found:
            who = p.cinematographer or p.studio or p.director
            print(f"{p.id:36} {p.kind:9} {p.era:6} {p.label}" + (f" — {who}" if who else ""))
        return 0

    return _guarded(body)


def run_families(args: argparse.Namespace, ctx: CommandContext) -> int:
    def body() -> int:
        for family in _load().generator.families.values():
            negative = "negative" if family.negative else "no negative"
            print(f"{family.id:14} {family.style:14} {negative:12} {family.label}")
        return 0

    return _guarded(body)


def run_options(args: argparse.Namespace, ctx: CommandContext) -> int:
    def body() -> int:
        lib = _load()
        options = lib.available_options(args.field, _build_config(lib, args))
        for value in options.enabled:
            print(f"  {value}")
        for value, reason in options.disabled:
            print(f"x {value}: {reason}")
        return 0

    return _guarded(body)
