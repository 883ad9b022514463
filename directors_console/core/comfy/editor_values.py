"""Values as the ComfyUI editor (JavaScript, in a browser) produces them.

The prompt must match what the editor sends byte for byte where it matters: numbers
print as JavaScript prints them (``8`` not ``8.0``, ``1e-7``), a list widget value is
wrapped so it cannot pass for a link, a text area turns whatever it is given into text,
and prompt widgets flagged ``dynamicPrompts`` resolve ``{a|b}`` choices when sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

Random = Callable[[], float]


def js_string(value: Any) -> str:
    """What a browser text area shows for a value: JavaScript's ``String(value)``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number_text(value)
    if isinstance(value, list | tuple):
        return ",".join("" if v is None else js_string(v) for v in value)
    return "[object Object]"


def api_value(value: Any) -> Any:
    """A list would read as a link, so the editor wraps it; floats print as JavaScript does."""
    if isinstance(value, list):
        return {"__value__": js_number(value)}
    return js_number(value)


_MAX_SAFE = 2**53


def js_stringify(value: Any) -> str:
    """``JSON.stringify`` of a JSON value: compact, numbers printed as JavaScript does."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number_text(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(js_stringify(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = (f"{js_stringify(str(k))}:{js_stringify(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def js_number_text(value: float) -> str:
    """A float as JavaScript's ``Number.prototype.toString`` writes it."""
    if value != value or value in (float("inf"), float("-inf")):
        return "null"  # JSON.stringify writes NaN and Infinity as null
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n: position of the decimal point relative to the first significant digit
    n = len(whole) + (int(exp_text) if exp_text else 0)
    if whole == "0":
        n = -(len(frac) - len(frac.lstrip("0"))) + (int(exp_text) if exp_text else 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    exponent = n - 1
    mantissa_text = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa_text}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def js_number(value: Any) -> Any:
    """Integral floats become ints (JavaScript has one number type and prints ``8``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < _MAX_SAFE:
        return int(value)
    if isinstance(value, list):
        return [js_number(v) for v in value]
    if isinstance(value, dict):
        return {k: js_number(v) for k, v in value.items()}
    return value


# --- dynamic prompts ------------------------------------------------------------------------

_COMMENTS = re.compile(r"/\*[\s\S]*?\*/|//.*")
_ESCAPED = re.compile(r"\\([{}|])")


def resolve_dynamic_prompt(text: str, random: Random) -> str:
    """Strip C-style comments, pick one option of every ``{a|b|c}`` (nested too).

    ``\\{``, ``\\|`` and ``\\}`` are literal characters. This is what the editor does to
    prompt widgets flagged ``dynamicPrompts`` when it queues a prompt.
    """
    return _ESCAPED.sub(r"\1", _DynamicPrompt(_COMMENTS.sub("", text), random).expand())


class _DynamicPrompt:
    def __init__(self, text: str, random: Random) -> None:
        self.text = text
        self.pos = 0
        self.random = random

    def expand(self) -> str:
        out: list[str] = []
        while self.pos < len(self.text):
            char = self._next()
            if char == "\\":
                out.append(self._escape())
            elif char == "{":
                out.append(self._choice())
            else:
                out.append(char)
        return "".join(out)

    def _next(self) -> str:
        char = self.text[self.pos]
        self.pos += 1
        return char

    def _escape(self) -> str:
        if self.pos >= len(self.text):
            return "\\undefined"  # what the editor's parser yields for a trailing backslash
        return "\\" + self._next()

    def _choice(self) -> str:
        options: list[str] = []
        current: list[str] = []
        depth = 0
        while self.pos < len(self.text):
            char = self._next()
            if char == "\\":
                current.append(self._escape())
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                if not depth:
                    break
                depth -= 1
            elif char == "|" and not depth:
                options.append("".join(current))
                current = []
                continue
            current.append(char)
        options.append("".join(current))
        chosen = options[min(int(self.random() * len(options)), len(options) - 1)]
        # Nested choices are resolved in the chosen option (comments are gone already).
        return _DynamicPrompt(chosen, self.random).expand()
