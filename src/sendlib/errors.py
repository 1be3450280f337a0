"""Exceptions sendlib raises on purpose. The CLI turns them into a message and an exit code."""

from __future__ import annotations


class SendlibError(Exception):
    """Base class: the message is written for the analyst and says what to do."""

    exit_code = 1


class DataError(SendlibError):
    """The input data cannot be used (missing file or column, unreadable file, blocking issues)."""

    exit_code = 1


class UsageError(SendlibError):
    """The command was called wrongly (bad option value, missing folder given on the command line)."""

    exit_code = 2
