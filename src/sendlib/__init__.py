"""sendlib: reproducible SEND (EHCP) analytics for English local authorities.

The public API is re-exported here; each measure is defined in exactly one module:

- :mod:`sendlib.schema`   the extract's data contract (tables, columns, vocabularies)
- :mod:`sendlib.load`     reading, cleaning and validating an extract -> :class:`Extract`
- :mod:`sendlib.periods`  month ends, financial years and months, DfE time periods
- :mod:`sendlib.config`   project paths and environment settings
"""

from __future__ import annotations

from sendlib import headlines  # a module callable as headlines.headlines() (see its docstring)
from sendlib.extract import Extract, Issue
from sendlib.series import monthly_series

__all__ = ["Extract", "Issue", "headlines", "monthly_series"]
__version__ = "0.1.0"
