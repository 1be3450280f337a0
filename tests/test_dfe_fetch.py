"""`sendlib fetch-dfe` over real HTTP: a ThreadingHTTPServer on 127.0.0.1 serves copies of a few DfE
files (copied into tmp_path at test time, never into the repository); no mocked HTTP client."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sendlib.cli import main

FILES = ["data-guidance/data-guidance.txt", "data/timeliness_20_week.csv"]


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with single-range ``Range: bytes=N-`` support (206 Partial Content)."""

    requests_seen: list = []

    def log_message(self, *args):  # keep pytest output quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        type(self).requests_seen.append((self.path, self.headers.get("Range")))
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            body = data[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(body)


def _serve(root):
    def handler(*a, **k):
        return RangeHandler(*a, directory=str(root), **k)

    RangeHandler.requests_seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def served(tmp_path, dfe_dir):
    """A server whose root holds copies of FILES in the release layout; yields (base_url, root)."""
    root = tmp_path / "server"
    for f in FILES:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dfe_dir / "ehcp-2025" / f, root / f)
    yield from _serve(root)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def run_fetch(base_url, out, capsys=None):
    return main(["fetch-dfe", "--out", str(out), "--base-url", base_url, "--files", ",".join(FILES),
                 "--quiet"])


def test_download_and_manifest(served, tmp_path):
    base, root = served
    out = tmp_path / "public"
    assert run_fetch(base, out) == 0
    manifest = json.loads((out / "ehcp-2025" / "MANIFEST.json").read_text())
    assert sorted(manifest) == sorted(FILES)
    for f in FILES:
        got = out / "ehcp-2025" / f
        assert sha(got) == sha(root / f)  # byte-identical copy
        assert manifest[f]["sha256"] == sha(root / f)
        assert manifest[f]["bytes"] == (root / f).stat().st_size
        assert manifest[f]["url"] == f"{base}/{f}"
    # second run: checksums match, nothing is requested again
    RangeHandler.requests_seen = []
    assert run_fetch(base, out) == 0
    assert RangeHandler.requests_seen == []


def test_resume_partial_file(served, tmp_path):
    base, root = served
    out = tmp_path / "public"
    target = out / "ehcp-2025" / "data" / "timeliness_20_week.csv"
    target.parent.mkdir(parents=True)
    full = (root / "data" / "timeliness_20_week.csv").read_bytes()
    half = len(full) // 2
    (target.parent / (target.name + ".part")).write_bytes(full[:half])
    assert run_fetch(base, out) == 0
    assert target.read_bytes() == full
    assert not (target.parent / (target.name + ".part")).exists()
    ranges = [r for p, r in RangeHandler.requests_seen if p.endswith("timeliness_20_week.csv")]
    assert ranges == [f"bytes={half}-"]  # only the missing half was asked for


def test_changed_file_is_downloaded_again(served, tmp_path):
    base, root = served
    out = tmp_path / "public"
    assert run_fetch(base, out) == 0
    local = out / "ehcp-2025" / FILES[0]
    local.write_bytes(b"tampered")
    RangeHandler.requests_seen = []
    assert run_fetch(base, out) == 0
    assert sha(local) == sha(root / FILES[0])
    assert [p for p, _ in RangeHandler.requests_seen] == ["/" + FILES[0]]


def test_offline_is_a_clear_message(tmp_path, capsys):
    with socket.socket() as s:  # a free port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc = main(["fetch-dfe", "--out", str(tmp_path), "--base-url", f"http://127.0.0.1:{port}", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "cannot reach" in err and "offline" in err
    assert "Traceback" not in err


def test_unknown_release_and_file_are_usage_errors(tmp_path, capsys):
    assert main(["fetch-dfe", "--out", str(tmp_path), "--release", "1999"]) == 2
    assert "release 1999" in capsys.readouterr().err
    assert main(["fetch-dfe", "--out", str(tmp_path), "--base-url", "http://127.0.0.1:9",
                 "--files", "data/nope.csv"]) == 2
    assert "not files of the 2025 release" in capsys.readouterr().err


