"""How sendlib writes numbers and months for people: one rule each, for prose, tables, charts and the CLI.

Every place that turns a figure into text (the drafted committee paragraph, notebook sentences and
tables, chart axes, ``sendlib headlines|backlog|forecast|benchmark`` output, the spreadsheet of tables)
calls these functions, so a figure reads the same wherever it appears.

Rules:

- **Rounding** is to the digits shown, half to even (Python's own rule: ``1,234,567.5`` pounds shows as
  ``£1,234,568``, ``2.5`` plans as ``2``). A value that rounds to zero is shown without a sign
  (``-0.3`` pounds is ``£0``, never ``-£0``; ``-0.04%`` is ``0.0%``).
- **Pounds**: ``£16,965``; negative ``-£80`` (sign before the pound sign). Short form for chart axes
  and labels: ``£950``, ``£12.3k``, ``£20.1m``, ``£1.2bn``. Prose form for large sums: ``£206.9m``
  from one million, whole pounds below.
- **Counts**: whole numbers with thousands separators (``9,754``).
- **Percentages** are given on a 0-100 scale (``9.4`` means 9.4%) and shown to one decimal place.
- **Changes** in prose: ``up £80``, ``down 43``, ``unchanged``; in tables: ``+43``, ``-£80``, ``0``.
- **Months**: ``November 2024`` in prose, ``Nov 2024`` on axes and in narrow tables, ``2024-11`` in
  file names and parameters.
- **Missing** values (None, NaN, pandas NA) give ``missing`` (default an empty string); a value that is
  already text (``"[c]"`` from disclosure control) is returned unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

__all__ = [
    "change_in_words",
    "count",
    "is_missing",
    "month",
    "month_short",
    "percent",
    "period",
    "pounds",
    "pounds_prose",
    "pounds_short",
    "signed",
]


def is_missing(value) -> bool:
    """True for None, NaN and pandas' missing markers (NA, NaT)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are not "missing"
        return False


def _text_or_missing(value, missing: str) -> str | None:
    if isinstance(value, str):
        return value
    if is_missing(value):
        return missing
    return None


def _unsigned_zero(rounded: float) -> float:
    """``-0.0`` -> ``0.0`` so that a value rounding to zero carries no sign."""
    return 0.0 if rounded == 0 else rounded


def count(value, missing: str = "") -> str:
    """A count (or plans, or any whole quantity): ``9754`` -> ``"9,754"``; ``-43`` -> ``"-43"``."""
    text = _text_or_missing(value, missing)
    if text is not None:
        return text
    return f"{_unsigned_zero(round(float(value))):,.0f}"


def pounds(value, decimals: int = 0, missing: str = "") -> str:
    """Pounds: ``16965.4`` -> ``"£16,965"``; ``-80`` -> ``"-£80"``; ``-0.3`` -> ``"£0"``."""
    text = _text_or_missing(value, missing)
    if text is not None:
        return text
    v = _unsigned_zero(round(float(value), decimals))
    sign = "-" if v < 0 else ""
    return f"{sign}£{abs(v):,.{decimals}f}"


def pounds_short(value, missing: str = "") -> str:
    """Compact pounds for chart axes and labels: ``£950``, ``£12.3k``, ``£20.1m``, ``£1.2bn``."""
    text = _text_or_missing(value, missing)
    if text is not None:
        return text
    v = float(value)
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(round(v / size, 1)) >= 1:
            short = _unsigned_zero(round(v / size, 1))
            body = f"{abs(short):,.1f}".rstrip("0").rstrip(".")
            return f"{'-' if short < 0 else ''}£{body}{suffix}"
    return pounds(v)


def pounds_prose(value, missing: str = "") -> str:
    """Pounds for sentences: ``206_912_345`` -> ``"£206.9m"`` from one million; below it whole pounds
    (``"£950,000"``)."""
    text = _text_or_missing(value, missing)
    if text is not None:
        return text
    v = float(value)
    if abs(round(v / 1e6, 1)) >= 1:
        m = _unsigned_zero(round(v / 1e6, 1))
        return f"{'-' if m < 0 else ''}£{abs(m):,.1f}m"
    return pounds(v)


def percent(value, decimals: int = 1, missing: str = "") -> str:
    """A percentage given on a 0-100 scale: ``9.43`` -> ``"9.4%"``; ``-0.04`` -> ``"0.0%"``."""
    text = _text_or_missing(value, missing)
    if text is not None:
        return text
    v = _unsigned_zero(round(float(value), decimals))
    return f"{v:.{decimals}f}%"


def signed(value, fmt: Callable[[float], str] = count, missing: str = "") -> str:
    """A change for a table: ``"+43"``, ``"-£80"`` (with ``fmt=pounds``), ``"0"`` when it rounds to
    nothing in ``fmt``."""
    text = _text_or_missing(value, missing)
    if text is not None:
        return text
    shown = fmt(value)
    if shown.startswith("-"):
        return shown
    return shown if fmt(0) == shown else f"+{shown}"


def change_in_words(value, fmt: Callable[[float], str] = count, missing: str = "") -> str:
    """A change for prose: ``"up 43"``, ``"down £80"`` (``fmt=pounds``), ``"unchanged"`` when it
    rounds to nothing in ``fmt``."""
    text = _text_or_missing(value, missing)
    if text is not None:
        return text
    size = fmt(abs(float(value)))
    if size == fmt(0):
        return "unchanged"
    return ("up " if float(value) > 0 else "down ") + size


def _timestamp(value) -> pd.Timestamp:
    if isinstance(value, pd.Period):
        return value.to_timestamp()
    return pd.Timestamp(value)


def month(value, missing: str = "") -> str:
    """A month in prose: ``2024-11-30`` (or ``"2024-11"``) -> ``"November 2024"``."""
    text = None if isinstance(value, str) else _text_or_missing(value, missing)
    if text is not None:
        return text
    return _timestamp(value).strftime("%B %Y")


def month_short(value, missing: str = "") -> str:
    """A month on an axis or in a narrow table: ``"Nov 2024"``."""
    text = None if isinstance(value, str) else _text_or_missing(value, missing)
    if text is not None:
        return text
    return _timestamp(value).strftime("%b %Y")


def period(value, missing: str = "") -> str:
    """A month as sendlib's parameters and file names write it: ``"2024-11"``."""
    text = None if isinstance(value, str) else _text_or_missing(value, missing)
    if text is not None:
        return text
    return _timestamp(value).strftime("%Y-%m")

