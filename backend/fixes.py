"""The workshop's fixes: their names, the file that remembers which are on, and which are on now.

Each planted problem has a named fix (`n-plus-one`, `slow-ratings`, `flaky-write`). `journey fix`
remembers the fixes an attendee made in <data-dir>/fixes.json, and `journey up` hands that file to
the backend (--fixes-file), so fixes add up across restarts instead of each restart's variables
replacing the last one's. A fix's own setting (--fix-n-plus-one, JOURNEY_FIX_N_PLUS_ONE), when
given, overrides the file either way. The backend looks at the file's stamp on each request and
re-reads it when it changed, so a fix takes effect in a running demo without a restart.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.settings import SettingError

from .settings import SETTINGS

# a fix's name, as `journey fix` takes it: the key of the setting that overrides it
FIXES = {"n-plus-one": "fix_n_plus_one", "slow-ratings": "fix_slow_ratings", "flaky-write": "fix_flaky_write"}
FIXES_FILE = "fixes.json"  # in the data directory
_SETTING = {s.key: s for s in SETTINGS}


class FixesFileError(SettingError):
    """The remembered fixes cannot be read; the message names the file and says what is wrong."""


def what_it_fixes(name: str) -> str:
    """What the fix changes, as the help of its setting says."""
    return _SETTING[FIXES[name]].help


def override_variable(name: str) -> str:
    """The environment variable that overrides the remembered fix (JOURNEY_FIX_N_PLUS_ONE)."""
    return _SETTING[FIXES[name]].env


def read_remembered(path: Path) -> list[str]:
    """The fixes the file names, in the table's order ([] without a file); FixesFileError when damaged."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as error:
        raise FixesFileError(f"cannot read the remembered fixes {path}: {error.strerror or error}") from None
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise FixesFileError(f"the remembered fixes {path} are not JSON ({error})") from None
    names = document.get("fixes") if isinstance(document, dict) else None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise FixesFileError(f'the remembered fixes {path} are not of the form {{"fixes": ["n-plus-one", ...]}}')
    unknown = [name for name in names if name not in FIXES]
    if unknown:
        raise FixesFileError(
            f"the remembered fixes {path} name {', '.join(map(repr, unknown))}: not a fix "
            f"(the fixes are {', '.join(FIXES)})"
        )
    return [name for name in FIXES if name in names]


def remember(path: Path, names: Iterable[str]) -> None:
    """Write the remembered fixes whole (a new file moved into place: a reader never sees half of one)."""
    chosen = set(names)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps({"fixes": [name for name in FIXES if name in chosen]}) + "\n")
    os.replace(partial, path)


@dataclass(frozen=True)
class Fixes:
    """The switches one request runs with (all off: the workshop starts with every problem planted)."""

    n_plus_one: bool
    slow_ratings: bool
    flaky_write: bool
    flaky_write_rate: float


@dataclass(frozen=True)
class FixState:
    """One fix as the demo runs it: on or off, and why (`by`: "remembered", the overriding variable, or "")."""

    name: str
    on: bool
    by: str


class ActiveFixes:
    """Which fixes are on: each fix's setting when given, else the remembered file, re-read when it changes."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.path = Path(settings["fixes_file"]) if settings.get("fixes_file") else None
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._remembered = read_remembered(self.path) if self.path else []  # damaged at start: refuse to start

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            found = os.stat(self.path) if self.path else None
        except OSError:
            return None
        return found and (found.st_mtime_ns, found.st_size, found.st_ino)

    def remembered(self) -> list[str]:
        """The remembered fixes, re-read when the file changed; a damaged file keeps the last good ones."""
        stamp = self._stat()
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._remembered = read_remembered(self.path) if self.path else []
                except FixesFileError as error:
                    print(f"journey backend: {error}; keeping {self._remembered or 'no fixes'}", file=sys.stderr)
            return self._remembered

    def states(self) -> list[FixState]:
        """Every fix, on or off, and why."""
        remembered = self.remembered()
        states = []
        for name, key in FIXES.items():
            if self.settings.get(key) is not None:
                states.append(FixState(name, bool(self.settings[key]), override_variable(name)))
            else:
                states.append(FixState(name, name in remembered, "remembered" if name in remembered else ""))
        return states

    def current(self) -> Fixes:
        """The switches for one request."""
        on = {state.name: state.on for state in self.states()}
        return Fixes(on["n-plus-one"], on["slow-ratings"], on["flaky-write"], self.settings["flaky_write_rate"])
