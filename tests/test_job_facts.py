"""The facts a report job keeps for the index page (analysis.report.job_facts)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.report import job_facts


def _status(*pairs):
    return pd.DataFrame({"target_id": [t for t, _ in pairs], "status": [s for _, s in pairs]})


def test_worst_status_ranks_by_severity_and_ignores_targets_that_do_not_apply():
    status = _status(("T1", "on track"), ("T2", "off track"), ("T3", "needs acceleration"),
                     ("T4", "off track"), ("N1", "not applicable"))  # fmt: skip
    assert job_facts.worst_status(status) == ("off track", ["T2", "T4"])
    # a target missed at its year is worse than one that cannot be reached as written
    status = _status(("T1", "unattainable"), ("T1-2022", "not achieved"), ("T7", "achieved"))
    assert job_facts.worst_status(status) == ("not achieved", ["T1-2022"])
    # too little data is worse than needing acceleration, better than off track
    assert (
        job_facts.worst_status(_status(("A", "too little data"), ("B", "needs acceleration")))[0]
        == "too little data"
    )
    assert job_facts.worst_status(_status(("N1", "not applicable"))) == (None, [])


def test_worst_status_leaves_out_past_annual_plans_when_the_scope_is_known():
    status = _status(("T1", "needs acceleration"), ("T1-2022", "not achieved"), ("N4", "achieved"))
    status["scope"] = ["plan", "annual plan", "national reference"]
    assert job_facts.worst_status(status) == ("needs acceleration", ["T1"])


@pytest.mark.slow
def test_facts_of_a_district_report_are_its_headline_and_verdicts():
    from analysis.report import context, overview_data, section_data

    ctx = context.load("Lộc Ninh", 2024, "en")
    facts = job_facts.job_facts(ctx)
    figures = section_data.headline_data(ctx).figures.set_index("figure")
    rows = ctx.rows()
    now, before = (rows[rows["year"] == y].iloc[0] for y in (2024, 2023))
    assert facts["poor"] == now["poor_end"] == figures.loc["poor", "households"]
    assert facts["rate"] == pytest.approx(100 * now["poor_end"] / now["total_households"])
    assert facts["change_households"] == now["poor_end"] - before["poor_end"]
    assert facts["em_rate"] == pytest.approx(100 * now["em_poor_end"] / now["em_total_households"])
    status = overview_data.projections_data(ctx).status
    assert facts["targets"] == dict(zip(status["target_id"], status["status"], strict=True))
    assert facts["data"]["files"] == [p.name for p in job_facts.data_files(ctx)]
    assert facts["data"]["sha256"] == ctx.data.checksum and facts["data"]["synthetic"] is True
    assert facts["level"] == "district" and facts["year"] == 2024 and facts["lang"] == "en"
