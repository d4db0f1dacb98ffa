"""Numbers read from the environment: a bad value is a sentence naming the variable, never a
traceback."""

from __future__ import annotations

import os

__all__ = ["EnvError", "env_float", "env_int"]


class EnvError(Exception):
    """An environment variable whose value cannot be used."""


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """The whole number in `$name` (at least `minimum`), or `default` when unset or empty."""
    return int(_number(name, default, minimum, int, "a whole number"))


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    """The number in `$name` (at least `minimum`), or `default` when unset or empty."""
    return float(_number(name, default, minimum, float, "a number"))


def _number(name: str, default: float, minimum: float, kind: type, what: str) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise EnvError(f"{name} must be {what}, not {raw!r}") from None
    if not value >= minimum:  # also refuses nan
        raise EnvError(f"{name} must be at least {minimum}, not {raw}")
    return value  # type: ignore[no-any-return]
