"""Scenarios for the deficit path: a ``scenarios.toml`` beside the extract, or a documented default set.

``scenarios.toml`` (optional; every key but ``name`` optional, absent = the current trend)::

    [[scenario]]
    name = "Requests fall 10% a year"
    request_growth = -0.10      # annual change in requests for assessment (-0.10 = 10% fewer a year)
    conversion = 0.55           # plans issued per request (replaces the estimated rate)
    ceasing_factor = 1.2        # x the estimated monthly ceasing rate (1.2 = 20% more plans cease)
    independent_share = 0.10    # share (0-1) of new plans placed in INMSS (independent and
                                # non-maintained special schools)
    cost_inflation = 0.05       # annual unit-cost inflation from the extract date (0.05 = 5% a year)
    saving_per_year = 5000000   # a one-off saving, pounds a year off placement spend ...
    saving_from = "2025-04"     # ... from this month (default: the first April after the extract date)

The current trend (no change) is always the first scenario, named ``Current trend``, so that every
scenario is compared with it. :data:`DEFAULT_SCENARIOS` is used when there is no file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sendlib import forecast, periods
from sendlib.outlook.deficit import Saving

TREND = "Current trend"
SCENARIOS_FILE = "scenarios.toml"

#: Allowed keys: (lowest, highest) plausible value.
KEYS: dict[str, tuple[float, float]] = {
    "request_growth": (-0.9, 1.0),
    "conversion": (0.0, 2.0),
    "ceasing_factor": (0.0, 5.0),
    "independent_share": (0.0, 1.0),
    "cost_inflation": (-0.5, 1.0),
    "saving_per_year": (0.0, 1e10),
}


@dataclass(frozen=True)
class NamedScenario:
    """A named scenario: the caseload/cost :class:`sendlib.forecast.Scenario` and a one-off saving
    (pounds a year from a month; ``saving_from`` None = the first April after the extract date)."""

    name: str
    scenario: forecast.Scenario = field(default_factory=forecast.Scenario)
    saving_per_year: float = 0.0
    saving_from: str | None = None

    def saving(self, as_of) -> Saving | None:
        """The :class:`Saving` for an extract dated ``as_of`` (None when there is none)."""
        if not self.saving_per_year:
            return None
        start = self.saving_from or periods.financial_year_end(as_of) + pd.offsets.MonthEnd(1)
        return Saving(float(self.saving_per_year), periods.month_end(start))


#: The default set (when the extract has no scenarios.toml): one lever at a time. Each name says what the
#: scenario sets: the conversion scenario is a fixed rate of 0.35 plans issued per request, whatever the
#: extract's estimated rate.
DEFAULT_SCENARIOS: tuple[NamedScenario, ...] = (
    NamedScenario(TREND),
    NamedScenario("Requests fall 10% a year", forecast.Scenario(request_growth=-0.10)),
    NamedScenario("Requests rise 10% a year", forecast.Scenario(request_growth=0.10)),
    # a fixed 0.35 plans per request (not a fraction of the estimated rate, 0.672 on the sample)
    NamedScenario("Conversion 0.35 plans per request", forecast.Scenario(conversion=0.35)),
    NamedScenario("20% more plans cease", forecast.Scenario(ceasing_factor=1.2)),
    NamedScenario("5% of new plans placed in INMSS", forecast.Scenario(independent_share=0.05)),
    NamedScenario("Unit costs rise 5% a year", forecast.Scenario(cost_inflation=0.05)),
    NamedScenario("£5m a year saved from next April", saving_per_year=5_000_000.0),
)


def parse_scenarios(text: str, source: str = SCENARIOS_FILE) -> list[NamedScenario]:
    """Scenarios from the text of a ``scenarios.toml`` (module docstring). Raises ValueError naming the
    file, the scenario, the key, what is wrong and how to fix it."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML ({exc}); see the format in the README") from exc
    entries = doc.get("scenario")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: no [[scenario]] tables; write one [[scenario]] table per scenario")
    out = [NamedScenario(TREND)]
    seen = {TREND}
    for i, entry in enumerate(entries, start=1):
        where = f"{source}: scenario {i}"
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f'{where} has no name: add name = "..."')
        where = f"{source}: scenario {name!r}"
        if name in seen:
            raise ValueError(f"{where} is given twice: give each scenario its own name")
        seen.add(name)
        values: dict[str, float] = {}
        for key, value in entry.items():
            if key in ("name", "saving_from"):
                continue
            if key not in KEYS:
                raise ValueError(
                    f"{where}: unknown key {key!r}; allowed keys are name, {', '.join(KEYS)}, saving_from"
                )
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where}: {key} = {value!r} is not a number; write e.g. {key} = 0.1")
            lo, hi = KEYS[key]
            if not lo <= value <= hi:
                raise ValueError(
                    f"{where}: {key} = {value} is outside {lo} to {hi}; fractions are 0.1 for 10%"
                )
            values[key] = float(value)
        saving_from = entry.get("saving_from")
        if saving_from is not None:
            try:
                periods.month_end(str(saving_from))
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    f'{where}: saving_from = {saving_from!r} is not a month; write e.g. "2025-04"'
                ) from exc
        saving = values.pop("saving_per_year", 0.0)
        out.append(
            NamedScenario(
                name, forecast.Scenario(**values), saving, None if saving_from is None else str(saving_from)
            )
        )
    return out


