"""Mapping files: let an LA use its extract unchanged when its file names, headers or labels differ.

A mapping file is TOML. Every section is optional::

    [files]                      # table = file name in the data folder
    plans = "EHCP list.xlsx"
    placements = "Placements export.csv"

    [sheets]                     # table = sheet name, for xlsx files with several sheets
    plans = "Active and ceased"

    [plans]                      # contract column = header in the extract
    plan_id = "EHCP Ref"
    issued_on = "Date Final Plan Issued"

    [placements]
    setting = "Provision Type"
    annual_cost = "Annual Cost (£)"

    [assessments]                # also [plan_trajectory] and [budget]
    received_on = "Request Date"

    [setting_values]             # label in the extract = sendlib setting code
    "Indep Spec" = "special_independent"

    # likewise [primary_need_values], [decision_values], [outcome_values]

Headers and labels are matched ignoring case, spaces and punctuation. Anything the mapping does not
mention is matched to the contract by name (see :mod:`sendlib.schema`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sendlib import schema
from sendlib.errors import UsageError

VALUE_SECTIONS = {
    "setting_values": "setting",
    "primary_need_values": "primary_need",
    "decision_values": "decision",
    "outcome_values": "outcome",
    "panel_category_values": "panel_category",
    "panel_decision_values": "panel_decision",
}


@dataclass
class Mapping:
    """A parsed mapping file. Empty means "the extract already uses the contract's names"."""

    files: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> contract col -> header
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # vocabulary -> label -> code
    source: Path | None = None

    def header_lookup(self, table: str) -> dict[str, str]:
        """Normalised extract header -> contract column, for ``table``.

        A column named in the mapping is read only from its mapped header (a header that happens to
        carry the contract name is then ignored); other columns are matched by their contract name.
        """
        mapped = self.columns.get(table, {})
        out = {schema.normalise_header(c): c for c in schema.CONTRACT[table].column_names if c not in mapped}
        for col, header in mapped.items():
            out[schema.normalise_header(header)] = col
        return out


def load_mapping(path: str | Path | dict | Mapping | None) -> Mapping:
    """Read and check a mapping file (or a dict of the same shape). None -> empty mapping.

    Raises :class:`UsageError` with a message naming the problem when the file is missing, is not
    valid TOML, or names an unknown table, column or code.
    """
    if path is None:
        return Mapping()
    if isinstance(path, Mapping):
        return path
    source = None
    if isinstance(path, dict):
        data = path
    else:
        source = Path(path)
        if not source.is_file():
            raise UsageError(f"mapping file {source} does not exist. Check the --mapping path.")
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"mapping file {source} is not valid TOML: {exc}. Headers with spaces need quotes, "
                'e.g. plan_id = "EHCP Ref".'
            ) from None
    name = str(source) if source else "mapping"
    m = Mapping(source=source)
    known = set(schema.TABLES) | {"files", "sheets"} | set(VALUE_SECTIONS)
    for section, body in data.items():
        if section not in known:
            raise UsageError(
                f"{name}: unknown section [{section}]. Sections are [files], [sheets], "
                f"{', '.join(f'[{t}]' for t in schema.TABLES)} and "
                f"{', '.join(f'[{v}]' for v in VALUE_SECTIONS)}."
            )
        if not isinstance(body, dict):
            raise UsageError(f"{name}: [{section}] must be a table of name = \"value\" lines.")
        for k, v in body.items():
            if not isinstance(v, str):
                raise UsageError(f"{name}: [{section}] {k} must be a quoted text value, not {v!r}.")
    for section in ("files", "sheets"):
        for table, value in data.get(section, {}).items():
            if table not in schema.TABLES:
                raise UsageError(
                    f"{name}: [{section}] names unknown table {table!r}; tables are {', '.join(schema.TABLES)}."
                )
            getattr(m, section)[table] = value
    for table in schema.TABLES:
        cols = data.get(table, {})
        valid = schema.CONTRACT[table].column_names
        for col in cols:
            if col not in valid:
                raise UsageError(
                    f"{name}: [{table}] {col!r} is not a column of {table}; its columns are "
                    f"{', '.join(valid)}. Write contract column = \"extract header\"."
                )
        if cols:
            m.columns[table] = dict(cols)
    for section, vocab in VALUE_SECTIONS.items():
        labels = data.get(section, {})
        allowed = schema.vocabulary(vocab)
        for label, code in labels.items():
            if code not in allowed:
                raise UsageError(
                    f"{name}: [{section}] {label!r} = {code!r}: {code!r} is not a {vocab} code; "
                    f"codes are {', '.join(allowed)}."
                )
        if labels:
            m.values[vocab] = dict(labels)
    return m
