"""Power loss in fsync mode, simulated (bench/powerloss.py): the server runs
under an LD_PRELOAD shim that keeps every write to the LMDB data file pending
until a sync covers it; after a SIGKILL the data directory is rebuilt from
what was durable plus some of the pending sectors, and a server on it must
hold every acknowledged write, whole transactions, GSI, stream and trigger
deliveries. `python -m bench.powerloss --trials 20` is the long run."""
from __future__ import annotations

import random

import pytest

from bench.powerloss import build_shim, compiler, trial, unsynced_control

pytestmark = [pytest.mark.skipif(
    compiler() is None,
    reason="no C compiler (gcc or cc) to build the LD_PRELOAD shim that simulates power loss"),
    pytest.mark.lmdb_only("power loss against data on disk")]


@pytest.fixture(scope="module")
def shim(tmp_path_factory):
    return build_shim(tmp_path_factory.mktemp("shim"))


@pytest.mark.parametrize("landing, kill_on_ack", [
    ("nothing", True),  # the cut right after an acknowledgement, no unsynced sector landed
    ("random sectors", False),  # at any moment, unsynced sectors torn at random
])
def test_acknowledged_writes_survive_a_power_cut_in_fsync_mode(shim, tmp_path, landing, kill_on_ack):
    result = trial(tmp_path, random.Random(5), shim, landing=landing, kill_on_ack=kill_on_ack)
    assert result["writes acknowledged"] > 0


def test_process_mode_loses_unsynced_writes_and_the_model_sees_every_write(shim, tmp_path):
    # nothing is synced in process mode: only the page cache (what a SIGKILL
    # leaves) holds the acknowledged writes, and the harness notices the loss
    control = unsynced_control(tmp_path, shim)
    assert control["kept, nothing landed"] < control["acknowledged"]
    assert control["kept, everything landed"] == control["acknowledged"]
