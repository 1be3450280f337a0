"""Step 6 of the sample generator: byte-for-byte reproducible CSVs, ``extract.toml`` and the README."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sendlib import config, schema
from sendlib.sample.calibration import calibration_table
from sendlib.sample.generator import AGE_AT_EARLY_REQUEST_DAYS, generate
from sendlib.sample.targets import AS_OF_TEXT, NEW_SCHOOL_NAME, NOV_NO_PLAN, NOV_STEP_DOWNS, SCALES

_TEXT = "string[pyarrow]"


def _money_text(values: pd.Series) -> pd.Series:
    """Pounds as text with exactly two decimals (``1234.50``, ``-3.07``), vectorised via whole pennies."""
    pennies = np.round(values.to_numpy(dtype="float64") * 100).astype(np.int64)
    sign = pd.Series(np.where(pennies < 0, "-", ""), dtype=_TEXT)
    pennies = np.abs(pennies)
    pounds = pd.Series(pennies // 100).astype(_TEXT)
    pence = pd.Series(pennies % 100).astype(_TEXT).str.zfill(2)
    return sign + pounds + "." + pence


def _csv_quote(values: pd.Series) -> pd.Series:
    """Quote a text field when it holds a comma, quote or line break (CSV minimal quoting)."""
    needs = values.str.contains(r'[",\r\n]', regex=True)
    if not needs.any():
        return values
    quoted = '"' + values.str.replace('"', '""', regex=False) + '"'
    return values.where(~needs, quoted)


def _csv_text(frame: pd.DataFrame, table: schema.Table) -> str:
    """A contract frame as CSV text: header, ISO dates, money with two decimals, true/false, empty for
    missing, ``\\n`` line endings. Column-wise string kernels (fast at national scale)."""
    columns = []
    for col in table.columns:
        v = frame[col.name].reset_index(drop=True)
        if col.kind == "date":
            text = np.datetime_as_string(v.to_numpy(dtype="datetime64[D]"), unit="D")
            text = pd.Series(np.where(v.isna().to_numpy(), "", text), dtype=_TEXT)
        elif col.kind == "money":
            text = _money_text(v)
        elif col.kind == "int":
            text = v.astype("int64").astype(_TEXT)
        elif col.kind == "bool":
            text = pd.Series(np.where(v.to_numpy(dtype=bool), "true", "false"), dtype=_TEXT)
        else:
            text = _csv_quote(v.astype(_TEXT).fillna(""))
        columns.append(text)
    lines = columns[0]
    for text in columns[1:]:
        lines = lines + "," + text
    return ",".join(table.column_names) + "\n" + "".join((lines + "\n").tolist())


README_HEAD = """# Example County: a synthetic sample extract

**This data is synthetic. It contains no real person's data.** Every child, plan, request for
assessment, provider and date in these files was drawn at random by `sendlib.sample` (seed {seed}).
"Example County" is fictional and so are its providers ("Example Special School 12", URN-like ids
that are not real URNs). Only the county's *scale and trends* are calibrated, to Devon's published
figures (DfE SEN2 January census counts, timeliness, requests and new plans; Devon's Safety Valve
agreement and high-needs budget), as listed in the table below.

- Extract date (`extract.toml`): **2024-11-30**. Plans from 2010; monthly detail (requests, every plan
  issued from a request) from April 2018. Money is annual pounds (placement plus top-up, no transport).
- Regenerate byte for byte with `sendlib sample --out data/sample` (a test checks this).
- Requests received before April 2018 appear only when they led to a plan issued from April 2018, so
  request counts before April 2018 are incomplete; use requests from April 2018 onwards.
- Calendar-year targets for 2024 are for January-November (11/12 of the full-year figure), because the
  extract ends on 30 November.
- Dates of birth are consistent with the other tables: every child was born before their request for
  assessment was received and their plan issued, and is 0 to 25 at issue. (Where a plan was issued a
  few weeks after birth and its request's drawn 20-week-plus delay put the request before the birth,
  the date of birth is moved to {early_days} days before the request; request and plan dates are as drawn.)
- Active plans are MI counts at month ends (issued on or before the date, not ceased by it), calibrated
  to the January SEN2 figures. The opening stock at 2018-03-31 (4,560) is an assumption.
