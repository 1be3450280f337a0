"""Running ``sendlib`` subcommands in-process for tests: exit code, stdout, stderr; never a traceback."""

from __future__ import annotations

import json

from sendlib import cli


def run_command(capsys, command: str, *argv):
    code = cli.main([command, *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "unexpected error" not in err, err
    return code, out, err


def run_json(capsys, command: str, *argv) -> dict:
    code, out, err = run_command(capsys, command, *argv, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert out.strip() == json.dumps(report, indent=2, sort_keys=True)  # sorted keys, numbers as numbers
    return report
