"""docs/compatibility.md must mark exactly the engine's operations implemented."""
from __future__ import annotations

import re
from pathlib import Path

from dynalite_py.engine import OPERATIONS

DOC = Path(__file__).resolve().parent.parent / "docs" / "compatibility.md"


def test_implemented_operations_match_the_engine():
    rows = re.findall(r"^\| (\w+) \| (implemented[^|]*|planned[^|]*|not supported[^|]*) \|$",
                      DOC.read_text(), re.MULTILINE)
    implemented = {name for name, state in rows if state.startswith("implemented")}
    assert implemented == set().union(*OPERATIONS.values())
