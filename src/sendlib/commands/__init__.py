"""Subcommands of the ``sendlib`` CLI, one module each (``register(subparsers)``)."""