- Some things are engineered so the notebooks have a story to tell: the MI average cost rises every month
  from May to October 2024 and falls in November 2024, when {steps} children step down from independent
  special schools to a new special free school ("{school}"); a backlog-clearing panel closes
  {panel} cases with a decision not to issue in November 2024; plans of leavers are mostly ceased in
  September-January; a few % of independent special placements are jointly funded by health and/or
  social care (`health_contribution`, `social_care_contribution`).
- The MI average steps up each September, when the new academic year's placements start at new prices.
- `plan_trajectory.csv` (Safety Valve plan, April 2023 to March 2027) and `budget.csv` (2023-24 to
  2030-31, the agreement's last year) are illustrative planning inputs: only the January 2025 planned
  EHCPs (9,372), the 2024-25 budget (£155.4m) and overspend cap (£31.2m) are targets. `budget.csv`'s
  `other_high_needs_spend` (high-needs spend no placement carries: £40.0m, £47.4m, £50.0m, then £1.5m
  a year more to £57.5m in 2030-31) is set so that the 2024-25 outturn ends about £20m beyond the
  Safety Valve cap, as the report that prompted sendlib says. The agreed profile: in-year deficits
  (`planned_deficit`, before the DfE contribution, also the year's cap) of £34.6m, £31.2m, £24.7m,
  £16.0m, £9.0m, £3.0m, £0 and £0, and DfE contributions of £19.0m a year to 2026-27, then £15.0m,
  £11.0m, £8.5m and £8.0m, so the agreed cumulative deficit (running sum of deficit - contribution
  from 2023-24) is £15.6m, £27.8m, £33.5m, £30.5m, £24.5m, £16.5m, £8.0m and £0 at 31 March 2031;
  the budget grows to £195.9m in 2030-31.
- `panel_decisions.csv` is the log of a daily expenditure panel of senior officers, from 21 October
  2024 (about 8 decisions a working day; categories new placement 30%, placement change 20%, top-up
  30%, transport 12%, other 8%; approved 50%, agreed at a lower amount 20%, declined 10%, deferred 12%,
  returned for more information 8%), its annual amounts scaled so that **about £7m of decisions has
  been reviewed by 30 November 2024** (the report says the panel had reviewed several million pounds
  of decisions within weeks). It is drawn from its own random stream, so it changes no other table.

## Targets and what the sample achieves

"""


def _readme(frames: dict[str, pd.DataFrame], seed: int, scale: str) -> str:
    head = README_HEAD.format(
        seed=seed,
        steps=NOV_STEP_DOWNS,
        school=NEW_SCHOOL_NAME,
        panel=NOV_NO_PLAN,
        early_days=AGE_AT_EARLY_REQUEST_DAYS,
    )
    if scale != "county":
        return head.split("## Targets")[0] + (
            f"This folder holds the **{scale}**-scale variant (every volume multiplied by about "
            f"{SCALES[scale]:.0f}); it is for benchmarks and is not committed.\n"
        )
    table = calibration_table(frames)
    lines = ["| measure | target | achieved |", "|---|---:|---:|"]
    lines += [f"| {m} | {t} | {x} |" for m, t, x in table.itertuples(index=False)]
    return head + "\n".join(lines) + "\n"


def write_sample(out_dir, seed: int = config.DEFAULT_SEED, scale: str = "county") -> dict[str, Path]:
    """Generate the extract and write ``<table>.csv`` for the six tables, ``extract.toml`` and a
    ``README.md`` saying it is synthetic, with the calibration table (target vs achieved).

    Output is byte-for-byte reproducible for a seed: rows sorted by key, ISO dates, money with two
    decimals, ``\\n`` line endings, no timestamps. Returns ``{table or "extract.toml": path}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = generate(seed=seed, scale=scale)
    paths: dict[str, Path] = {}
    for name, frame in frames.items():
        table = schema.CONTRACT[name]
        key = list(table.key)
        frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
        path = out / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(_csv_text(frame, table))
        paths[name] = path
    toml = out / "extract.toml"
    toml.write_text(
        f"# Synthetic Example County extract generated by sendlib.sample (seed {seed}, scale {scale}).\n"
        f'as_of = "{AS_OF_TEXT}"\n',
        encoding="utf-8",
        newline="\n",
    )
    paths["extract.toml"] = toml
    readme = out / "README.md"
    readme.write_text(_readme(frames, seed, scale), encoding="utf-8", newline="\n")
    paths["README.md"] = readme
    return paths
