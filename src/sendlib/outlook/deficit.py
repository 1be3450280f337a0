"""The High Needs deficit path to the end of the Safety Valve agreement, with 80% intervals.

For every financial year in ``budget.csv`` (April-March; the agreement's years, e.g. 2023-24 to 2030-31):

- ``placement_spend``: placement spend net of partner contributions (pounds), actual for months on or
  before ``as_of`` (:func:`sendlib.forecast.monthly_placement_spend`), forecast after it along the
  caseload forecast (:func:`sendlib.forecast.forecast_caseload` to the last budget year, then
  :func:`sendlib.forecast.spend_paths`), less a scenario's one-off saving (:class:`Saving`);
- ``other_high_needs_spend``: ``budget.csv``'s figure (pounds; 0 when blank), ``spend`` = the two;
- ``in_year_deficit`` = spend - ``hnb_budget``; ``cumulative_deficit`` = running sum over the budget's
  years of (in-year deficit - ``safety_valve_contribution``), pounds at 31 March;
- the agreement: ``planned_cumulative_deficit`` = running sum of (``planned_deficit`` -
  contribution); ``gap`` = cumulative - planned cumulative (pounds; positive: worse than agreed).

Stated assumptions (not in the data): the running sums start at 0 before the first year of
``budget.csv`` (give the budget from the agreement's first year so that the cumulative deficit is the
agreement's); ``planned_deficit`` is the in-year deficit before the DfE contribution, as
``safety_valve_overspend_cap`` is; a blank contribution or planned deficit is £0.

Intervals: every simulated path of the forecast (``n_sims``, seeded through
:func:`sendlib.config.rng_streams` inside :mod:`sendlib.forecast`) carries its own caseload and its own
unit cost of a new plan (:func:`sendlib.forecast.spend_paths`: the caseload simulations and the
bootstrap of recent new placements' costs), so it gives its own placement spend, deficit and
cumulative deficit; ``*_low80`` / ``*_high80`` are their 10% and 90% quantiles (the central figures
are the path without noise). The other high-needs spend and the budget are fixed inputs. The **zero year** is the first financial year, from the one containing ``as_of``,
whose cumulative deficit is £0 or less (None: not within the budget's years); its interval is the 10%
and 90% quantiles of the same year over the simulated paths (None at the late end: not within the
agreement for more than 10% of paths).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendlib import forecast, periods
from sendlib.errors import DataError
from sendlib.extract import Extract

#: Columns of :attr:`DeficitOutlook.table`, in order.
COLUMNS = (
    "basis",
    "placement_spend",
    "other_high_needs_spend",
    "spend",
    "spend_low80",
    "spend_high80",
    "hnb_budget",
    "in_year_deficit",
    "safety_valve_contribution",
    "cumulative_deficit",
    "cumulative_low80",
    "cumulative_high80",
    "planned_deficit",
    "planned_cumulative_deficit",
    "gap",
    "gap_low80",
    "gap_high80",
)


@dataclass(frozen=True)
class Saving:
    """A one-off saving: ``per_year`` pounds a year off forecast placement spend, in every forecast
    month from the month of ``start`` on (``per_year / 12`` a month). A saving of £0 changes nothing."""

    per_year: float = 0.0
    start: pd.Timestamp | str | None = None

    def monthly(self, months: pd.DatetimeIndex) -> np.ndarray:
        """Pounds saved in each month of ``months`` (month ends)."""
        if not self.per_year:
            return np.zeros(len(months))
        start = months[0] if self.start is None else periods.month_end(self.start)
        return np.where(months >= start, self.per_year / 12.0, 0.0)


@dataclass
class DeficitOutlook:
    """The deficit path: ``table`` (one row per financial year, :data:`COLUMNS`, pounds), the simulated
    cumulative deficits ``paths`` (shape (1 + n_sims, years), row 0 central), the zero year and its 80%
    interval (financial-year labels, None when not within the budget's years)."""

    as_of: pd.Timestamp
    table: pd.DataFrame
    paths: np.ndarray
    zero_year: str | None
    zero_year_low80: str | None
    zero_year_high80: str | None

    @property
    def last_year(self) -> str:
        """The agreement's last financial year (the last row of ``budget.csv``)."""
        return str(self.table.index[-1])

    def at(self, fy: str, column: str) -> float:
        """One figure of the table (pounds), e.g. ``at("2024-25", "gap")``."""
        return float(self.table.loc[periods.normalise_financial_year(fy), column])


def budget_years(budget: pd.DataFrame | None) -> pd.DataFrame:
    """``budget.csv`` sorted by financial year (normalised ``2024-25``), indexed by it, with blank
    ``planned_deficit``, ``safety_valve_contribution`` and ``other_high_needs_spend`` as £0. Raises
    ValueError when there is no budget (the deficit path needs one) and
    :class:`sendlib.errors.DataError` naming the missing year(s) when the financial years are not
    consecutive (a missing year would silently drop out of the cumulative deficit)."""
    if budget is None or budget.empty:
        raise ValueError(
            "the deficit path needs budget.csv (financial_year, hnb_budget, safety_valve_overspend_cap, "
            "planned_deficit, safety_valve_contribution): add it to the extract folder"
        )
    b = budget.copy()
    b["financial_year"] = b["financial_year"].astype(str).map(periods.normalise_financial_year)
    b = b.sort_values("financial_year").set_index("financial_year")
    starts = np.array([int(fy[:4]) for fy in b.index])
    missing = sorted(set(range(starts[0], starts[-1] + 1)) - set(starts.tolist())) if len(starts) else []
    if missing:
        labels = ", ".join(f"{y}-{(y + 1) % 100:02d}" for y in missing)
        raise DataError(
            f"budget.csv: financial year(s) {labels} missing between {b.index[0]} and {b.index[-1]} "
            "(deleted, or the row was quarantined): the cumulative deficit needs every year; add or "
            "correct the row for each missing year"
        )
    for col in ("planned_deficit", "safety_valve_contribution", "other_high_needs_spend"):
        b[col] = b[col].astype("float64").fillna(0.0) if col in b else 0.0
    return b


def deficit_table(
    budget: pd.DataFrame, placement_spend: np.ndarray, basis=None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The deficit path from placement spend by year (pounds): ``placement_spend`` has one column per
    row of :func:`budget_years` (``budget``) and one row per path (row 0 central; one row: no interval).

    Returns the table (:data:`COLUMNS`) and the cumulative deficit of every path (same shape). Pure
    arithmetic, no forecasting: the module docstring gives the definitions.
    """
    b = budget
    spend = (
        np.atleast_2d(np.asarray(placement_spend, dtype=float))
        + b["other_high_needs_spend"].to_numpy()[None, :]
    )
    contribution = b["safety_valve_contribution"].to_numpy(dtype=float)
    in_year = spend - b["hnb_budget"].to_numpy(dtype=float)[None, :]
    cumulative = np.cumsum(in_year - contribution[None, :], axis=1)
    planned = np.cumsum(b["planned_deficit"].to_numpy(dtype=float) - contribution)
    sims = slice(1, None) if spend.shape[0] > 1 else slice(0, 1)

    def q(a, p):
        return np.quantile(a[sims], p, axis=0)

    out = pd.DataFrame(index=b.index.rename("financial_year"))
    out["basis"] = "forecast" if basis is None else list(basis)
    out["placement_spend"] = spend[0] - b["other_high_needs_spend"].to_numpy()
    out["other_high_needs_spend"] = b["other_high_needs_spend"].to_numpy(dtype=float)
    out["spend"] = spend[0]
    out["spend_low80"], out["spend_high80"] = q(spend, 0.10), q(spend, 0.90)
    out["hnb_budget"] = b["hnb_budget"].to_numpy(dtype=float)
    out["in_year_deficit"] = in_year[0]
    out["safety_valve_contribution"] = contribution
    out["cumulative_deficit"] = cumulative[0]
    out["cumulative_low80"], out["cumulative_high80"] = q(cumulative, 0.10), q(cumulative, 0.90)
    out["planned_deficit"] = b["planned_deficit"].to_numpy(dtype=float)
    out["planned_cumulative_deficit"] = planned
    out["gap"] = cumulative[0] - planned
    out["gap_low80"] = out["cumulative_low80"] - planned
    out["gap_high80"] = out["cumulative_high80"] - planned
    return out[list(COLUMNS)], cumulative


def zero_years(cumulative: np.ndarray, years, first: int = 0) -> tuple[str | None, str | None, str | None]:
    """(central, low80, high80) zero year: the first year, from column ``first``, whose cumulative
    deficit is £0 or less, for the central path (row 0) and the 10%/90% quantiles over the other rows
    (None: not within ``years``; with one row all three are the central year)."""
    c = np.atleast_2d(cumulative)[:, first:]
    hit = c <= 0
    idx = np.where(hit.any(axis=1), hit.argmax(axis=1), np.inf) + first
    sims = idx[1:] if len(idx) > 1 else idx

    def label(i: float) -> str | None:
        return None if not np.isfinite(i) else str(list(years)[int(i)])

    low = np.quantile(sims, 0.10, method="lower")
    high = np.quantile(sims, 0.90, method="higher")
    return label(idx[0]), label(low), label(high)


@dataclass
class Base:
    """What every deficit path of one extract and ``as_of`` shares (estimated once; see
    :func:`prepare`): the flow model, the budget years, actual placement spend by year (pounds)."""

    extract: Extract
    as_of: pd.Timestamp
    model: forecast.FlowModel
    budget: pd.DataFrame
    actual: np.ndarray
    basis: list[str]
    end: pd.Timestamp


def prepare(extract: Extract, as_of=None) -> Base:
    """Estimate the flow model at ``as_of`` (default: the extract's last full month) and add up actual
    placement spend by budget year (months on or before ``as_of``)."""
    as_of = periods.last_full_month(extract.as_of if as_of is None else as_of)
    b = budget_years(extract.budget)
    bounds = [periods.financial_year_bounds(fy) for fy in b.index]
    end = max(bounds[-1][1], periods.financial_year_end(as_of))
    past = periods.month_ends(bounds[0][0], min(as_of, bounds[-1][1])) if bounds[0][0] <= as_of else None
    actual = np.zeros(len(b))
    if past is not None and len(past):
        monthly = forecast.monthly_placement_spend(extract, past).to_numpy(dtype=float)
        actual = _by_year(monthly[None, :], past, bounds)[0]
    basis = [
        "actual" if stop <= as_of else ("actual + forecast" if start <= as_of else "forecast")
        for start, stop in bounds
    ]
    model = forecast.estimate_flow_model(extract, as_of)
    return Base(extract, as_of, model, b, actual, basis, end)


def _by_year(monthly: np.ndarray, months: pd.DatetimeIndex, bounds) -> np.ndarray:
    """Sum monthly columns into financial-year columns (months outside every year are dropped)."""
    starts = np.array([s.to_datetime64() for s, _ in bounds])
    stops = np.array([e.to_datetime64() for _, e in bounds])
    m = months.to_numpy()
    col = np.searchsorted(starts, m, side="right") - 1
    inside = (col >= 0) & (m <= stops[np.clip(col, 0, None)])
    indicator = np.zeros((len(m), len(bounds)))
    indicator[np.flatnonzero(inside), col[inside]] = 1.0
    return monthly @ indicator


def placement_spend_paths(
    base: Base,
    scenario: forecast.Scenario | None = None,
    saving: Saving | None = None,
    n_sims: int = forecast.DEFAULT_SIMS,
    seed: int | None = None,
) -> np.ndarray:
    """Placement spend by budget year along each caseload path (pounds, shape (1 + n_sims, years)):
    actual to ``as_of`` plus forecast after it, less ``saving``."""
    fc = forecast.project_caseload(base.model, end=base.end, scenario=scenario, n_sims=n_sims, seed=seed)
    paths, _ = forecast.spend_paths(base.extract, fc)
    months = pd.DatetimeIndex(fc.frame.index)
    if saving is not None:
        paths = paths - saving.monthly(months)[None, :]
    bounds = [periods.financial_year_bounds(fy) for fy in base.budget.index]
    return base.actual[None, :] + _by_year(paths, months, bounds)


def outlook_from_base(
    base: Base,
    scenario: forecast.Scenario | None = None,
    saving: Saving | None = None,
    n_sims: int = forecast.DEFAULT_SIMS,
    seed: int | None = None,
) -> DeficitOutlook:
    """:func:`deficit_outlook` on a prepared :class:`Base` (for many scenarios of one extract)."""
    spend = placement_spend_paths(base, scenario, saving, n_sims, seed)
    table, cumulative = deficit_table(base.budget, spend, base.basis)
    years = list(base.budget.index)
    current = periods.financial_year(base.as_of)
    first = years.index(current) if current in years else 0
    zero, low, high = zero_years(cumulative, years, first)
    return DeficitOutlook(base.as_of, table, cumulative, zero, low, high)


def deficit_outlook(
    extract: Extract,
    as_of=None,
    scenario: forecast.Scenario | None = None,
    saving: Saving | None = None,
    n_sims: int = forecast.DEFAULT_SIMS,
    seed: int | None = None,
) -> DeficitOutlook:
    """The deficit path to the last year of ``budget.csv`` with 80% intervals and the zero year (module
    docstring). ``n_sims=0``: the deterministic path only (intervals equal to it)."""
    return outlook_from_base(prepare(extract, as_of), scenario, saving, n_sims, seed)


def current_year_position(outlook: DeficitOutlook) -> int:
    """Row of ``outlook.table`` for the current financial year: the last year with actual or part-actual
    spend (basis ``actual`` or ``actual + forecast``); the first year when no year has any actual spend."""
    actual = np.flatnonzero(outlook.table["basis"].astype(str).str.startswith("actual").to_numpy())
    return int(actual[-1]) if len(actual) else 0


def reprofiled_path(outlook: DeficitOutlook) -> pd.DataFrame:
    """The agreement reprofiled from where the authority actually is (pounds, one row per financial
    year): the agreement's year-on-year profile kept, started from the current position.

    The current year is the last financial year with actual or part-actual spend
    (:func:`current_year_position`). For the current year and every later year the reprofiled
    cumulative deficit is the agreed cumulative deficit of that year plus the gap at the end of the
    current year (one fixed shift, so later years change by what the agreement planned); before the
    current year it is the actual cumulative deficit.

    Columns: ``agreed_cumulative_deficit``, ``gap`` (the forecast gap of each year),
    ``reprofiled_cumulative_deficit``, ``agreed_in_year_deficit``, ``reprofiled_in_year_deficit``
    (year-on-year change of the reprofiled cumulative deficit plus the DfE contribution),
    ``change_in_year`` (reprofiled - agreed in-year deficit: what a reprofile would ask the DfE to
    accept each year; £0 after the current year).
    """
    t = outlook.table
    current = current_year_position(outlook)
    shift = float(t["gap"].iloc[current])
    after = np.arange(len(t)) >= current
    out = pd.DataFrame(index=t.index)
    out["agreed_cumulative_deficit"] = t["planned_cumulative_deficit"]
    out["gap"] = t["gap"]
    out["reprofiled_cumulative_deficit"] = np.where(
        after, t["planned_cumulative_deficit"].to_numpy(dtype=float) + shift, t["cumulative_deficit"]
    )
    out["agreed_in_year_deficit"] = t["planned_deficit"]
    previous = out["reprofiled_cumulative_deficit"].shift(1, fill_value=0.0)
    out["reprofiled_in_year_deficit"] = (
        out["reprofiled_cumulative_deficit"] - previous + t["safety_valve_contribution"]
    )
    out["change_in_year"] = out["reprofiled_in_year_deficit"] - out["agreed_in_year_deficit"]
    return out
