"""`journey fix`: fix a planted problem, undo the fix, or list them; remembered in the data directory.

    journey fix                       list the fixes, and which are made
    journey fix n-plus-one            make a fix (several at once, or all)
    journey fix --undo n-plus-one     undo it: the problem is planted again (several, or all)

The fixes are remembered in <data-dir>/fixes.json (.journey by default), so they add up across
restarts, and a running demo follows them from its next request: no restart needed. A switch given
to the demo (JOURNEY_FIX_N_PLUS_ONE=true or false, ...) overrides what is remembered.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from backend.fixes import FIXES, FIXES_FILE, FixesFileError, override_variable, read_remembered, remember, what_it_fixes
from common.settings import Setting, SettingError

FIX_SETTINGS = [
    Setting(
        "data_dir",
        "JOURNEY_DATA_DIR",
        ".journey",
        f"the demo's data directory, where the fixes are remembered ({FIXES_FILE})",
        "--data-dir",
    ),
]
ALL = "all"
AFRESH = f"`journey fix --undo {ALL}` writes it afresh (every problem planted again); then make your fixes again"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's words besides its settings: the fixes to make, --undo, --list."""
    choices = f"{', '.join(FIXES)}, or {ALL}"
    parser.add_argument("names", nargs="*", metavar="FIX", help=f"fixes to make: {choices}")
    parser.add_argument("--undo", nargs="+", metavar="FIX", help=f"fixes to undo (the problem comes back): {choices}")
    parser.add_argument("--list", action="store_true", help="list the fixes and which are made (also without words)")
    parser.epilog = __doc__.split("\n\n", 1)[1]
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def named(words: list[str]) -> list[str]:
    """The fixes the words name, in the table's order; SettingError naming the choices for any other word."""
    unknown = [word for word in words if word != ALL and word not in FIXES]
    if unknown:
        raise SettingError(f"no fix named {', '.join(map(repr, unknown))}: the fixes are {', '.join(FIXES)} (or {ALL})")
    return [name for name in FIXES if name in words or ALL in words]


def listing(made: list[str]) -> list[str]:
    """One line per fix: its name, fixed or planted, what it changes."""
    width = max(map(len, FIXES))
    return [f"  {name:<{width}}  {'fixed  ' if name in made else 'planted'}  {what_it_fixes(name)}" for name in FIXES]


def overridden_here() -> list[str]:
    """The switches set in this shell, which override the remembered fixes for a demo started from it."""
    found = []
    for name in FIXES:
        value = os.environ.get(override_variable(name), "")
        if value:
            found.append(f"{override_variable(name)}={value}")
    return found


def changes(making: list[str], undoing: list[str], before: list[str]) -> list[str]:
    """What making and undoing the fixes did, one line each."""
    if set(undoing) == set(FIXES):
        return ["every fix undone: every problem is planted again"]
    return [
        *(f"{name}: {'already fixed' if name in before else 'fixed'}: {what_it_fixes(name)}" for name in making),
        *(f"{name}: {'planted again' if name in before else 'was not fixed'}" for name in undoing),
    ]


def run(config: dict, make: list[str], undo: list[str]) -> int:
    """Make or undo the fixes named, then list them all; with none named, only list them."""
    data_dir = Path(config["data_dir"])
    path = data_dir / FIXES_FILE
    if make and undo:
        raise SettingError("make fixes or undo them, one or the other at a time")
    making, undoing = named(make), named(undo)
    new_here = not data_dir.is_dir()
    lines = []
    try:
        before = read_remembered(path)
    except FixesFileError as error:
        if set(undoing) != set(FIXES):
            raise SettingError(f"{error}\n  {AFRESH}") from None
        before = []  # undoing every fix needs nothing from the file: the way out of a damaged one
        lines.append(f"{error}: written afresh")
    after = [name for name in FIXES if (name in before or name in making) and name not in undoing]
    if making or undoing:
        remember(path, after)
        lines += changes(making, undoing, before)
        lines.append("Remembered: a running demo follows it from its next request, and restarts keep it.\n")
    lines += [f"Fixes remembered in {path}:", *listing(after)]
    if overridden_here():
        lines.append(
            f"note: {', '.join(overridden_here())} in this shell: a demo started from it follows "
            "that instead of what is remembered"
        )
    if new_here and (making or undoing):
        lines.append(
            f"note: {data_dir} did not exist: no demo has run here yet; run `journey fix` where you run `make demo` "
            "(or give the demo's --data-dir)"
        )
    print("\n".join(lines))
    return 0
