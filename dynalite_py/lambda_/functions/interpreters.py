"""Which installed Python runs a function's runtime: python3.X runs on an
interpreter that really is 3.X (this server's own when it is one, else
`python3.X` on PATH, asked for its version: a shim that cannot run it does
not count). Other runtimes do not run here."""
from __future__ import annotations

import shutil
import subprocess
import sys
from functools import cache

from ...errors import DynamoError

SERVER_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


@cache
def interpreter_for(runtime: str) -> str | None:
    """The interpreter that runs `runtime`, or None if none is installed."""
    if runtime == SERVER_RUNTIME:
        return sys.executable
    if not runtime.startswith("python3."):
        return None
    candidate = shutil.which(runtime)
    if candidate is None or version_of(candidate) != runtime.removeprefix("python"):
        return None
    return candidate


def version_of(interpreter: str) -> str | None:
    """"3.X" as the interpreter reports it, or None if it does not run."""
    try:
        answer = subprocess.run([interpreter, "-c", "import sys; print('%d.%d' % "
                                 "sys.version_info[:2])"], capture_output=True, text=True,
                                timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return answer.stdout.strip() if answer.returncode == 0 else None


def check_runtime(runtime: str | None) -> None:
    """A runtime CreateFunction or UpdateFunctionConfiguration may name:
    a python3.X whose interpreter is installed."""
    if runtime is None or interpreter_for(runtime) is not None:
        return
    if runtime.startswith("python3."):
        reason = (f"no {runtime} interpreter is installed on this host (this server runs "
                  f"{SERVER_RUNTIME})")
    else:
        reason = "functions run as python3.x handlers"
    raise DynamoError("InvalidParameterValueException",
                      f"The runtime parameter of {runtime} is not supported by dynalite-py: "
                      f"{reason}.")
