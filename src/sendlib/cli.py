"""The ``sendlib`` command line: thin argument parsing over functions callable from Python.

Each subcommand lives in :mod:`sendlib.commands` as a module with ``register(subparsers)``; the handler
returns an exit code. Exit codes: 0 success, 1 the data (or a run) failed, 2 usage error. Errors that
sendlib raises on purpose print their message only; anything unexpected prints one line asking for a
bug report, and the traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sendlib.errors import SendlibError

#: Subcommand modules, in the order ``sendlib --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    # each feature adds its line here, e.g. "sendlib.commands.validate",
    "sendlib.commands.validate",
    "sendlib.commands.headlines",
    "sendlib.commands.refresh",
    "sendlib.commands.sample",
    "sendlib.commands.dfe",
)


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
        return int(args.func(args) or 0)
    except SendlibError as exc:
        print(f"sendlib {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: never a bare traceback for the analyst
        if args.debug:
            raise
        print(
            f"sendlib {args.command}: unexpected error: {type(exc).__name__}: {exc}\n"
            "This is a bug in sendlib; please report it with the command you ran (add --debug for details).",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