def _read(p: Path) -> str:
    """The text of a scenarios file; ValueError naming the file and the fix when it cannot be read."""
    try:
        return p.read_text(encoding="utf-8")
    except (IsADirectoryError, PermissionError) as exc:
        what = "is a folder" if p.is_dir() else "cannot be read"
        raise ValueError(
            f"scenarios file {p} {what}: give the path of a scenarios TOML file (e.g. {p / SCENARIOS_FILE}"
            f" when it is in that folder)"
        ) from exc
    except FileNotFoundError as exc:
        raise ValueError(f"scenarios file {p} not found: check the path given to --scenarios") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"scenarios file {p} is not UTF-8 text (byte {exc.start}): save it as UTF-8 (in Excel or a "
            "text editor: Save As, encoding UTF-8)"
        ) from exc


def load_scenarios(path=None, data_dir=None) -> list[NamedScenario]:
    """Scenarios from ``path``, else from ``scenarios.toml`` in ``data_dir`` when there is one, else
    :data:`DEFAULT_SCENARIOS`. Raises ValueError naming the file and the fix when ``path`` is missing,
    a folder or not UTF-8 text, or its content is wrong (:func:`parse_scenarios`)."""
    if path is not None:
        p = Path(path)
        return parse_scenarios(_read(p), str(p))
    if data_dir is not None and (Path(data_dir) / SCENARIOS_FILE).is_file():
        p = Path(data_dir) / SCENARIOS_FILE
        return parse_scenarios(_read(p), str(p))
    return list(DEFAULT_SCENARIOS)


def compare_scenarios(
    base, scenarios, n_sims: int = 0, seed: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each scenario's deficit path side by side, on a prepared :class:`sendlib.outlook.deficit.Base`.

    Returns ``(paths, summary)``. ``paths``: cumulative deficit at each 31 March (pounds), one row per
    financial year, one column per scenario. ``summary``: one row per scenario with
    ``cumulative_deficit_end`` and ``gap_end`` (at the agreement's last year, pounds),
    ``difference_from_trend`` (cumulative at the last year minus the current trend's: negative =
    better), ``zero_year`` (financial year, None: not within the agreement). Central (deterministic)
    paths by default (``n_sims=0``); with simulations the same seed gives every scenario the same draws.
    """
    from sendlib.outlook.deficit import outlook_from_base

    scenarios = list(scenarios)
    if not scenarios or scenarios[0].name != TREND:
        scenarios = [NamedScenario(TREND), *[s for s in scenarios if s.name != TREND]]
    paths = {}
    rows = []
    for s in scenarios:  # a handful of scenarios
        o = outlook_from_base(base, s.scenario, s.saving(base.as_of), n_sims=n_sims, seed=seed)
        paths[s.name] = o.table["cumulative_deficit"]
        last = o.table.iloc[-1]
        rows.append(
            {
                "scenario": s.name,
                "cumulative_deficit_end": float(last["cumulative_deficit"]),
                "gap_end": float(last["gap"]),
                "zero_year": o.zero_year,
            }
        )
    summary = pd.DataFrame(rows).set_index("scenario")
    # object dtype keeps None (not reached); a string column would turn it into NaN
    summary["zero_year"] = pd.Series([r["zero_year"] for r in rows], index=summary.index, dtype=object)
    summary.insert(
        2,
        "difference_from_trend",
        summary["cumulative_deficit_end"] - summary["cumulative_deficit_end"].iloc[0],
    )
    return pd.DataFrame(paths), summary
