"""``sendlib backlog``: hand-worked figures on data/example, the sample's headline figures, disclosure
control, and one clear error line (with the right exit code) for each kind of bad input."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sendlib import cli, config, disclosure
from sendlib.disclosure import linked_suppression
from tests.cli_helpers import run_command, run_json


def _run(capsys, *argv):
    return run_command(capsys, "backlog", *argv)


def _json(capsys, *argv) -> dict:
    return run_json(capsys, "backlog", *argv)


def plain_overdue(assessments: pd.DataFrame, d) -> tuple[int, int]:
    """(open, overdue) at d by a plain pandas count, straight from the sendlib.backlog docstring.

    Closing date = earliest of issued_on, decision_on of a refusal, closed_on of a no_plan or withdrawn
    outcome; open at d = received on or before d and no closing date on or before d; overdue = open
    and d - received_on > 140 days.
    """
    a = assessments
    d = pd.Timestamp(d)
    refused = a["decision"].eq("refuse").fillna(False).astype(bool)
    ended = a["outcome"].isin(["no_plan", "withdrawn"]).fillna(False).astype(bool)
    closing = pd.concat(
        [a["issued_on"], a["decision_on"].where(refused), a["closed_on"].where(ended)], axis=1
    ).min(axis=1)
    is_open = (a["received_on"] <= d) & ~(closing <= d)
    overdue = is_open & ((d - a["received_on"]).dt.days > 140)
    return int(is_open.sum()), int(overdue.sum())


def _counts(report: dict):
    """Every count in a backlog report (path, value), for the disclosure check."""
    keys = [
        "open_requests",
        "not_yet_overdue",
        "overdue_requests",
        "overdue_excl_exceptions",
        "overdue_exception_cases",
        "due_to_breach_next_4_weeks",
    ]
    out = [(k, report[k]) for k in keys]
    out += [(f"band {k}", v) for k, v in report["overdue_by_age_band"].items()]
    out += [(f"stage {k}", v) for k, v in report["overdue_by_stage"].items()]
    for h in report["history"]:
        out += [(f"{h['month']} {k}", v) for k, v in h.items() if k != "month"]
    out += [(f"proj {m['month']}", m["overdue_requests"]) for m in report["clearance"]["months"]]
    out.append(("start", report["clearance"]["start_overdue"]))
    return out


# ---------------------------------------------------------------------------------------------------
# data/example: figures worked out by hand (data/example/README.md, "Overdue requests")
# ---------------------------------------------------------------------------------------------------


def test_example_snapshot_by_hand_without_suppression(capsys, example_dir):
    r = _json(capsys, "--data", str(example_dir), "--suppress-below", "1", "--months", "6")
    assert r["period"] == "2024-11" and r["period_end"] == "2024-11-30" and r["suppressed"] == []
    # open at 30 Nov: R010, R011, R012, R015, R016; overdue: R010 (213 days), R011 (173), R015 (236)
    assert r["open_requests"] == 5 and r["overdue_requests"] == 3 and r["not_yet_overdue"] == 2
    assert r["overdue_excl_exceptions"] == 2 and r["overdue_exception_cases"] == 1  # R011 is an exception
    # R012 (received 15 July) passes day 140 on 3 December, within 4 weeks; R016 not until March
    assert r["due_to_breach_next_4_weeks"] == 1
    # R011 173 days -> 20-26 weeks (141-182); R010 213 and R015 236 -> 26-39 weeks (183-273)
    assert r["overdue_by_age_band"] == {
        "20-26 weeks": 1,
        "26-39 weeks": 2,
        "39-52 weeks": 0,
        "over 52 weeks": 0,
    }
    # R015 has no decision; R010 (decided 12 June) and R011 (22 July) decided > 70 days before 30 Nov
    assert r["overdue_by_stage"] == {"awaiting_decision": 1, "assessing": 0, "drafting": 2}


def test_example_history_by_hand(capsys, example_dir, sample_extract):
    r = _json(capsys, "--data", str(example_dir), "--suppress-below", "1", "--months", "6")
    h = pd.DataFrame(r["history"]).set_index("month")
    assert list(h.index) == ["2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11"]
    # overdue: Jul/Aug R014 (149 days at 31 Jul) then R015 (145 at 31 Aug, R014 closed 19 Aug);
    # Sep + R010 (152); Oct + R011 (143 days at 31 Oct)
    assert h["overdue_requests"].tolist() == [0, 1, 1, 2, 3, 3]
    # completed: R009 issued 3 Jun; R014 no plan 19 Aug; R006 issued 15 Oct; R007, R008 in Nov.
    # R013's refusal (Oct) is not an assessment.
    assert h["assessments_completed"].tolist() == [1, 0, 1, 0, 1, 2]
    # received: R011, R007 (Jun); R008, R012 (Jul); R013 (Sep); R016 (Oct)
    assert h["requests_received"].tolist() == [2, 2, 0, 1, 1, 0]


def test_example_clearance_projection_by_hand(capsys, example_dir):
    c = _json(capsys, "--data", str(example_dir), "--suppress-below", "1")["clearance"]
    # Jun-Nov 2024: 6 received, 1 refused -> intake 5/6; closures other than refusals 5 -> 5/6.
    assert c["intake_per_month"] == 0.83 and c["throughput_per_month"] == 0.83
    # 10th percentile of days to issue (121, 133, 134, 137, 140, 142, 148, 150, 165): 121 + 0.8 x 12
    assert c["min_days"] == 130
    # floor(5k/6) gives 0, 1, 1, 1, 1, 1, 0 closures Dec..Jun; oldest first: R015 (Jan), R010 (Feb),
    # R011 (Mar), R012 (Apr), R016 (May). Overdue at each month end: Dec R015 R010 R011 R012 = 4;
    # Jan 3; Feb R011 R012 = 2; Mar R012 + R016 (168 days) = 2; Apr R016 = 1; May 0; Jun the arrival
    # of 15 January is 166 days old = 1.
    proj = [m["overdue_requests"] for m in c["months"]]
    assert proj[:8] == [3, 4, 3, 2, 2, 1, 0, 1]
    assert c["months"][0] == {"month": "2024-11", "actual": True, "overdue_requests": 3}
    assert len(c["months"]) == 25 and c["horizon_months"] == 24 and c["horizon_end"] == "2026-11"
    assert c["start_overdue"] == 3 and c["halves_on"] == "2025-04" and c["clears_on"] == "2025-05"


def test_example_is_suppressed_by_default(capsys, example_dir):
    r = _json(capsys, "--data", str(example_dir))
    assert r["suppress_below"] == 5
    assert r["open_requests"] == 5  # the only snapshot count of 5 or more
    for key in ("not_yet_overdue", "overdue_requests", "overdue_excl_exceptions", "overdue_exception_cases"):
        assert r[key] is None and key in r["suppressed"]
    assert r["overdue_by_age_band"] == {
        "20-26 weeks": None,
        "26-39 weeks": None,
        "39-52 weeks": 0,
        "over 52 weeks": 0,
    }
    assert r["overdue_by_stage"] == {"awaiting_decision": None, "assessing": 0, "drafting": None}
    assert "overdue_by_age_band.20-26 weeks" in r["suppressed"]
    assert all(v is None or v == 0 or v >= 5 for _, v in _counts(r))
    code, out, _ = _run(capsys, "--data", str(example_dir))
    assert code == 0
    assert "Counts from 1 to 4 are shown as [c]" in out
    assert "Open requests" in out and "Requests (count)" in out
    row = next(line for line in out.splitlines() if line.startswith("  overdue (over 20 weeks)"))
    assert row.split()[-1] == disclosure.SUPPRESSED
    assert "R01" not in out  # never a request id
    assert "Overdue backlog halves by: 2025-04; clears by: 2025-05." in out


# ---------------------------------------------------------------------------------------------------
# data/sample: the same figures as the headlines, and an independent pandas count
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_report(sample_extract):
    from sendlib.commands.backlog import backlog_report

    return backlog_report(sample_extract, pd.Timestamp("2024-11-30"), months=13)


def test_sample_cli_equals_headlines_and_plain_count(capsys, sample_dir, sample_extract, sample_report):
    from sendlib.headlines import headlines

    r = _json(capsys, "--data", str(sample_dir), "--period", "2024-11", "--months", "13")
    assert r == sample_report
    h = headlines(sample_extract, "2024-11")
    assert r["overdue_requests"] == h["overdue_assessments"] == 620  # the sample is calibrated to about 620 overdue
    assert plain_overdue(sample_extract.assessments, "2024-11-30") == (r["open_requests"], 620)
    hist = r["history"]
    assert len(hist) == 13 and hist[-1]["month"] == "2024-11" and hist[0]["month"] == "2023-11"
    assert hist[-2]["overdue_requests"] == h["overdue_assessments_prev_month"]
    assert plain_overdue(sample_extract.assessments, "2024-10-31")[1] == hist[-2]["overdue_requests"]
    assert hist[-1]["assessments_completed"] == h["assessments_completed_month"]
    assert hist[0]["assessments_completed"] == h["assessments_completed_same_month_last_year"]
    received = sample_extract.assessments["received_on"]
    nov = int(((received >= "2024-11-01") & (received <= "2024-11-30")).sum())
    assert hist[-1]["requests_received"] == nov


def test_sample_parts_add_up_and_small_counts_are_protected(sample_report, sample_extract):
    r = sample_report
    assert r["open_requests"] == r["overdue_requests"] + r["not_yet_overdue"]
    assert r["overdue_requests"] == r["overdue_excl_exceptions"] + r["overdue_exception_cases"]
    assert sum(r["overdue_by_age_band"].values()) == r["overdue_requests"]
    stages = r["overdue_by_stage"]
    # the sample has 1 overdue request in "assessing": suppressed, and a second stage with it, so it
    # cannot be recovered from the total
    hidden = [s for s, v in stages.items() if v is None]
    assert "assessing" in hidden and len(hidden) >= 2
    assert stages["drafting"] is not None
    assert all(v is None or v == 0 or v >= 5 for _, v in _counts(r))
    # clearance: the projection starts from the actual backlog and clears in the month printed
    c = r["clearance"]
    assert c["start_overdue"] == c["months"][0]["overdue_requests"] == 620
    first_zero = next(m["month"] for m in c["months"] if m["overdue_requests"] == 0)
    assert c["clears_on"] == first_zero


def test_sample_table_has_units_and_is_reproducible(capsys, sample_dir):
    code, out, _ = _run(capsys, "--data", str(sample_dir), "--period", "2024-11")
    assert code == 0
    for header in (
        "Requests (count)",
        "Overdue at month end (requests)",
        "Assessments completed in month (count)",
        "Requests received in month (count)",
        "Projected overdue at month end (requests)",
    ):
        assert header in out
    assert "overdue (over 20 weeks)" in out and " 620" in out
    # the month printed is the first month of the printed projection at 0 (README: "clearing by July 2025")
    table = out.split("Projected overdue at month end (requests)")[1].splitlines()[1:]
    first_zero = next(line.split()[0] for line in table if line.split() and line.split()[-1] == "0")
    assert f"clears by: {first_zero}." in out and first_zero == "2025-07"
    _, again, _ = _run(capsys, "--data", str(sample_dir), "--period", "2024-11")
    assert again == out


# ---------------------------------------------------------------------------------------------------
# Secondary suppression over linked lines, checked by hand and against sendlib.disclosure
# ---------------------------------------------------------------------------------------------------


def test_linked_suppression_cascades_through_shared_totals():
    values = {"open": 13, "overdue": 10, "not_yet": 3, "band_a": 2, "band_b": 8, "stage_a": 10, "stage_b": 0}
    lines = [
        (["overdue", "not_yet"], "open"),
        (["band_a", "band_b"], "overdue"),
        (["stage_a", "stage_b"], "overdue"),
    ]
    # primary: not_yet (3), band_a (2). open's line then holds one: overdue (10) goes too, so the
    # stages' line holds one (its total): stage_a (10), its only positive component, goes too.
    assert linked_suppression(values, lines, 5) == {"not_yet", "band_a", "overdue", "stage_a"}
    assert linked_suppression(values, lines, 1) == set()


@pytest.mark.parametrize(
    "row",
    [[3, 10, 7, 20], [0, 0, 3, 3], [6, 7, 8, 21], [1, 2, 0, 3], [4, 0, 9, 13], [0, 0, 0, 0]],
)
def test_linked_suppression_matches_disclosure_on_one_line(row):
    frame = pd.DataFrame([row], columns=["a", "b", "c", "total"])
    expected = disclosure.suppression_mask(frame, 5, row_total="total").iloc[0]
    got = linked_suppression(dict(zip(frame.columns, row, strict=True)), [(["a", "b", "c"], "total")], 5)
    assert got == {c for c in frame.columns if expected[c]}


# ---------------------------------------------------------------------------------------------------
# Errors: one line, the right exit code
# ---------------------------------------------------------------------------------------------------


def test_missing_and_file_data_folders_are_usage_errors(capsys, tmp_path, example_dir):
    code, _, err = _run(capsys, "--data", str(tmp_path / "missing"))
    assert code == 2 and "does not exist" in err and err.count("\n") == 1
    code, _, err = _run(capsys, "--data", str(example_dir / "plans.csv"))
    assert code == 2 and "is a file" in err


def test_missing_default_folder_is_a_data_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "SAMPLE_DIR", tmp_path / "no_sample")
    code, _, err = _run(capsys)
    assert code == 1 and "default data folder" in err and "--data" in err


def test_unusable_extract_is_a_data_error(capsys, tmp_path, example_dir):
    folder = tmp_path / "broken"
    shutil.copytree(example_dir, folder)
    (folder / "assessments.csv").unlink()
    code, _, err = _run(capsys, "--data", str(folder))
    assert code == 1 and "cannot be used" in err and "assessments" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--period", "2024-13"], "YYYY-MM"),
        (["--period", "Nov 2024"], "YYYY-MM"),
        (["--period", "2025-01"], "after the extract's last full month 2024-11"),
        (["--months", "0"], "--months 0: give a whole number of months from 1 to 240"),
        # far-off months: a usage error naming the option and the range, not "year -6309 is out of range"
        (["--months", "100000"], "--months 100000: give a whole number of months from 1 to 240"),
        (["--months", "241"], "--months 241: give a whole number of months from 1 to 240"),
        (["--period", "1989-12"], "--period 1989-12: year 1989 is outside the years sendlib accepts, 1990 to 2100"),
        (["--months", "twelve"], "invalid int value"),
        (["--suppress-below", "0"], "--suppress-below 0"),
    ],
)
def test_usage_errors_exit_2(capsys, example_dir, argv, match):
    code, _, err = _run(capsys, "--data", str(example_dir), *argv)
    assert code == 2 and match in err


def test_the_longest_history_from_the_first_year_accepted(capsys, example_dir):
    # --months 240 ending January 1990: 240 month ends, February 1970 to January 1990, all before the
    # first request in data/example (2023), so every count is 0
    r = _json(capsys, "--data", str(example_dir), "--period", "1990-01", "--months", "240")
    months = [h["month"] for h in r["history"]]
    assert len(months) == 240 and (months[0], months[-1]) == ("1970-02", "1990-01")
    assert {h["overdue_requests"] for h in r["history"]} == {0} and r["open_requests"] == 0


def test_registered_in_cli():
    assert "sendlib.commands.backlog" in cli.COMMAND_MODULES
    assert "backlog" in cli.build_parser().format_help()


def test_a_secondarily_suppressed_backlog_is_hidden_everywhere_it_appears():
    """10 overdue and 3 recent open requests: the 3 is suppressed, so the 10 is too (open = 13 is shown)
    and so is every copy or partition of the 10 (bands, stages, exceptions, history, projection)."""
    from sendlib import schema
    from sendlib.commands.backlog import backlog_report
    from sendlib.extract import from_frames

    n_old, n_new = 10, 3
    assessments = pd.DataFrame(
        {
            "request_id": [f"R{i:03d}" for i in range(n_old + n_new)],
            "child_id": [f"C{i:03d}" for i in range(n_old + n_new)],
            "received_on": ["2024-06-03"] * n_old + ["2024-11-01"] * n_new,  # 180 and 29 days at 30 Nov
            "outcome": ["open"] * (n_old + n_new),
            "exception": [False] * (n_old + n_new),
        }
    )
    empty = {
        t: pd.DataFrame(columns=schema.CONTRACT[t].column_names) for t in (schema.PLANS, schema.PLACEMENTS)
    }
    extract = from_frames(empty[schema.PLANS], empty[schema.PLACEMENTS], assessments, as_of="2024-11-30")
    r = backlog_report(extract, pd.Timestamp("2024-11-30"), months=3)
    assert r["open_requests"] == 13
    assert r["overdue_requests"] is None and r["not_yet_overdue"] is None
    assert r["overdue_excl_exceptions"] is None and r["overdue_exception_cases"] == 0
    assert (
        r["overdue_by_age_band"]["20-26 weeks"] is None and r["overdue_by_stage"]["awaiting_decision"] is None
    )
    assert r["due_to_breach_next_4_weeks"] == 0
    assert r["history"][-1]["overdue_requests"] is None
    assert r["clearance"]["start_overdue"] is None and r["clearance"]["months"][0]["overdue_requests"] is None
    # without suppression the figures are there (and 10 was hidden only because of the 3)
    plain = backlog_report(extract, pd.Timestamp("2024-11-30"), months=3, threshold=1)
    assert plain["overdue_requests"] == 10 and plain["history"][-1]["overdue_requests"] == 10
    assert plain["clearance"]["start_overdue"] == 10
