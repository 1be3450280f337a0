"""What would it take: the value of one lever that puts the deficit on a target, others at trend.

Targets (pounds at 31 March of ``year``, a financial year of ``budget.csv``): ``"zero"`` = the
cumulative deficit at £0; ``"agreed"`` = the cumulative deficit back on the agreed path (gap £0).

Levers and their plausible ranges (:data:`LEVERS`; the trend value is where the search starts from):

- ``requests``: annual change in requests for assessment (``Scenario.request_growth``), -50% to +50% a
  year (trend 0); reported as the percentage fall a year.
- ``conversion``: plans issued per request (``Scenario.conversion``), 0 to 1.5 (trend: estimated).
- ``independent_share``: share of new plans placed in independent and non-maintained special schools
  (INMSS; ``Scenario.independent_share``), 0 to 1 (trend: the recent share of new placements).
- ``saving``: a saving in pounds a year off placement spend from the first April after the extract
  date (:class:`sendlib.outlook.deficit.Saving`), £0 to the largest ``hnb_budget`` in the budget.

The deficit is computed on the deterministic path (no simulation noise), and the lever value is found
with :func:`scipy.optimize.brentq` (to within 1e-9 of the lever, far inside £1,000 of the target). When
the target is not met at either end of the range, the answer is "not reachable with this lever alone";
when it is met at the trend value, none is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendlib import forecast, periods
from sendlib.outlook.deficit import Base, Saving, deficit_table, placement_spend_paths

TARGETS = ("zero", "agreed")


@dataclass(frozen=True)
class Lever:
    """One lever: its name, what it means in words, its plausible range (lowest, highest)."""

    name: str
    label: str
    low: float
    high: float


LEVERS: dict[str, Lever] = {
    "requests": Lever("requests", "annual change in requests for assessment", -0.5, 0.5),
    "conversion": Lever("conversion", "plans issued per request", 0.0, 1.5),
    "independent_share": Lever(
        "independent_share",
        "share of new plans placed in independent and non-maintained special schools (INMSS)",
        0.0,
        1.0,
    ),
    "saving": Lever("saving", "saving a year from next April", 0.0, np.nan),
}


def saving_start(as_of) -> pd.Timestamp:
    """The first April after ``as_of`` (month end): when a saving is assumed to start."""
    return periods.financial_year_end(as_of) + pd.offsets.MonthEnd(1)


def trend_value(base: Base, lever: str) -> float:
    """The lever's value on the current trend (``requests`` 0, ``saving`` £0)."""
    if lever == "conversion":
        return float(base.model.conversion)
    if lever == "independent_share":
        return float(forecast.new_placement_costs(base.extract, base.as_of)["independent_share"])
    return 0.0


def lever_range(base: Base, lever: str) -> tuple[float, float]:
    """The lever's plausible range (``saving``: £0 to the largest hnb_budget)."""
    spec = LEVERS[lever]
    high = float(base.budget["hnb_budget"].max()) if lever == "saving" else spec.high
    return spec.low, high


def _arguments(base: Base, lever: str, value: float) -> tuple[forecast.Scenario, Saving | None]:
    if lever == "requests":
        return forecast.Scenario(request_growth=value), None
    if lever == "conversion":
        return forecast.Scenario(conversion=value), None
    if lever == "independent_share":
        return forecast.Scenario(independent_share=value), None
    if lever == "saving":
        return forecast.Scenario(), Saving(value, saving_start(base.as_of))
    raise ValueError(f"unknown lever {lever!r}; levers are {', '.join(LEVERS)}")


def target_distance(base: Base, lever: str, value: float, year: str, target: str = "zero") -> float:
    """Cumulative deficit at 31 March of ``year`` minus the target (pounds; <= 0: target met), on the
    deterministic path with ``lever`` at ``value`` and everything else at trend."""
    year = periods.normalise_financial_year(year)
    if year not in base.budget.index:
        raise ValueError(
            f"{year} is not a year of budget.csv ({base.budget.index[0]} to {base.budget.index[-1]})"
        )
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, not {target!r}")
    scenario, saving = _arguments(base, lever, value)
    table, _ = deficit_table(base.budget, placement_spend_paths(base, scenario, saving, n_sims=0), base.basis)
    goal = 0.0 if target == "zero" else float(table.loc[year, "planned_cumulative_deficit"])
    return float(table.loc[year, "cumulative_deficit"]) - goal


