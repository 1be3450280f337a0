"""The command line as a whole: behaviour shared by every subcommand."""

from __future__ import annotations

import subprocess
import sys

from sendlib import config


def test_reader_closing_the_pipe_is_not_a_bug_report():
    """`sendlib validate | head -1`: the reader goes away before sendlib writes; no traceback, no
    "unexpected error" asking for a bug report."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sendlib.cli", "headlines", "--data", str(config.EXAMPLE_DIR)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # nobody reads: sendlib's first write meets a broken pipe
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    proc.stderr.close()
    assert "unexpected error" not in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert proc.returncode == 1
