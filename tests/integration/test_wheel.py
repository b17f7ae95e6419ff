"""``pip install`` of the project gives a server that serves the app and has its migrations.

The wheel is built from a copy of the sources (nothing written into the checkout) with the
setuptools of the test environment (``--no-build-isolation``: no network), and installed with
``--no-deps`` into a fresh virtual environment that finds the dependencies in this one through
a ``.pth`` line (which, unlike a site directory, runs none of this one's ``.pth`` files, so
the editable install of the checkout stays out). The server then runs from the fresh
environment, in a folder outside the checkout, on a temporary SQLite database.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import venv
from pathlib import Path

import httpx
import pytest

from tests.live_server import START_TIMEOUT_SECONDS, free_port, server_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# The build and the installs each take a few seconds; two minutes is far beyond either.
STEP_TIMEOUT_SECONDS = 120


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    answer = subprocess.run(
        args, capture_output=True, text=True, timeout=STEP_TIMEOUT_SECONDS, **kwargs
    )
    assert answer.returncode == 0, f"{args}:\n{answer.stdout}\n{answer.stderr}"
    return answer


def _copy_sources(target: Path) -> None:
    """pyproject.toml, the README and the top-level packages the project's config includes."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    tops = [p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")]
    for top in tops:
        if any(fnmatch.fnmatchcase(top.name, pattern) for pattern in patterns):
            shutil.copytree(top, target / top.name, ignore=shutil.ignore_patterns("__pycache__"))


def _build_wheel(tmp: Path) -> Path:
    _copy_sources(tmp / "src")
    build = ["wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    _run([sys.executable, "-m", "pip", *build, "--wheel-dir", str(tmp / "dist"), str(tmp / "src")])
    (wheel,) = (tmp / "dist").glob("lockwork-*.whl")
    return wheel


def _fresh_venv(tmp: Path, wheel: Path) -> Path:
    env_dir = tmp / "fresh"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    # The dependencies: this environment's site-packages, as a plain path (see the docstring).
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = ["install", "--no-deps", "--no-index", str(wheel)]
    _run([sys.executable, "-m", "pip", "--python", str(python), *install])
    return env_dir


# Where the installed server's code and the app it serves are.
WHERE = "import server, server.pwa_routes as r; print(server.__file__, r.PWA_DIR)"


def test_the_installed_wheel_serves_the_app_and_migrates(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    env_dir = _fresh_venv(tmp_path, wheel)
    outside = tmp_path / "elsewhere"  # not the checkout: nothing imported from the sources
    outside.mkdir()
    env = server_env(f"sqlite:///{tmp_path / 'lockwork.sqlite3'}", tmp_path / "var")
    env.pop("PYTHONPATH", None)
    run = {"cwd": outside, "env": env}

    python = str(env_dir / "bin" / "python")
    where = _run([python, "-c", WHERE], **run).stdout.split()
    assert len(where) == 2 and all(
        Path(p).resolve().is_relative_to(env_dir.resolve()) for p in where
    ), where

    server = str(env_dir / "bin" / "lockwork-server")
    migrated = _run([server, "migrate"], **run)
    applied = re.search(r"(\d+) migrations applied, (\d+) pending", migrated.stdout)
    assert applied, migrated.stdout
    assert int(applied.group(1)) > 0 and applied.group(2) == "0"

    port = free_port()
    process = subprocess.Popen(
        [server, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **run,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=5) as client:
            _wait_healthy(client, process)
            index = client.get("/", headers={"Accept": "text/html"})
            assert index.status_code == 200 and '<main id="main"' in index.text
            version = re.search(r"/v/([0-9a-f]{12})/app/main\.js", index.text)
            assert version, index.text
            main = client.get(f"/v/{version.group(1)}/app/main.js")
            assert main.status_code == 200
            assert main.headers["content-type"].startswith("text/javascript")
            assert "boot()" in main.text
            rules = client.get(f"/v/{version.group(1)}/app/rules.js")
            assert rules.status_code == 200 and '"country":"SE"' in rules.text
            assert client.get("/sw.js").status_code == 200
            # The public pages without login come with the wheel too (pyproject's package data).
            for page, script in (("/s", "/s/reply.js"), ("/f", "/f/report.js")):
                assert client.get(page, headers={"Accept": "text/html"}).status_code == 200, page
                assert client.get(script).status_code == 200, script
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(client: httpx.Client, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"the installed server exited: {output}")
        try:
            if client.get("/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the installed server did not become healthy"
        time.sleep(0.1)