def what_would_it_take(base: Base, lever: str, year: str, target: str = "zero") -> dict:
    """Solve for the ``lever`` value that meets ``target`` in ``year`` (module docstring).

    Returns ``lever``, ``target``, ``year``, ``trend`` (the lever's trend value), ``value`` (the value
    found; None when not reachable), ``status`` (``"solved"``, ``"met_at_trend"`` or
    ``"not_reachable"``), ``distance_at_trend`` (pounds above the target at trend), ``low`` / ``high``
    (the range searched) and ``residual`` (pounds from the target at the value found).
    """
    from scipy.optimize import brentq

    year = periods.normalise_financial_year(year)
    low, high = lever_range(base, lever)
    trend = trend_value(base, lever)

    def f(v: float) -> float:
        return target_distance(base, lever, v, year, target)

    out = {"lever": lever, "target": target, "year": year, "trend": trend, "low": low, "high": high}
    if lever == "saving":
        out["saving_from"] = saving_start(base.as_of)
    at_trend = f(trend)
    out["distance_at_trend"] = at_trend
    if at_trend <= 0:
        return out | {"status": "met_at_trend", "value": trend, "residual": at_trend}
    f_low, f_high = f(low), f(high)
    if f_low > 0 and f_high > 0:
        return out | {"status": "not_reachable", "value": None, "residual": None}
    # search between the trend value and the end of the range that meets the target
    a, b = (trend, low) if f_low <= 0 else (trend, high)
    a = min(max(a, low), high)
    value = float(brentq(f, a, b, xtol=1e-9, rtol=1e-12, maxiter=200))
    return out | {"status": "solved", "value": value, "residual": f(value)}


def what_would_it_take_table(base: Base, year: str, target: str = "zero", levers=None) -> pd.DataFrame:
    """:func:`what_would_it_take` for every lever (default: all of :data:`LEVERS`), one row each."""
    rows = [what_would_it_take(base, lever, year, target) for lever in (levers or LEVERS)]
    return pd.DataFrame(rows).set_index("lever")


def target_words(target: str, year: str) -> str:
    """``"zero"``, ``"2030-31"`` -> "to bring the cumulative deficit to zero by 31 March 2031"."""
    end = periods.financial_year_bounds(periods.normalise_financial_year(year))[1]
    goal = "to zero" if target == "zero" else "back to the agreed path"
    return f"to bring the cumulative deficit {goal} by 31 March {end.year}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def lever_sentence(result: dict) -> str:
    """One sentence for a :func:`what_would_it_take` result (percentages and pounds formatted)."""
    from sendlib import formatting

    lever, status, v, trend = result["lever"], result["status"], result["value"], result["trend"]
    if status == "met_at_trend":
        return f"{_capital(LEVERS[lever].label)}: none needed, the current trend already meets the target."
    if status == "not_reachable":
        lo, hi = result["low"], result["high"]
        bounds = {
            "requests": f"requests falling {formatting.percent(-100 * lo)} a year",
            "conversion": f"{lo:.2f} plans per request",
            "independent_share": f"{formatting.percent(100 * lo)} of new plans placed in INMSS",
            "saving": f"a saving of {formatting.pounds_prose(hi)} a year",
        }[lever]
        return (
            f"{_capital(LEVERS[lever].label)}: not reachable with this lever alone (not even with {bounds})."
        )
    if lever == "requests":
        return f"Requests for assessment would have to fall by {formatting.percent(-100 * v)} a year."
    if lever == "conversion":
        return f"Plans issued per request would have to fall from {trend:.2f} to {v:.2f}."
    if lever == "independent_share":
        return (
            "The share of new plans placed in independent and non-maintained special schools (INMSS) "
            "would have to fall from "
            f"{formatting.percent(100 * trend)} to {formatting.percent(100 * v)}."
        )
    start = result.get("saving_from")
    when = f" from {formatting.month(start)}" if start is not None else ""
    return f"A saving of {formatting.pounds_prose(v)} a year{when} would be needed."
