"""The ``sendlib`` command line: thin argument parsing over functions callable from Python.

Each subcommand lives in :mod:`sendlib.commands` as a module with ``register(subparsers)``; the handler
returns an exit code. Exit codes: 0 success, 1 the data (or a run) failed, 2 usage error. Errors that
sendlib raises on purpose print their message only; anything unexpected prints one line asking for a
bug report, and the traceback only with ``--debug``.

Paths given on the command line (the one rule, for every command and :func:`sendlib.report.refresh`):
an input (``--data DIR``, ``--mapping FILE``) given as a relative path is read from the current folder
when it exists there, else from the project root (:data:`sendlib.config.PROJECT_ROOT`); an output folder
(``--out``) given as a relative path is always in the project root. :func:`sendlib.config.input_path`
applies the rule and :data:`sendlib.config.RELATIVE_INPUT_HELP` says it in ``--help``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from sendlib.config import (  # noqa: F401 - the path rule lives in config; the commands use it from here
    RELATIVE_INPUT_HELP,
    data_folder,
    input_path,
    mapping_file,
    validate_hint,
)
from sendlib.errors import DataError, SendlibError, UsageError

#: Subcommand modules, in the order ``sendlib --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    # each feature adds its line here, e.g. "sendlib.commands.validate",
    "sendlib.commands.validate",
    "sendlib.commands.headlines",
    "sendlib.commands.backlog",
    "sendlib.commands.forecast",
    "sendlib.commands.forecast_backtest",
    "sendlib.commands.refresh",
    "sendlib.commands.sample",
    "sendlib.commands.dfe",
    "sendlib.commands.outlook",
)


# ---------------------------------------------------------------------------------------------------
# Helpers shared by the subcommands that read an extract (headlines, backlog, forecast, refresh): one
# message per problem
# ---------------------------------------------------------------------------------------------------

def as_of_option(value: str):
    """``--as-of YYYY-MM-DD`` -> a :class:`pandas.Timestamp`; argparse reports a bad date as a usage
    error (exit 2) naming the option."""
    import pandas as pd

    try:
        return pd.Timestamp(pd.to_datetime(value, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-11-30") from None


def add_extract_arguments(parser, period_help: str = "month (default: the extract's last full month)") -> None:
    """``--data DIR``, ``--period YYYY-MM``, ``--mapping FILE`` and ``--as-of YYYY-MM-DD``, as every
    command that reads an extract takes them (each default written once, in the help text)."""
    from sendlib import config

    parser.add_argument("--data", metavar="DIR", default=None,
                        help=f"extract folder (default: {config.SAMPLE_DIR}); {RELATIVE_INPUT_HELP}")
    parser.add_argument("--period", metavar="YYYY-MM", default=None, help=period_help)
    parser.add_argument(
        "--mapping", metavar="FILE", default=None,
        help="TOML mapping of the extract's file, sheet, column and label names to sendlib's (as for "
        "`sendlib validate --mapping`; default: none, the names are sendlib's); read like --data",
    )
    parser.add_argument(
        "--as-of", metavar="YYYY-MM-DD", type=as_of_option, default=None,
        help="the extract date: events after it are not counted and, without --period, its last full month "
        "is reported (default: as_of in the folder's extract.toml, else the latest event date not after today)",
    )


def load_usable_extract(data_dir: Path, mapping: Path | None = None, as_of=None):
    """:func:`sendlib.load` the folder (with the ``mapping`` file, if any, and the ``--as-of`` date, if
    given); :class:`DataError` (exit 1) naming the blocking issues if unusable."""
    from sendlib import load

    extract = load(data_dir, mapping=mapping, as_of=as_of, errors="return")
    if not extract.usable:
        blocking = "; ".join(str(i) for i in extract.issues if i.severity == "blocking")
        raise DataError(
            f"the extract in {data_dir} cannot be used: {blocking} (run `{validate_hint(data_dir, mapping)}`)"
        )
    return extract


#: The years a month option (``--period``, ``--to``) may name, first and last inclusive. Wide enough for
#: any SEND extract (EHCPs began in September 2014; statements before them date from the 1980s) and any
#: forecast a committee would ask for; narrow enough that every date a command works out from the
#: month stays inside the dates pandas can hold (1677-09-21 to 2262-04-11): the backlog's history
#: goes back at most 240 months (``sendlib backlog --months``), to 1970, and a forecast runs to the end of the
#: following financial year, 2102. A year outside this is a usage error (exit 2), not a sendlib bug.
MONTH_OPTION_YEARS: tuple[int, int] = (1990, 2100)


def month_option(value: str | None, option: str):
    """``--period``/``--to`` ``YYYY-MM`` -> its month end (None passes through).

    :class:`UsageError` (exit 2) naming the option when it is not a month written YYYY-MM or its year
    is outside :data:`MONTH_OPTION_YEARS`.
    """
    from sendlib import periods

    try:
        month = periods.parse_period(value)
    except ValueError as exc:
        raise UsageError(f"{option} {value}: {exc}") from None
    first, last = MONTH_OPTION_YEARS
    if month is not None and not first <= month.year <= last:
        raise UsageError(
            f"{option} {value}: year {month.year} is outside the years sendlib accepts, {first} to {last}; "
            f"give a month from {first}-01 to {last}-12"
        )
    return month


def report_period(extract, period):
    """The month end to report: ``period`` (from :func:`month_option`) or the extract's last full month.

    :class:`UsageError` when the extract has no ``as_of`` and no period was given, or when the period is
    after the extract's last full month (its figures would describe months the extract has not seen).
    """
    import pandas as pd

    from sendlib import periods

    last = None if extract.as_of is None else periods.last_full_month(extract.as_of)
    if period is None:
        if last is None:
            raise UsageError("the extract has no as_of date: give --period YYYY-MM")
        return last
    if last is not None and period > last:
        raise UsageError(
            f"--period {periods.period_label(period)} is after the extract's last full month "
            f"{periods.period_label(last)} (as_of {pd.Timestamp(extract.as_of):%Y-%m-%d}); "
            f"give --period {periods.period_label(last)} or earlier"
        )
    return period


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sendlib",
        description="Reproducible SEND (EHCP) analytics for an English local authority.",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe is reported here, inside the handler below
        return code
    except SendlibError as exc:
        print(f"sendlib {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `sendlib headlines | head -3`: the reader stopped early; not an error
        _silence_stdout()
        return 1
    except Exception as exc:  # noqa: BLE001 - last resort: never a bare traceback for the analyst
        if args.debug:
            raise
        print(
            f"sendlib {args.command}: unexpected error: {type(exc).__name__}: {exc}\n"
            "This is a bug in sendlib; please report it with the command you ran (add --debug for details).",
            file=sys.stderr,
        )
        return 1


def _silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush does not fail again (Python's documented
    recipe for SIGPIPE: https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
