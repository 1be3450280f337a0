"""sendlib: reproducible SEND (EHCP) analytics for English local authorities.

The public API is re-exported here; each measure is defined in exactly one module:

- :mod:`sendlib.schema`   the extract's data contract (tables, columns, vocabularies)
- :mod:`sendlib.load`     reading, cleaning and validating an extract -> :class:`Extract`
- :mod:`sendlib.periods`  month ends, financial years and months, DfE time periods
- :mod:`sendlib.config`   project paths and environment settings
"""

from __future__ import annotations

from sendlib import (
    backlog,  # overdue requests, throughput, flows, clearance projection
    forecast,  # caseload and spend forecasts against the Safety Valve plan and budget
    headlines,  # the month's headline figures: headlines.headlines(extract, period)
    timeliness,  # DfE 20-week timeliness
)
from sendlib.extract import Extract, Issue
from sendlib.load import load
from sendlib.series import monthly_series

__all__ = ["Extract", "Issue", "backlog", "forecast", "timeliness", "load", "headlines", "monthly_series"]
__version__ = "0.1.0"
