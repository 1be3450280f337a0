"""Public DfE SEND statistics: reading (:mod:`.read`, split into :mod:`.parse`, :mod:`.releases`,
:mod:`.measures`), neighbours (:mod:`.neighbours`), fetching (:mod:`.fetch`), and the cross-LA one-year-ahead
caseload forecast (:mod:`.caseload_forecast`) with its backtest (:mod:`.caseload_backtest`). See
:mod:`sendlib.dfe.read` for the tidy table's columns and missing-value kinds."""

from sendlib.dfe.neighbours import NEIGHBOUR_LISTS, neighbour_table, neighbours
from sendlib.dfe.read import (
    MEASURES,
    MISSING_CODES,
    NOTES,
    TIDY_COLUMNS,
    MeasureInfo,
    current_las,
    january_caseload_history,
    la_lookup,
    latest_release,
    measure_catalogue,
    measure_info,
    read_all,
    read_release,
    read_release_2022,
    read_release_2025,
    read_s251,
    read_school_census,
    resolve_dfe_dir,
    series,
)

__all__ = [
    "MEASURES", "MISSING_CODES", "NEIGHBOUR_LISTS", "NOTES", "TIDY_COLUMNS", "MeasureInfo", "current_las",
    "january_caseload_history", "la_lookup", "latest_release", "measure_catalogue", "measure_info", "neighbour_table", "neighbours", "read_all",
    "read_release", "read_release_2022", "read_release_2025", "read_s251", "read_school_census", "resolve_dfe_dir", "series",
]
