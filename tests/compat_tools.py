"""The real tools the compatibility tests (tests/test_compat_*.py) drive,
installed on first use into .compat/ under the project (gitignored), so
reruns start at once: the AWS CLI v1 in a venv of its own (its botocore pin
must not disturb ours), dynamodb-admin from npm. PynamoDB and powertools
come with the test extra (pyproject.toml). A tool that cannot be had
(offline, no npm) fails the test in CI (CI=true) and skips it elsewhere."""
from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPAT = ROOT / ".compat"
AWSCLI = "awscli>=1.32,<2"
DYNAMODB_ADMIN = "dynamodb-admin@5"
INSTALL_TIMEOUT = 600


def unavailable(reason: str):
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _run(command: list, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=INSTALL_TIMEOUT, **kwargs)


def aws_cli() -> Path:
    """The `aws` command of AWS CLI v1, installed into .compat/awscli-venv."""
    venv = COMPAT / "awscli-venv"
    aws = venv / "bin" / "aws"
    if not aws.exists():
        made = _run([sys.executable, "-m", "venv", venv])
        installed = made.returncode == 0 and _run(
            [venv / "bin" / "python", "-m", "pip", "install", "--quiet", AWSCLI]).returncode == 0
        if not installed or not aws.exists():
            shutil.rmtree(venv, ignore_errors=True)
            unavailable(f"could not install {AWSCLI} into {venv}")
    return aws


def dynamodb_admin() -> Path:
    """dynamodb-admin's entry script, npm-installed into .compat/node."""
    prefix = COMPAT / "node"
    script = prefix / "node_modules" / ".bin" / "dynamodb-admin"
    if not script.exists():
        if not _have_node():
            unavailable("node and npm are needed for dynamodb-admin (apt-get install nodejs npm)")
        installed = _run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                          DYNAMODB_ADMIN])
        if installed.returncode != 0 or not script.exists():
            unavailable(f"could not npm install {DYNAMODB_ADMIN}: {installed.stderr[-500:]}")
    return script


def _have_node() -> bool:
    """node and npm on PATH; as root with apt-get, Debian's are installed if missing."""
    if shutil.which("npm") and shutil.which("node"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if _run(["apt-get", "update", "-qq"], env=environment).returncode == 0:
            _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nodejs", "npm"],
                 env=environment)
    return bool(shutil.which("npm") and shutil.which("node"))


def python_library(name: str):
    """A library of the test extra, imported (missing: `pip install -e '.[test]'`)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        unavailable(f"{name} is missing: pip install -e '.[test]'")
