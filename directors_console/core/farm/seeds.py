"""Seeds for repeated runs: fixed, incrementing, or random, applied to a prompt copy."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Mapping
from typing import Any

SEED_INPUTS = ("seed", "noise_seed")
MAX_SEED = 2**53 - 1  # what the editor's widgets allow


def seed_inputs(prompt: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(node id, input name) of every literal seed in the prompt."""
    found: list[tuple[str, str]] = []
    for node_id, node in prompt.items():
        inputs = node.get("inputs") if isinstance(node, Mapping) else None
        if not isinstance(inputs, Mapping):
            continue
        for name in SEED_INPUTS:
            value = inputs.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                found.append((str(node_id), name))
    return found


def with_seed(prompt: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """A deep copy of ``prompt`` with every literal seed set to ``seed``."""
    out: dict[str, Any] = copy.deepcopy(dict(prompt))
    for node_id, name in seed_inputs(out):
        out[node_id]["inputs"][name] = seed
    return out


def seed_series(
    spec: str | int | None, count: int, rng: random.Random | None = None
) -> Iterator[int | None]:
    """``count`` seeds: ``None``/"keep" keeps the prompt's own, "random" draws each,
    an integer S gives S, S+1, … (so the runs differ but can be repeated)."""
    if spec is None or spec == "keep":
        yield from (None for _ in range(count))
        return
    if spec == "random":
        source = rng or random.SystemRandom()
        yield from (source.randint(0, MAX_SEED) for _ in range(count))
        return
    start = int(spec)
    if not 0 <= start <= MAX_SEED:
        raise ValueError(f"a seed is between 0 and {MAX_SEED}")
    yield from ((start + i) % (MAX_SEED + 1) for i in range(count))
