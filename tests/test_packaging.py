"""Installable anywhere: the wheel `python -m build` makes installs into a
fresh virtual environment and serves from there; the Docker image serves
on port 8000 like amazon/dynamodb-local.

Marked `packaging` (`pytest -m "not packaging"` leaves them out). Bounded
so it never downloads the world: `build` and pyproject.toml's build
requirements (setuptools) are pip-installed, pip's cache first, into one
throwaway tools venv, and the wheel is built there without a second
(isolated) environment; the wheel goes into the fresh venv with --no-deps,
its dependencies read from this environment's site-packages through a .pth
line (a path line only: the editable install of the source tree is not
activated there). Offline, outside CI, the test is skipped with the reason;
in CI (CI=true) it fails instead. The Docker test needs a running container
runtime and is skipped, saying so, without one.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

import boto3
import httpx
import pytest
import support

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.packaging
IN_CI = os.environ.get("CI") == "true"
TIMEOUT = 300


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=TIMEOUT, **kwargs)


def unavailable(reason: str):
    """Fail in CI, skip elsewhere (offline machines, no container runtime)."""
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def venv_python(directory: Path) -> Path:
    return directory / "bin" / "python"


def fresh_venv(directory: Path, see_outer_packages: bool = True) -> Path:
    """A venv without pip (this environment's pip installs into it) that
    also sees this environment's site-packages, after its own."""
    made = run(sys.executable, "-m", "venv", "--without-pip", directory)
    assert made.returncode == 0, made.stderr
    if not see_outer_packages:
        return venv_python(directory)
    purelib = run(venv_python(directory), "-c",
                  "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    Path(purelib, "outer-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv_python(directory)


def pip_install(python: Path, *arguments: str) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "pip", "--python", python, "install",
               "--disable-pip-version-check", "--quiet", *arguments)


def build_front_end(tmp: Path) -> Path:
    """A tools venv's Python with `build` and the build requirements."""
    python = fresh_venv(tmp / "tools", see_outer_packages=False)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    installed = pip_install(python, "build", *requires)
    if installed.returncode != 0:
        unavailable(f"cannot install the `build` front end (offline?): {installed.stderr[-300:]}")
    return python


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"  # a copy: the build's scratch files stay out of the tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".peers", "data", "build", "dist", "*.egg-info", "__pycache__"))
    built = run(build_front_end(tmp), "-m", "build", "--wheel", "--no-isolation",
                "--outdir", tmp / "dist", source)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheels = list((tmp / "dist").glob("dynalite_py-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The fresh venv's bin directory, the wheel installed in it."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    python = fresh_venv(venv)
    result = pip_install(python, "--no-deps", wheel)
    assert result.returncode == 0, result.stderr
    return python.parent


def test_the_wheel_holds_the_packages_and_entry_points(installed, tmp_path):
    found = run(installed / "python", "-c",
                "import dynalite_py, server, importlib.metadata as m;"
                "print(dynalite_py.__file__);"
                "print(sorted(e.name for e in m.entry_points(group='pytest11')));"
                "print(m.version('dynalite-py'))", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    location, plugins, version = found.stdout.splitlines()
    assert location.startswith(str(installed.parent)), location  # the wheel's, not the tree's
    assert "dynalite_py.testing.plugin" in plugins
    import dynalite_py
    assert version == dynalite_py.__version__


def test_the_installed_command_prints_its_version(installed, tmp_path):
    result = run(installed / "dynalite-py", "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import dynalite_py
    assert result.stdout.strip() == f"dynalite-py {dynalite_py.__version__}"


def test_the_installed_server_answers_put_and_get(installed, tmp_path):
    port = support.free_port()
    process = subprocess.Popen(
        [str(installed / "dynalite-py"), "serve", "--port", str(port), "--workers", "1",
         "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        assert "serving" in process.stderr.readline()
        support.wait_for(lambda: healthy(url))
        client = support.http_client(url)
        name = support.create_table(client)
        client.put_item(TableName=name, Item={"pk": {"S": "wheel"}, "ok": {"BOOL": True}})
        item = client.get_item(TableName=name, Key={"pk": {"S": "wheel"}})["Item"]
        assert item == {"pk": {"S": "wheel"}, "ok": {"BOOL": True}}
    finally:
        process.terminate()
        process.wait(10)


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def container_runtime() -> str | None:
    """docker or podman, if one is installed and its daemon answers."""
    for runtime in ("docker", "podman"):
        if shutil.which(runtime) and run(runtime, "info").returncode == 0:
            return runtime
    return None


def test_the_docker_image_serves_on_port_8000():
    runtime = container_runtime()
    if runtime is None:
        # CI's machines have the docker client but no engine: skip there too
        pytest.skip("no container runtime answers (docker/podman info failed): "
                    "the Dockerfile is not smoke-tested here")
    tag = "dynalite-py:smoke-test"
    built = run(runtime, "build", "-t", tag, ROOT)
    assert built.returncode == 0, built.stderr[-2000:]
    port = support.free_port()
    started = run(runtime, "run", "-d", "--rm", "-p", f"127.0.0.1:{port}:8000", tag)
    assert started.returncode == 0, started.stderr
    container = started.stdout.strip()
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while not healthy(url):
            assert time.time() < deadline, "the container did not answer"
            time.sleep(0.2)
        client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                              aws_access_key_id="any", aws_secret_access_key="any")
        name = support.create_table(client)
        client.put_item(TableName=name, Item={"pk": {"S": "docker"}})
        assert client.get_item(TableName=name, Key={"pk": {"S": "docker"}})["Item"]
    finally:
        run(runtime, "stop", container)


def dockerfile_environment() -> dict[str, str]:
    """The ENV settings of the Dockerfile."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    settings = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                name, _, value = pair.partition("=")
                settings[name] = value
    return settings


def dockerfile_command() -> list[str]:
    import json
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    entry = next(json.loads(line[len("ENTRYPOINT "):]) for line in lines
                 if line.startswith("ENTRYPOINT "))
    command = next(json.loads(line[len("CMD "):]) for line in lines if line.startswith("CMD "))
    return entry + command


def test_the_images_settings_serve_other_containers_without_a_runtime(tmp_path):
    """What the image runs, run here: every address, any Host name (a service
    container is reached by its name), the Lambda API off, in memory."""
    environment = dockerfile_environment()
    assert environment["DYNALITE_PORT"] == "8000" and "EXPOSE 8000" in \
        (ROOT / "Dockerfile").read_text()
    port = support.free_port()
    command = dockerfile_command()
    assert command[0] == "dynalite-py"
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", *command[1:], "--workers", "1"],
        env={**os.environ, **environment, "DYNALITE_PORT": str(port)}, cwd=ROOT,
        stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stderr.readline()
        assert f"serving http://127.0.0.1:{port}" in banner, banner
        url = f"http://127.0.0.1:{port}"
        support.wait_for(lambda: healthy(url))
        client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                              aws_access_key_id="any", aws_secret_access_key="any")
        client.meta.events.register(  # as another container names it
            "before-send", lambda request, **_: request.headers.__setitem__(
                "Host", f"dynalite:{port}"))
        assert client.list_tables()["TableNames"] == []
        functions = httpx.get(f"{url}/2015-03-31/functions/")
        assert functions.status_code >= 400  # the Lambda API is off
    finally:
        process.terminate()
        process.wait(10)
