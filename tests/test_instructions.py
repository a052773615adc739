"""bench/instructions.py: instruction counts per call under valgrind."""
from __future__ import annotations

import re
import shutil

import pytest

from bench import instructions


# the benchmark opens its own LMDB engine whatever --backend says: once is enough
@pytest.mark.lmdb_only("the instruction counter opens its own LMDB engine")
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_counts_instructions_per_get_item(capsys):
    # start-up and set-up vary by about 10M instructions run to run: 1,600
    # calls of difference keep that under 10k a call (60 calls went negative)
    assert instructions.main(["--calls", "2000", "get_item"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    count = int(re.fullmatch(r"\s*get_item\s+(-?[\d,]+)", line).group(1).replace(",", ""))
    # a GetItem is tens of thousands of instructions, not a start-up's billions
    assert 10_000 < count < 1_000_000


def test_rejects_an_unknown_operation(capsys):
    with pytest.raises(SystemExit):
        instructions.main(["scan"])
    assert "unknown operation(s): scan" in capsys.readouterr().err
