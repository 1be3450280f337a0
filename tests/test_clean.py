"""Parsers of messy cell values: money, dates, booleans, financial years, codes (examples + properties)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendlib import clean


def _s(*values):
    return pd.Series(list(values), dtype="string")


# ---------------------------------------------------------------------------------------------------
# money
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, pounds",
    [
        ("£1,234.50", 1234.5),
        ("1234.5", 1234.5),
        ("(1,234)", -1234.0),
        ("-£5", -5.0),
        ("£-5", -5.0),
        ("£ 12,000", 12000.0),
        ("  7800 ", 7800.0),
        ("0", 0.0),
        ("GBP 10", 10.0),
        ("(£1,000.25)", -1000.25),
    ],
)
def test_parse_money_examples(text, pounds):
    values, bad = clean.parse_money(_s(text))
    assert values.iloc[0] == pytest.approx(pounds)
    assert not bad.iloc[0]


@pytest.mark.parametrize("text", ["abc", "£", "12..5", "1,2,3.4.5", "inf", "nan", "£12abc", "()"])
def test_parse_money_rejects_non_money(text):
    values, bad = clean.parse_money(_s(text))
    assert np.isnan(values.iloc[0])
    assert bad.iloc[0]


def test_parse_money_blank_is_missing_not_bad():
    values, bad = clean.parse_money(_s("", "   ", None))
    assert values.isna().all()
    assert not bad.any()


def test_parse_money_typed_numbers_pass_through():
    values, bad = clean.parse_money(pd.Series([1.5, -2.0, np.nan]))
    assert values.tolist()[:2] == [1.5, -2.0] and np.isnan(values.iloc[2])
    assert not bad.any()


def _money_styles(pence: int) -> list[str]:
    """The same amount written in each accepted style."""
    pounds = abs(pence) / 100
    plain = f"{pounds:.2f}"
    commas = f"{pounds:,.2f}"
    if pence < 0:
        return [f"-{plain}", f"-£{commas}", f"(£{commas})", f"({commas})", f"£-{plain}"]
    return [plain, f"£{commas}", f"£ {commas}", commas, f"{plain} "]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-10**9, max_value=10**9))
def test_parse_money_round_trip(pence):
    styles = _money_styles(pence)
    values, bad = clean.parse_money(_s(*styles))
    assert not bad.any(), styles
    assert np.allclose(values.to_numpy(), pence / 100, rtol=0, atol=1e-6), styles


# ---------------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2024-11-05", "2024-11-05"),
        ("2024-11-05 00:00:00", "2024-11-05"),
        ("2024-11-05T13:45:00", "2024-11-05"),
        ("2024/11/05", "2024-11-05"),
        ("05/11/2024", "2024-11-05"),  # day first: 5 November
        ("5/11/2024", "2024-11-05"),
        ("05-11-2024", "2024-11-05"),
        ("05.11.2024", "2024-11-05"),
        ("05/11/24", "2024-11-05"),
        ("5 Nov 2024", "2024-11-05"),
        ("05-Nov-2024", "2024-11-05"),
        ("5 November 2024", "2024-11-05"),
        ("45601", "2024-11-05"),  # Excel serial: 1899-12-30 + 45601 days
        ("45601.5", "2024-11-05"),  # serial with a time of day
        (" 2024-11-05 ", "2024-11-05"),
        ("2024-11-05T00:00:00Z", "2024-11-05"),  # time zones: the written date is kept
        ("2024-11-05 23:30:00+01:00", "2024-11-05"),
        ("05/11/2024 00:00", "2024-11-05"),
        ("5/11/2024 13:45:10", "2024-11-05"),
    ],
)
def test_parse_dates_examples(text, iso):
    values, bad = clean.parse_dates(_s(text))
    assert values.iloc[0] == pd.Timestamp(iso)
    assert not bad.iloc[0]
    assert values.dtype == "datetime64[ns]"


@pytest.mark.parametrize(
    "text",
    ["31/02/2024", "11/25/2024", "2024", "20241105", "not a date", "13/13/2024", "123", "99999999", "2024-13-01"],
)
def test_parse_dates_rejects(text):
    """Month-first text (11/25/2024), impossible dates and stray numbers are not guessed."""
    values, bad = clean.parse_dates(_s(text))
    assert pd.isna(values.iloc[0])
    assert bad.iloc[0]


def test_parse_dates_excel_serial_bounds():
    # 18264 = 1950-01-01 (first accepted), 18263 is rejected as a stray number
    values, bad = clean.parse_dates(_s("18264", "18263"))
    assert values.iloc[0] == pd.Timestamp("1950-01-01")
    assert bad.tolist() == [False, True]


def test_parse_dates_typed_inputs():
    cells = pd.Series([pd.Timestamp("2024-11-05 10:30"), pd.NaT])  # Excel date cells / parquet dates
    values, bad = clean.parse_dates(cells)
    assert values.iloc[0] == pd.Timestamp("2024-11-05") and pd.isna(values.iloc[1])
    assert not bad.any()
    serials, bad = clean.parse_dates(pd.Series([45601.0, np.nan]))
    assert serials.iloc[0] == pd.Timestamp("2024-11-05") and not bad.any()


def test_parse_dates_blank_is_missing_not_bad():
    values, bad = clean.parse_dates(_s("", " ", None))
    assert values.isna().all() and not bad.any()


def _date_styles(d: dt.date) -> list[str]:
    serial = (d - dt.date(1899, 12, 30)).days
    return [
        d.isoformat(),
        d.strftime("%Y-%m-%d 00:00:00"),
        d.strftime("%d/%m/%Y"),
        f"{d.day}/{d.month}/{d.year}",
        d.strftime("%d-%m-%Y"),
        d.strftime("%d.%m.%Y"),
        d.strftime("%d %b %Y"),
        str(serial),
    ]


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_parse_dates_round_trip(d):
    styles = _date_styles(d)
    values, bad = clean.parse_dates(_s(*styles))
    assert not bad.any(), styles
    assert (values == pd.Timestamp(d)).all(), list(zip(styles, values, strict=True))


@settings(max_examples=40, deadline=None)
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_parse_dates_day_first_never_month_first(d):
    """dd/mm/yyyy always reads day first, even when the day is 12 or less."""
    values, _ = clean.parse_dates(_s(d.strftime("%d/%m/%Y")))
    assert values.iloc[0] == pd.Timestamp(d)


# ---------------------------------------------------------------------------------------------------
# booleans, whole numbers, financial years
# ---------------------------------------------------------------------------------------------------


def test_parse_bool():
    values, bad = clean.parse_bool(_s("true", "FALSE", "Yes", "n", "1", "0", "", None, "maybe", " Y "))
    assert values.tolist() == [True, False, True, False, True, False, False, False, False, True]
    assert bad.tolist() == [False] * 8 + [True, False]


def test_parse_int():
    values, bad = clean.parse_int(_s("9", "1,200", "", "nine", "2.5"))
    assert values.iloc[0] == 9 and values.iloc[1] == 1200 and np.isnan(values.iloc[2])
    assert bad.tolist() == [False, False, False, True, True]


@pytest.mark.parametrize("text", ["2024-25", "2024/25", "2024-2025", "202425", "FY2024-25", " 2024 - 25 "])
def test_parse_financial_year(text):
    values, bad = clean.parse_financial_year(_s(text))
    assert values.iloc[0] == "2024-25" and not bad.iloc[0]


@pytest.mark.parametrize("text", ["2024", "2024-26", "24-25", "next year"])
def test_parse_financial_year_rejects(text):
    values, bad = clean.parse_financial_year(_s(text))
    assert pd.isna(values.iloc[0]) and bad.iloc[0]


def test_financial_year_1999_2000():
    values, bad = clean.parse_financial_year(_s("1999-00"))
    assert values.iloc[0] == "1999-00" and not bad.iloc[0]


# ---------------------------------------------------------------------------------------------------
# codes
# ---------------------------------------------------------------------------------------------------


def test_normalise_codes_synonyms_case_and_spaces():
    raw = _s(" Special_Independent ", "Independent Special School", "NMSS", "mainstream academy", "", "Moon")
    codes, unknown, changed = clean.normalise_codes(raw, "setting")
    assert codes.tolist()[:4] == [
        "special_independent",
        "special_independent",
        "special_non_maintained",
        "mainstream_academy",
    ]
    assert pd.isna(codes.iloc[4]) and not unknown.iloc[4]  # blank: missing, not unknown
    assert pd.isna(codes.iloc[5]) and unknown.iloc[5]
    assert changed.tolist() == [True, True, True, True, False, False]


def test_normalise_codes_when_every_label_is_its_code():
    raw = pd.Series(["special_independent", None, "mainstream_academy", "special_independent"],
                    dtype=pd.StringDtype("pyarrow"))
    codes, unknown, changed = clean.normalise_codes(raw, "setting")
    assert codes.tolist()[::2] == ["special_independent", "mainstream_academy"] and pd.isna(codes.iloc[1])
    assert codes.iloc[3] == "special_independent" and codes.dtype == "string"
    assert not unknown.any() and not changed.any()
    # one label that is not its code: the mapped path, the same codes for the others
    codes, _, changed = clean.normalise_codes(pd.concat([raw, pd.Series(["NMSS"], dtype=raw.dtype)],
                                                        ignore_index=True), "setting")
    assert codes.iloc[4] == "special_non_maintained" and changed.tolist() == [False] * 4 + [True]


def test_normalise_codes_extra_labels_win():
    codes, unknown, _ = clean.normalise_codes(_s("Indep Spec", "college"), "setting", {"Indep Spec": "special_independent"})
    assert codes.tolist() == ["special_independent", "general_fe_tertiary_colleges"]
    assert not unknown.any()


def test_normalise_codes_primary_need_and_outcome():
    codes, unknown, _ = clean.normalise_codes(_s("asd", "Autism", "Social, emotional and mental health"), "primary_need")
    assert codes.tolist() == ["ASD", "ASD", "SEMH"] and not unknown.any()
    codes, _, _ = clean.normalise_codes(_s("Plan Issued", "in progress", "Withdrawn"), "outcome")
    assert codes.tolist() == ["plan_issued", "open", "withdrawn"]


def test_clean_text_keeps_leading_zeros():
    assert clean.clean_text(_s(" 00123 ", "", None)).tolist()[0] == "00123"
    assert clean.clean_text(_s(" 00123 ", "", None)).isna().tolist() == [False, True, True]


def test_parse_dates_mixed_time_zones_do_not_fail():
    values, bad = clean.parse_dates(_s("2024-11-05T00:00:00Z", "2024-11-06 00:00:00+01:00", "2024-11-07", "junk"))
    assert values.iloc[:3].tolist() == [pd.Timestamp("2024-11-05"), pd.Timestamp("2024-11-06"), pd.Timestamp("2024-11-07")]
    assert bad.tolist() == [False, False, False, True]
