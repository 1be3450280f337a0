"""sendlib.formatting: each rule worked by hand."""

import math

import pandas as pd
import pytest

from sendlib import formatting as fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (16965.4, "£16,965"),
        (-80, "-£80"),
        (-0.3, "£0"),
        (0.3, "£0"),
        (-0.5, "£0"),  # half to even: -0.5 rounds to -0, shown unsigned
        (-1.5, "-£2"),
        (1_234_567.5, "£1,234,568"),
        (1_234_566.5, "£1,234,566"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
        ("[c]", "[c]"),
    ],
)
def test_pounds(value, expected):
    assert fmt.pounds(value) == expected


def test_pounds_decimals_and_missing():
    assert fmt.pounds(1234.567, decimals=2) == "£1,234.57"
    assert fmt.pounds(-0.004, decimals=2) == "£0.00"
    assert fmt.pounds(None, missing="n/a") == "n/a"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (950, "£950"),
        (999.6, "£1k"),
        (12_345, "£12.3k"),
        (20_100_000, "£20.1m"),
        (1_234_567.5, "£1.2m"),
        (1_200_000_000, "£1.2bn"),
        (-20_100_000, "-£20.1m"),
        (-0.3, "£0"),
        (12_000, "£12k"),
    ],
)
def test_pounds_short(value, expected):
    assert fmt.pounds_short(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (206_912_345, "£206.9m"),
        (-20_300_000, "-£20.3m"),
        (1_234_567.5, "£1.2m"),
        (950_000, "£950,000"),
        (-0.3, "£0"),
        (999_960, "£1.0m"),
    ],
)
def test_pounds_prose(value, expected):
    assert fmt.pounds_prose(value) == expected


def test_count_and_percent():
    assert fmt.count(9754) == "9,754"
    assert fmt.count(9842.55) == "9,843"
    assert fmt.count(2.5) == "2"  # half to even
    assert fmt.count(-0.3) == "0"
    assert fmt.count(1_234_567.5) == "1,234,568"
    assert fmt.percent(9.43) == "9.4%"
    assert fmt.percent(-0.04) == "0.0%"
    assert fmt.percent(29.95, decimals=0) == "30%"
    assert fmt.percent(math.nan, missing="-") == "-"


def test_changes():
    assert fmt.signed(43) == "+43"
    assert fmt.signed(-43) == "-43"
    assert fmt.signed(-0.3) == "0"
    assert fmt.signed(-80, fmt.pounds) == "-£80"
    assert fmt.signed(80, fmt.pounds) == "+£80"
    assert fmt.change_in_words(43) == "up 43"
    assert fmt.change_in_words(-80, fmt.pounds) == "down £80"
    assert fmt.change_in_words(-0.3, fmt.pounds) == "unchanged"
    assert fmt.change_in_words(0) == "unchanged"
    assert fmt.change_in_words("[c]") == "[c]"


def test_months():
    ts = pd.Timestamp("2024-11-30")
    assert fmt.month(ts) == "November 2024"
    assert fmt.month("2024-11") == "November 2024"
    assert fmt.month_short(ts) == "Nov 2024"
    assert fmt.period(ts) == "2024-11"
    assert fmt.period(pd.Period("2025-01", "M")) == "2025-01"
    assert fmt.month(None) == ""
    assert fmt.month(pd.NaT, missing="n/a") == "n/a"
