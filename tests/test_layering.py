"""The import rules that keep Journey's layers one-way: components never reach up into the launcher."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"backend", "collector", "common", "journey", "ratings"}
# which of the project's packages each may import; the launcher (journey) sits on top
MAY_IMPORT = {
    "common": set(),
    "backend": {"common"},
    "collector": {"common"},
    "ratings": {"common"},
    "journey": {"common", "backend", "collector", "ratings", "journey"},
}


def project_imports(path: Path) -> set[str]:
    """The top-level project packages a module imports (absolute imports; relative ones stay inside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PROJECT


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_each_package_imports_only_the_layers_below_it(package):
    allowed = MAY_IMPORT[package] | {package}
    wrong = {
        str(path.relative_to(ROOT)): sorted(project_imports(path) - allowed)
        for path in (ROOT / package).rglob("*.py")
        if project_imports(path) - allowed
    }
    assert wrong == {}, f"{package} may import only {sorted(allowed)}"


def test_journey_check_loads_neither_flask_nor_the_backend(tmp_path):
    shape = tmp_path / "shape.json"
    shape.write_text('{"find": {"service": "frontend"}, "spans": [{"service": "frontend", "name": "search talks"}]}')
    probe = (
        "import sys\n"
        "from journey.cli import main\n"
        f"status = main(['check', '--shape', {str(shape)!r}, '--collector', 'http://127.0.0.1:9'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'werkzeug', 'strawberry', 'backend',"
        " 'collector', 'ratings'})\n"
        "print('loaded:', heavy, 'status:', status)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    # status 2 with the collector named: the shape was read and the check got as far as the network
    assert "loaded: [] status: 2" in result.stdout, result.stdout + result.stderr
    assert "127.0.0.1:9" in result.stderr
