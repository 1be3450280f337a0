"""Compatibility alias: the cross-LA one-year-ahead caseload forecast and its backtest now live in
:mod:`sendlib.dfe.caseload_forecast` and :mod:`sendlib.dfe.caseload_backtest`. Kept only so that code
still importing ``sendlib.backtest`` (notebook 05) runs until it imports those modules; remove then."""

from sendlib.dfe.caseload_backtest import (  # noqa: F401
    TARGET_YEARS,
    backtest_frame,
    baselines,
    run_backtest,
    summarise,
)
from sendlib.dfe.caseload_forecast import (  # noqa: F401
    forecast_next_january,
    forecast_year,
    national_growth,
    point_forecast,
)