def test_release_zip_mirror(served, tmp_path):
    """The default path: DfE's 'download all data' zip, here a zip built at test time and served locally."""
    import zipfile

    base, root = served
    with zipfile.ZipFile(root / "release.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for f in FILES:
            zf.write(root / f, f)
    out = tmp_path / "public"
    rc = main(["fetch-dfe", "--out", str(out), "--base-url", f"{base}/release.zip", "--files", ",".join(FILES),
               "--quiet"])
    assert rc == 0
    manifest = json.loads((out / "ehcp-2025" / "MANIFEST.json").read_text())
    for f in FILES:
        assert sha(out / "ehcp-2025" / f) == sha(root / f) == manifest[f]["sha256"]
    # everything up to date: a second run downloads nothing
    RangeHandler.requests_seen = []
    assert main(["fetch-dfe", "--out", str(out), "--base-url", f"{base}/release.zip", "--files",
                 ",".join(FILES), "--quiet"]) == 0
    assert RangeHandler.requests_seen == []


# --- statistical-neighbour lists ---------------------------------------------------------------------
@pytest.fixture()
def served_lists(tmp_path, dfe_dir):
    """A server holding a copy of DfE's May 2025 list and a hand-built April 2021 list."""
    from tests.sn_fixtures import write_sn_workbook

    root = tmp_path / "lists"
    root.mkdir()
    shutil.copyfile(dfe_dir / "lait" / "sn_may_2025.xlsx", root / "sn_may_2025.xlsx")
    codes = [str(c) for c in range(801, 812)]
    write_sn_workbook(root / "sn_april_2021.xlsx",
                      {c: (f"LA {c}", [x for x in codes if x != c]) for c in codes})
    yield from _serve(root)


def test_fetch_neighbour_lists(served_lists, tmp_path, capsys):
    from sendlib import dfe
    from sendlib.dfe.neighbours import NEIGHBOUR_LISTS

    base, root = served_lists
    out = tmp_path / "public"
    assert main(["fetch-dfe", "--neighbours", "--out", str(out), "--base-url", base, "--quiet"]) == 0
    assert "statistical-neighbour lists 2025, 2021" in capsys.readouterr().out
    manifest = json.loads((out / "lait" / "MANIFEST.json").read_text())
    assert sorted(manifest) == ["sn_april_2021.xlsx", "sn_may_2025.xlsx"]
    for name in manifest:
        assert sha(out / "lait" / name) == sha(root / name) == manifest[name]["sha256"]
    # DfE's published checksum of the May 2025 list (its .source.md) is what was recorded
    assert manifest["sn_may_2025.xlsx"]["sha256"] == NEIGHBOUR_LISTS["2025"].sha256
    # the downloaded folder is usable as a DfE folder for neighbours
    assert dfe.neighbours("878", "2025", out)[0] == "845"
    assert dfe.neighbours("801", "2021", out) == [str(c) for c in range(802, 812)]
    RangeHandler.requests_seen = []  # up to date: nothing downloaded again
    assert main(["fetch-dfe", "--neighbours", "2021", "--out", str(out), "--base-url", base, "--quiet"]) == 0
    assert RangeHandler.requests_seen == []


def test_fetch_refuses_a_list_that_is_not_dfes(tmp_path, capsys):
    from tests.sn_fixtures import write_sn_workbook

    root = tmp_path / "fake"
    codes = [str(c) for c in range(801, 812)]
    write_sn_workbook(root / "sn_may_2025.xlsx", {c: (f"LA {c}", [x for x in codes if x != c]) for c in codes})
    out = tmp_path / "public"
    for base, _ in _serve(root):
        rc = main(["fetch-dfe", "--neighbours", "2025", "--out", str(out), "--base-url", base, "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1 and "is not that of DfE's May 2025 statistical-neighbour list" in err
    assert not (out / "lait" / "sn_may_2025.xlsx").exists()
    assert main(["fetch-dfe", "--neighbours", "2019", "--out", str(out), "--quiet"]) == 2
    assert "unknown statistical-neighbour list" in capsys.readouterr().err


def test_fetch_refuses_a_2021_list_that_is_not_a_workbook(tmp_path, capsys):
    """No checksum is published for the 2021 list, so the download must at least read as one."""
    root = tmp_path / "fake"
    root.mkdir()
    (root / "sn_april_2021.xlsx").write_text("<html><body>Not found</body></html>")
    out = tmp_path / "public"
    for base, _ in _serve(root):
        rc = main(["fetch-dfe", "--neighbours", "2021", "--out", str(out), "--base-url", base, "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1 and "did not return DfE's April 2021 statistical-neighbour workbook" in err
    assert not (out / "lait" / "sn_april_2021.xlsx").exists()
    manifest = out / "lait" / "MANIFEST.json"
    assert not manifest.exists() or "sn_april_2021.xlsx" not in json.loads(manifest.read_text())
