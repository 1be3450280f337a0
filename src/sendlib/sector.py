"""Independent-sector usage: count, shares, cost, new placements, cost per place by sector.

Which settings count (:data:`schema.INDEPENDENT_DEFINITIONS`):

- ``"inmss"`` (default): independent special schools plus non-maintained special schools;
- ``"broad"``: INMSS plus independent mainstream schools and specialist post-16 institutions.

Every figure says whether it is by count or by cost:

- **independent placements** at d: current placements of active plans in those settings (placements);
- **share of all active plans**: independent placements / active plans at d, % (denominator: active
  plans, including plans without a placement);
- **share of special-school placements**: independent placements *in special schools* / current
  placements in special schools (:data:`schema.SPECIAL_SCHOOL_SETTINGS`), %. Independent mainstream and
  post-16 places are not special schools, so this share is the same under both definitions;
- **independent cost**: committed annual cost (pounds, gross unless ``net``) of those placements;
- **share of cost**: independent cost / committed cost of all current placements, %.

All are snapshots at the given dates (month ends for MI). New placements are a calendar-month flow.
A placement with a blank annual_cost counts in every count and adds £0 to the cost sums and cost
shares; it is left out of the cost-per-place means (:func:`cost_per_place_by_setting_and_sector`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import caseload, cost, schema
from sendlib.extract import Extract

DEFAULT_DEFINITION = "inmss"


def independent_settings(definition: str = DEFAULT_DEFINITION) -> tuple[str, ...]:
    """The setting codes counted as independent under ``definition`` (``inmss`` or ``broad``)."""
    try:
        return schema.INDEPENDENT_DEFINITIONS[definition]
    except KeyError:
        names = ", ".join(schema.INDEPENDENT_DEFINITIONS)
        raise ValueError(f"independent-sector definition must be one of {names}, not {definition!r}") from None


def setting_mask(settings) -> np.ndarray:
    """Boolean mask over :data:`schema.SETTING_CODES` for the given settings."""
    wanted = set(settings)
    return np.array([c in wanted for c in schema.SETTING_CODES])


def _placements(extract: Extract, dates, net: bool = False) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    d = caseload.as_dates(dates)
    arr = cost.placement_arrays(extract)
    n = len(schema.SETTING_CODES)
    counts, costs = caseload.interval_grids(arr.start, arr.end, d, arr.setting, n, [None, arr.cost(net)])
    return d, counts, costs


def _pct(num, den) -> np.ndarray:
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1.0), np.nan)


def independent_placements_at(extract: Extract, dates, definition: str = DEFAULT_DEFINITION) -> pd.Series:
    """Current independent-sector placements of active plans at each date. Units: placements (count)."""
    d, counts, _ = _placements(extract, dates)
    mask = setting_mask(independent_settings(definition))
    return pd.Series(counts[:, mask].sum(axis=1), index=d, name=f"independent_placements_{definition}")


def independent_share_count_at(extract: Extract, dates, definition: str = DEFAULT_DEFINITION) -> pd.Series:
    """Independent placements as a % of all active plans at each date (by count)."""
    d = caseload.as_dates(dates)
    ind = independent_placements_at(extract, d, definition)
    active = caseload.active_plans_at(extract.plans, d)
    return pd.Series(_pct(ind, active), index=d, name=f"independent_share_count_{definition}")


def independent_share_of_special_at(extract: Extract, dates, definition: str = DEFAULT_DEFINITION) -> pd.Series:
    """Independent special-school placements as a % of all special-school placements (by count)."""
    d, counts, _ = _placements(extract, dates)
    special = setting_mask(schema.SPECIAL_SCHOOL_SETTINGS)
    ind = setting_mask(independent_settings(definition)) & special
    return pd.Series(
        _pct(counts[:, ind].sum(axis=1), counts[:, special].sum(axis=1)),
        index=d,
        name=f"independent_share_special_{definition}",
    )


def independent_cost_at(
    extract: Extract, dates, definition: str = DEFAULT_DEFINITION, net: bool = False
) -> pd.Series:
    """Committed annual cost of independent-sector placements at each date, pounds (gross unless net)."""
    d, _, costs = _placements(extract, dates, net)
    mask = setting_mask(independent_settings(definition))
    return pd.Series(costs[:, mask].sum(axis=1), index=d, name=f"independent_cost_{definition}")


def independent_share_cost_at(
    extract: Extract, dates, definition: str = DEFAULT_DEFINITION, net: bool = False
) -> pd.Series:
    """Independent-sector cost as a % of the committed cost of all current placements (by cost)."""
    d, _, costs = _placements(extract, dates, net)
    mask = setting_mask(independent_settings(definition))
    return pd.Series(
        _pct(costs[:, mask].sum(axis=1), costs.sum(axis=1)), index=d, name=f"independent_share_cost_{definition}"
    )


def new_placements_by_month(extract: Extract, month_ends, by: str = "sector") -> pd.DataFrame:
    """Placements starting (start_on) within each calendar month, by ``sector``, ``setting`` or ``group``.

    Counts every placement row whatever its plan's state (a flow of new placements). Units: placements
    per month. Index: month ends.
    """
    me, _ = caseload._month_bounds(month_ends)
    cat, labels = cost.category_map(by)
    codes = cat[caseload.setting_codes(extract.placements)]
    grid = caseload.events_in_months(extract.placements["start_on"], me, codes, len(labels))
    out = pd.DataFrame(grid, index=me, columns=pd.Index(labels, name=by))
    out.index.name = "month_end"
    return out


def independent_new_placements_by_month(
    extract: Extract, month_ends, definition: str = DEFAULT_DEFINITION
) -> pd.Series:
    """Independent-sector placements starting within each calendar month. Units: placements per month."""
    by_setting = new_placements_by_month(extract, month_ends, by="setting")
    cols = [c for c in by_setting.columns if c in set(independent_settings(definition))]
    return by_setting[cols].sum(axis=1).rename(f"independent_new_placements_{definition}")


def cost_per_place_by_setting_and_sector(extract: Extract, date, net: bool = False) -> pd.DataFrame:
    """Mean annual cost per current costed placement (pounds per place per year) by setting, with
    sector, group and whether the setting is independent under each definition. Snapshot at ``date``.

    Denominator: ``costed_placements`` (current placements of active plans with a recorded
    annual_cost); ``placements`` still counts them all. See :func:`sendlib.cost.cost_per_place_at`."""
    out = cost.cost_per_place_by_setting(extract, date, net=net)
    for name, settings in schema.INDEPENDENT_DEFINITIONS.items():
        out[f"independent_{name}"] = [s in settings for s in out.index]
    return out
