"""Interactive use: a Jupyter server from the project environment opens every notebook and starts a
kernel for it through the REST API (contents and sessions), and the kernel can import sendlib and
resolve the sample from the notebook's own folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from sendlib import config
from sendlib.notebook_list import report_notebooks

pytestmark = pytest.mark.notebooks

NOTEBOOKS = [p.name for p in report_notebooks(config.NOTEBOOKS_DIR)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int, token: str):
        self.base = f"http://127.0.0.1:{port}"
        self.port, self.token = port, token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.base}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, None


@contextlib.contextmanager
def _serve(tmp_path_factory, root):
    port, token = _free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("jupyter_runtime")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    log = open(runtime / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "server",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.port_retries=0",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    srv = Server(port, token)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if srv.call("GET", "/api/status")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.3)
    else:
        proc.kill()
    if proc.poll() is not None:
        log.close()
        pytest.fail("jupyter server did not start:\n" + (runtime / "server.log").read_text()[-2000:])
    yield srv
    try:
        srv.call("POST", "/api/shutdown")
        proc.wait(timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with _serve(tmp_path_factory, config.NOTEBOOKS_DIR) as srv:
        yield srv


async def _execute(srv: Server, kernel_id: str, code: str, timeout: float = 60) -> tuple[str, str]:
    """Run ``code`` on the kernel over the websocket; returns (status, stdout)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = f"ws://127.0.0.1:{srv.port}/api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {srv.token}"}))
    msg_id = uuid.uuid4().hex
    ws.write_message(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "username": "test",
                    "session": uuid.uuid4().hex,
                    "version": "5.3",
                    "date": "",
                },
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
    )
    out, status = [], ""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not status:
        raw = await asyncio.wait_for(ws.read_message(), timeout=end - time.monotonic())
        if raw is None:
            break
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
        elif msg["msg_type"] == "execute_reply":
            status = msg["content"]["status"]
    ws.close()
    return status, "".join(out)


def test_server_lists_the_notebooks(server):
    code, listing = server.call("GET", "/api/contents")
    assert code == 200
    names = {item["name"] for item in listing["content"]}
    assert set(NOTEBOOKS) <= names


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_notebook_opens_with_a_kernel(server, name):
    code, model = server.call("GET", f"/api/contents/{name}")
    assert code == 200 and model["type"] == "notebook"
    cells = model["content"]["cells"]
    assert any("parameters" in c["metadata"].get("tags", []) for c in cells)
    code, session = server.call(
        "POST",
        "/api/sessions",
        {"path": name, "type": "notebook", "name": name, "kernel": {"name": "python3"}},
    )
    assert code == 201, code
    kernel = session["kernel"]["id"]
    try:
        assert server.call("GET", f"/api/kernels/{kernel}")[0] == 200
        if name.startswith("00"):
            # the kernel is the project's python: sendlib imports and finds the sample from notebooks/
            status, out = asyncio.run(
                _execute(
                    server,
                    kernel,
                    "import os, sendlib\nfrom sendlib import config\n"
                    "print(os.getcwd().endswith('notebooks'), config.resolve_path('data/sample').is_dir())",
                )
            )
            assert status == "ok", out
            assert out.strip() == "True True"
    finally:
        assert server.call("DELETE", f"/api/sessions/{session['id']}")[0] == 204


def test_saving_in_lab_writes_the_paired_py(tmp_path_factory):
    """make lab serves notebooks/: jupytext's contents manager reads notebooks/jupytext.toml there and,
    when a notebook is saved, writes its .py too (on a copy of one pair, not the committed files)."""
    import shutil

    root = tmp_path_factory.mktemp("lab_root")
    for name in ("03_backlog.ipynb", "03_backlog.py", "jupytext.toml"):
        shutil.copy(config.NOTEBOOKS_DIR / name, root / name)
    with _serve(tmp_path_factory, root) as srv:
        code, model = srv.call("GET", "/api/contents/03_backlog.ipynb")
        assert code == 200
        content = model["content"]
        md = next(c for c in content["cells"] if c["cell_type"] == "markdown" and c["source"] == "## Trend")
        md["source"] = "## Trend over two years"
        code, _ = srv.call("PUT", "/api/contents/03_backlog.ipynb", {"type": "notebook", "format": "json",
                                                                     "content": content})
        assert code == 200
    script = (root / "03_backlog.py").read_text(encoding="utf-8")
    assert "# ## Trend over two years" in script
    assert '# %% tags=["parameters"]' in script
