"""Settings declared once (name, environment variable, default, help) and resolved from CLI > env > default."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class SettingError(ValueError):
    """A setting was given a value that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Setting:
    """One setting: its key in the resolved config, CLI option, environment variable, default and help."""

    key: str
    env: str
    default: Any
    help: str
    option: str | None = None  # None: read from the environment only (e.g. by the OpenTelemetry SDK)
    parse: Callable[[str], Any] = str


def _number(text: str, convert: Callable[[str], float], low: float, high: float, what: str) -> Any:
    """`text` converted and checked to lie in [low, high]; the message says which rule failed."""
    try:
        value = convert(text)
    except ValueError:
        raise SettingError(f"not {what}: {text!r}") from None
    if not low <= value <= high:
        raise SettingError(
            f"out of range {low}-{high}: {value}" if high < float("inf") else f"must be {low} or more: {value}"
        )
    return value


def parse_port(text: str) -> int:
    """A TCP port: an integer from 0 (any free port) to 65535."""
    return _number(text, int, 0, 65535, "a port number")


def parse_positive_int(text: str) -> int:
    """An integer greater than zero."""
    return _number(text, int, 1, float("inf"), "an integer")


def parse_non_negative_int(text: str) -> int:
    """An integer of 0 or more."""
    return _number(text, int, 0, float("inf"), "an integer")


def parse_fraction(text: str) -> float:
    """A number from 0 to 1."""
    return _number(text, float, 0, 1, "a number")


def parse_bool(text: str) -> bool:
    """true/false, yes/no, 1/0, on/off (any case)."""
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    raise SettingError(f"not a boolean (true/false): {text!r}")


def parse_url(text: str) -> str:
    """An absolute http(s) URL."""
    if not text.startswith(("http://", "https://")) or len(text) < 10:
        raise SettingError(f"not an http(s) URL: {text!r}")
    return text


def parse_choice(*choices: str) -> Callable[[str], str]:
    """One of a fixed set of words."""

    def parse(text: str) -> str:
        if text not in choices:
            raise SettingError(f"{text!r} is not one of {', '.join(choices)}")
        return text

    return parse


def parse_list(text: str) -> list[str]:
    """A comma-separated list; blanks dropped."""
    return [item.strip() for item in text.split(",") if item.strip()]


def format_default(value: Any) -> str:
    """A default as a user would type it: lists comma-joined, booleans lower-case."""
    if isinstance(value, list):
        return ",".join(value) or "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def add_options(parser: argparse.ArgumentParser, settings: Sequence[Setting]) -> None:
    """Add one --option per setting; the help shows its environment variable and default."""
    env_only = []
    for setting in settings:
        if setting.option is None:
            env_only.append(setting)
            continue
        default = "" if setting.default is None else f", default: {format_default(setting.default)}"
        # a boolean option alone means true (--fix-n-plus-one); it also takes a value (--strict-trace-id false)
        flag = {"nargs": "?", "const": "true"} if setting.parse is parse_bool else {}
        parser.add_argument(
            setting.option,
            dest=setting.key,
            default=None,
            metavar=setting.env,
            help=f"{setting.help} (env {setting.env}{default})",
            **flag,
        )
    if env_only:
        lines = [f"  {s.env}  {s.help} (default: {format_default(s.default)})" for s in env_only]
        parser.epilog = "environment variables read by the OpenTelemetry SDK:\n" + "\n".join(lines)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter


def resolve(
    settings: Sequence[Setting], options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Resolve every setting: an explicit option wins, then the environment, then the default."""
    options = options or {}
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in settings:
        raw = options.get(setting.key)
        source = setting.option
        if raw is None and environ.get(setting.env, "") != "":
            raw, source = environ[setting.env], setting.env
        if raw is None:
            config[setting.key] = setting.default
            continue
        try:
            config[setting.key] = setting.parse(raw) if isinstance(raw, str) else raw
        except SettingError as error:
            raise SettingError(f"{source}: {error}") from None
    return config
