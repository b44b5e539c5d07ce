"""Cluster edits (rename, merge, split, pin) persist in the study and survive re-running."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command

import research_kit
from research_kit import schema
from research_kit.errors import StoreError
from research_kit.store import Store, utcnow
from research_kit.survey.cluster_edits import (
    ClusterEditError,
    apply_cluster_edits,
    apply_cluster_edits_result,
    cluster_edits,
    edit_report,
    merge_clusters,
    pin_response,
    rename_cluster,
    split_cluster,
    undo_last_edit,
)
from research_kit.survey.cluster_runs import cluster_runs, load_cluster_run, save_cluster_run
from research_kit.survey.ingest import read_survey

pytestmark = pytest.mark.both_backends

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_STUDY = ROOT / "interview_data"
SURVEY = "permitting_2026"
QUESTION = "What one thing should the City change about permitting?"
THEMES = ("plan_review_speed", "fees_cost", "portal_problems", "language_access")


@pytest.fixture(scope="module")
def themed() -> pd.DataFrame:
    """The sample survey's answers to QUESTION with their true theme (a perfect 'model')."""
    survey = read_survey(SAMPLE_STUDY / "survey" / "permitting_survey_2026.csv")
    truth = pd.read_csv(ROOT / "benchmarks" / "data" / "sample_survey_truth.csv")
    frame = survey[["Respondent ID", QUESTION]].set_axis(["respondent_id", "text"], axis=1)
    frame = frame.merge(truth[["respondent_id", "q1_theme"]], on="respondent_id")
    frame = frame.dropna(subset=["text", "q1_theme"]).reset_index(drop=True)
    return frame.rename(columns={"q1_theme": "theme"})


def _model_output(themed: pd.DataFrame, *, seed: int, drop: float = 0.0, noise: float = 0.0):
    """What a clusterer run might give: any row order, any numbering, some answers moved."""
    rng = np.random.default_rng(seed)
    frame = themed.sample(frac=1 - drop, random_state=seed) if drop else themed
    frame = frame.sample(frac=1, random_state=seed + 1).reset_index(drop=True)
    themes = sorted(themed["theme"].unique())
    numbering = dict(zip(themes, rng.permutation(len(themes)).tolist(), strict=True))
    cluster = frame["theme"].map(numbering).to_numpy().copy()
    moved = rng.random(len(frame)) < noise
    cluster[moved] = rng.integers(0, len(themes), moved.sum())
    return pd.DataFrame(
        {
            "respondent_id": frame["respondent_id"],
            "text": frame["text"],
            "cluster": cluster,
            "confidence": rng.uniform(0.2, 0.9, len(frame)).round(3),
        }
    )


def _cluster_of(assignments: pd.DataFrame, themed: pd.DataFrame, theme: str) -> int:
    """The number the model gave the (majority of) answers of one true theme."""
    members = set(themed.loc[themed["theme"] == theme, "respondent_id"])
    return int(assignments.loc[assignments.respondent_id.isin(members), "cluster"].mode()[0])


def _members(edited: pd.DataFrame, name: str) -> set[str]:
    return set(edited.loc[edited["cluster_name"] == name, "respondent_id"])


def _theme_ids(themed: pd.DataFrame, *themes: str) -> set[str]:
    return set(themed.loc[themed["theme"].isin(themes), "respondent_id"])


@pytest.fixture
def study(sample_study_path):
    opened = research_kit.open_study(sample_study_path)
    yield opened
    opened.close()


# -- the database --------------------------------------------------------------------------------
def test_upgrade_from_0001_keeps_codings_and_adds_the_cluster_tables(tmp_path):
    path = tmp_path / "study.db"
    old = Store(path, migrate=False)
    config = old._alembic_config()
    with old.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    now = utcnow()
    with old.transaction() as conn:
        conn.execute(schema.coders.insert().values(id=1, name="J.R.", created_at=now))
        conn.execute(
            schema.documents.insert().values(
                id="P01", source_path="notes/P01.md", content_hash="h", encoding="utf-8",
                n_chars=10, attributes={}, first_seen_at=now, updated_at=now,
            )
        )  # fmt: skip
        conn.execute(schema.codes.insert().values(id="fees", name="Fees", updated_at=now))
        conn.execute(
            schema.excerpts.insert().values(
                id=1, document_id="P01", start=0, end=5, text="hello", document_hash="h",
                created_at=now,
            )
        )  # fmt: skip
        conn.execute(
            schema.codings.insert().values(
                excerpt_id=1, code_id="fees", coder_id=1, origin="manual", created_at=now
            )
        )
    assert old.schema_version == "0001"
    old.close()
    with sqlite3.connect(path) as raw:
        assert "cluster_edits" not in {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}

    store = Store(path)  # opening migrates
    # Migrated to the head, through 0003 (which added the cluster tables) and whatever follows.
    assert store.schema_version == store.head_revision
    assert int(store.head_revision) >= 3
    assert store.count("codings") == 1 and store.count("coders") == 1
    assert store.integrity_check() == []
    with store.transaction() as conn:
        conn.execute(
            schema.cluster_edits.insert().values(
                survey_id="s", question="q", seq=1, kind="rename", payload={"name": "x"},
                coder_id=1, created_at=utcnow(), undone=False,
            )
        )  # fmt: skip
    with pytest.raises(StoreError, match="refused a change"), store.transaction() as conn:
        conn.execute(
            schema.cluster_edits.insert().values(
                survey_id="s", question="q", seq=2, kind="recolour", payload={},
                created_at=utcnow(), undone=False,
            )
        )  # fmt: skip
    assert store.count("cluster_edits") == 1
    store.close()


def test_downgrade_to_0001_drops_only_the_cluster_tables(tmp_path):
    store = Store(tmp_path / "study.db")
    with store.transaction() as conn:
        conn.execute(schema.coders.insert().values(name="J.R.", created_at=utcnow()))
    config = store._alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    tables = set(sa.inspect(store.engine).get_table_names())
    assert not tables & {"cluster_edits", "cluster_runs", "cluster_assignments"}
    assert store.count("coders") == 1
    store.close()


# -- edits persist and replay ----------------------------------------------------------------
def test_each_edit_persists_across_reopening_the_study(sample_study_path, themed):
    assignments = _model_output(themed, seed=0)
    fees = _cluster_of(assignments, themed, "fees_cost")
    review = _cluster_of(assignments, themed, "plan_review_speed")
    portal = _cluster_of(assignments, themed, "portal_problems")
    language = _cluster_of(assignments, themed, "language_access")
    pinned = themed.loc[themed.theme == "other", "respondent_id"].iloc[0]
    with research_kit.open_study(sample_study_path) as study:
        rename_cluster(study, QUESTION, assignments, fees, "Fees", coder="J.R.", survey_id=SURVEY)
        merge_clusters(
            study, QUESTION, assignments, [review, portal], "Speed & portal", survey_id=SURVEY
        )
        pin_response(study, QUESTION, pinned, language, assignments=assignments, survey_id=SURVEY)

    with research_kit.open_study(sample_study_path) as again:
        log = cluster_edits(again, QUESTION, survey_id=SURVEY)
        edited_result = apply_cluster_edits_result(again, QUESTION, assignments, survey_id=SURVEY)
        edited = edited_result.assignments
    assert log["kind"].tolist() == ["rename", "merge", "pin"]
    assert log["coder"].fillna("").tolist() == ["J.R.", "", ""]
    assert _members(edited, "Fees") == _theme_ids(themed, "fees_cost")
    merged = _theme_ids(themed, "plan_review_speed", "portal_problems")
    assert _members(edited, "Speed & portal") == merged
    row = edited.set_index("respondent_id").loc[pinned]
    assert (
        row["cluster"]
        == edited.loc[
            edited.respondent_id.isin(_theme_ids(themed, "language_access")), "cluster"
        ].iloc[0]
    )
    assert (row["confidence"], row["edited"]) == (1.0, True)
    assert edit_report(edited_result)["status"].tolist() == ["applied"] * 3


def test_edits_replay_on_a_rerun_with_new_answers_another_order_and_numbering(study, themed):
    before = _model_output(themed, seed=1, drop=0.1)  # 10% of the answers not in yet
    fees = _cluster_of(before, themed, "fees_cost")
    merge = [_cluster_of(before, themed, t) for t in ("plan_review_speed", "portal_problems")]
    language = _cluster_of(before, themed, "language_access")
    pinned = sorted(set(before.respondent_id) & _theme_ids(themed, "other"))[:3]
    rename_cluster(study, QUESTION, before, fees, "Fees", survey_id=SURVEY)
    merge_clusters(study, QUESTION, before, merge, name="Speed & portal", survey_id=SURVEY)
    for respondent in pinned:
        pin_response(study, QUESTION, respondent, language, assignments=before, survey_id=SURVEY)

    after = _model_output(themed, seed=2, noise=0.05)  # every answer, 5% placed differently
    assert set(after.respondent_id) > set(before.respondent_id)
    edited_result = apply_cluster_edits_result(study, QUESTION, after, survey_id=SURVEY)
    edited = edited_result.assignments

    assert edit_report(edited_result)["status"].eq("applied").all()
    assert edit_report(edited_result)["overlap"].between(0.5, 1).all()
    assert edited["respondent_id"].tolist() == after["respondent_id"].tolist()  # rows kept
    fees_now = set(
        after.loc[after.cluster == _cluster_of(after, themed, "fees_cost"), "respondent_id"]
    )
    assert _members(edited, "Fees") == fees_now
    merged = after.cluster.isin(
        [_cluster_of(after, themed, t) for t in ("plan_review_speed", "portal_problems")]
    )
    assert _members(edited, "Speed & portal") == set(after.loc[merged, "respondent_id"])
    language_now = edited.loc[
        edited.respondent_id.isin(_theme_ids(themed, "language_access")), "cluster"
    ].mode()[0]
    pins = edited.set_index("respondent_id").loc[pinned]
    assert (pins["cluster"] == language_now).all()
    assert (pins["confidence"] == 1.0).all() and pins["edited"].all()
    assert edited.loc[~edited.respondent_id.isin(pinned) & ~merged, "edited"].sum() == 0


def test_output_is_numbered_canonically_whatever_the_input_order(study, themed):
    one = _model_output(themed, seed=3)
    other = _model_output(themed, seed=4)
    rename_cluster(
        study, QUESTION, one, _cluster_of(one, themed, "consistency"), "Same", survey_id=SURVEY
    )
    a = apply_cluster_edits(study, QUESTION, one, survey_id=SURVEY).set_index("respondent_id")
    b = apply_cluster_edits(study, QUESTION, other, survey_id=SURVEY).set_index("respondent_id")
    pd.testing.assert_series_equal(a["cluster"], b.loc[a.index, "cluster"])
    sizes = a["cluster"].value_counts().sort_index()
    assert sizes.index.tolist() == list(range(len(sizes)))
    assert sizes.is_monotonic_decreasing
    named = a.groupby("cluster")["cluster_name"].first()
    assert (
        named.drop(named.index[named == "Same"])
        == [f"Cluster {c}" for c in named.index if named[c] != "Same"]
    ).all()


def test_an_edit_whose_cluster_is_gone_is_reported_not_applied(study, themed):
    assignments = _model_output(themed, seed=5)
    fees = _cluster_of(assignments, themed, "fees_cost")
    language = _cluster_of(assignments, themed, "language_access")
    rename_cluster(study, QUESTION, assignments, fees, "Fees", survey_id=SURVEY)
    pin_response(
        study, QUESTION, themed.respondent_id[0], fees, assignments=assignments, survey_id=SURVEY
    )
    rename_cluster(study, QUESTION, assignments, language, "Language", survey_id=SURVEY)

    rerun = assignments.copy()
    fee_rows = rerun.index[rerun.cluster == fees]
    others = sorted(set(rerun.cluster) - {fees})
    rerun.loc[fee_rows, "cluster"] = [others[i % 3] for i in range(len(fee_rows))]  # spread
    big = _cluster_of(rerun, themed, "plan_review_speed")
    rerun.loc[rerun.cluster == language, "cluster"] = big  # swallowed by a bigger cluster

    edited_result = apply_cluster_edits_result(study, QUESTION, rerun, survey_id=SURVEY)
    edited = edited_result.assignments
    report = edit_report(edited_result)
    assert report["status"].tolist() == ["not_applicable"] * 3
    assert report["reason"].str.contains("gone").all()
    assert report["reason"][0].count("spread out") == 1
    assert not edited["cluster_name"].isin(["Fees", "Language"]).any()
    assert not edited["edited"].any()


def test_a_merge_applies_to_the_clusters_still_there(study, themed):
    assignments = _model_output(themed, seed=6)
    three = [_cluster_of(assignments, themed, t) for t in THEMES[:3]]
    merge_clusters(study, QUESTION, assignments, three, name="Three", survey_id=SURVEY)
    rerun = assignments[assignments.cluster != three[2]]
    edited_result = apply_cluster_edits_result(study, QUESTION, rerun, survey_id=SURVEY)
    edited = edited_result.assignments
    report = edit_report(edited_result)
    assert report.status.tolist() == ["applied"]
    assert "left out" in report.reason[0]
    assert _members(edited, "Three") == _theme_ids(themed, *THEMES[:2])
    together = assignments.assign(cluster=assignments.cluster.replace({three[1]: three[0]}))
    together = together.assign(cluster=together.cluster.replace({three[2]: three[0]}))
    edited_result = apply_cluster_edits_result(
        study, QUESTION, together, survey_id=SURVEY
    )  # the model merged them
    edited = edited_result.assignments
    assert edit_report(edited_result).reason.str.contains("holds the merged answers already").all()
    assert _members(edited, "Three") == _theme_ids(themed, *THEMES[:3])
    assert not edited.edited.any()
    alone = assignments[assignments.cluster == three[0]]
    edited_result = apply_cluster_edits_result(study, QUESTION, alone, survey_id=SURVEY)
    edited = edited_result.assignments
    assert edit_report(edited_result).status.tolist() == ["not_applicable"]


def test_pin_by_name_follows_the_renamed_cluster_and_missing_respondents_are_reported(
    study, themed
):
    assignments = _model_output(themed, seed=7)
    fees = _cluster_of(assignments, themed, "fees_cost")
    rename_cluster(study, QUESTION, assignments, fees, "Fees", survey_id=SURVEY)
    respondent = themed.loc[themed.theme == "consistency", "respondent_id"].iloc[0]
    pin_response(
        study, QUESTION, respondent, "fees", survey_id=SURVEY
    )  # no table: name, checked later
    edited_result = apply_cluster_edits_result(
        study, QUESTION, _model_output(themed, seed=8), survey_id=SURVEY
    )
    edited = edited_result.assignments
    assert respondent in _members(edited, "Fees")
    without = _model_output(themed, seed=8).query("respondent_id != @respondent")
    report = apply_cluster_edits_result(study, QUESTION, without, survey_id=SURVEY).report
    assert report.status.tolist() == ["applied", "not_applicable"]
    assert "not in this clustering" in report.reason[1]


def test_undo_removes_the_last_edit_from_the_replay_but_keeps_it_in_the_log(study, themed):
    assignments = _model_output(themed, seed=9)
    fees = _cluster_of(assignments, themed, "fees_cost")
    rename_cluster(study, QUESTION, assignments, fees, "Fees", survey_id=SURVEY)
    rename_cluster(study, QUESTION, assignments, fees, "Cost", survey_id=SURVEY)
    assert undo_last_edit(study, QUESTION, survey_id=SURVEY) == 2
    edited_result = apply_cluster_edits_result(study, QUESTION, assignments, survey_id=SURVEY)
    edited = edited_result.assignments
    assert "Fees" in set(edited.cluster_name) and "Cost" not in set(edited.cluster_name)
    assert undo_last_edit(study, QUESTION, survey_id=SURVEY) == 1
    assert cluster_edits(study, QUESTION, survey_id=SURVEY)["undone"].tolist() == [True, True]
    with pytest.raises(ClusterEditError, match=r"no edit .* to undo"):
        undo_last_edit(study, QUESTION, survey_id=SURVEY)
    edited_result = apply_cluster_edits_result(study, QUESTION, assignments, survey_id=SURVEY)
    edited = edited_result.assignments
    assert edit_report(edited_result).empty and not edited.cluster_name.isin(["Fees", "Cost"]).any()
    rename_cluster(study, QUESTION, assignments, fees, "Fees again", survey_id=SURVEY)
    assert cluster_edits(study, QUESTION, survey_id=SURVEY)["seq"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s, a: rename_cluster(s, QUESTION, a, 99, "X", survey_id=SURVEY),
            r"no cluster 99.*0 to 10",
        ),
        (lambda s, a: rename_cluster(s, QUESTION, a, 1, "  ", survey_id=SURVEY), "non-empty"),
        (
            lambda s, a: rename_cluster(s, QUESTION, a, 1, "cluster 2", survey_id=SURVEY),
            "already called",
        ),
        (
            lambda s, a: rename_cluster(s, QUESTION, a, "Clster 3", "X", survey_id=SURVEY),
            "Cluster 3",
        ),
        (
            lambda s, a: rename_cluster(s, "What one thing?", a, 1, "X", survey_id=SURVEY),
            "open-ended",
        ),
        (
            lambda s, a: rename_cluster(s, QUESTION, a, 1, "X", survey_id="nope"),
            "has no survey 'nope'",
        ),
        (lambda s, a: merge_clusters(s, QUESTION, a, [1, 1], survey_id=SURVEY), "at least two"),
        (lambda s, a: merge_clusters(s, QUESTION, a, [1, 42], survey_id=SURVEY), "no cluster 42"),
        (
            lambda s, a: split_cluster(s, QUESTION, a, 1, n_parts=1, survey_id=SURVEY),
            "into 1 parts",
        ),
        (
            lambda s, a: split_cluster(s, QUESTION, a, 1, n_parts=500, survey_id=SURVEY),
            "needs at least",
        ),
        (
            lambda s, a: pin_response(s, QUESTION, "R_nobody", 1, assignments=a, survey_id=SURVEY),
            "R_nobody",
        ),
        (
            lambda s, a: pin_response(s, QUESTION, "R_nobody", "Fees", survey_id=SURVEY),
            "no respondent",
        ),
        (
            lambda s, a: pin_response(s, QUESTION, a.respondent_id[0], 3, survey_id=SURVEY),
            "without the",
        ),
        (
            lambda s, a: rename_cluster(
                s, QUESTION, a.drop(columns="text"), 1, "X", survey_id=SURVEY
            ),
            "text",
        ),
        (
            lambda s, a: rename_cluster(
                s, QUESTION, pd.concat([a, a[:1]]), 1, "X", survey_id=SURVEY
            ),
            "appears twice",
        ),
        (lambda s, a: rename_cluster(s, QUESTION, a, 1, "X", coder=" ", survey_id=SURVEY), "coder"),
    ],
)
def test_invalid_edits_say_what_is_wrong_and_write_nothing(study, themed, edit, message):
    assignments = _model_output(themed, seed=10)
    with pytest.raises(research_kit.errors.ResearchKitError, match=message):
        edit(study, assignments)
    assert study.store.count("cluster_edits") == 0
    assert study.store.count("coders") == 0


def test_edited_assignments_are_not_edited_twice(study, themed):
    assignments = _model_output(themed, seed=11)
    edited_result = apply_cluster_edits_result(study, QUESTION, assignments, survey_id=SURVEY)
    edited = edited_result.assignments
    with pytest.raises(ClusterEditError, match="already have the cluster edits applied"):
        apply_cluster_edits(study, QUESTION, edited, survey_id=SURVEY)
    # but the edited view is what the edit functions take, with its names
    merge_clusters(study, QUESTION, edited, [0, 1], name="Top two", survey_id=SURVEY)
    with pytest.raises(ClusterEditError, match="already called 'Top two'"):
        rename_cluster(
            study,
            QUESTION,
            apply_cluster_edits(study, QUESTION, assignments, survey_id=SURVEY),
            2,
            "top two",
            survey_id=SURVEY,
        )


def test_respondent_ids_compare_as_text(study, themed):
    assignments = _model_output(themed, seed=12).head(40)
    assignments["respondent_id"] = range(1000, 1040)
    pin_response(
        study,
        QUESTION,
        "1003",
        int(assignments.cluster[10]),
        assignments=assignments,
        survey_id=SURVEY,
    )
    as_text = assignments.assign(respondent_id=assignments.respondent_id.astype(str))
    edited_result = apply_cluster_edits_result(study, QUESTION, as_text, survey_id=SURVEY)
    edited = edited_result.assignments
    assert edited.loc[edited.respondent_id == "1003", "edited"].item()
    assert edit_report(edited_result).status.tolist() == ["applied"]


def test_the_log_describes_each_edit_and_names_a_coder_once(study, themed):
    assignments = _model_output(themed, seed=13)
    rename_cluster(study, QUESTION, assignments, 2, "Two", coder="M.K.", survey_id=SURVEY)
    merge_clusters(study, QUESTION, assignments, [3, 4], coder="M.K.", survey_id=SURVEY)
    pin_response(
        study, QUESTION, assignments.respondent_id[0], 5, assignments=assignments, survey_id=SURVEY
    )
    log = cluster_edits(study, QUESTION, survey_id=SURVEY)
    assert log.columns.tolist()[:4] == ["seq", "kind", "description", "clusters"]
    assert log.description[0] == "rename cluster 2 to 'Two'"
    assert log.description[1] == "merge clusters 3, 4"
    assert log.clusters.tolist() == [[2], [3, 4], [5]]
    assert log.n_responses[1] == (assignments.cluster.isin([3, 4])).sum()
    assert study.store.count("coders") == 1
    assert cluster_edits(study, QUESTION.replace("What", "What"), survey_id=SURVEY).shape[0] == 3
    other = "Tell us about your most recent experience getting a permit or license in Port Alder."
    assert cluster_edits(study, other, survey_id=SURVEY).empty


# -- split (needs the clusterer) ---------------------------------------------------------------
def test_split_separates_a_mixed_cluster_and_replays_the_same_on_a_rerun(study, themed):
    pytest.importorskip("research_kit.survey.clustering")
    fees, language = (themed[themed.theme == t].head(60) for t in ("fees_cost", "language_access"))
    mixed = pd.concat([fees, language])
    assignments = pd.concat(
        [
            _model_output(mixed, seed=14).assign(cluster=0),
            _model_output(themed[themed.theme == "status_tracking"].head(50), seed=14).assign(
                cluster=1
            ),
        ],
        ignore_index=True,
    )
    split_cluster(study, QUESTION, assignments, 0, n_parts=2, random_state=0, survey_id=SURVEY)

    edited_result = apply_cluster_edits_result(study, QUESTION, assignments, survey_id=SURVEY)
    edited = edited_result.assignments
    assert edited.cluster.nunique() == 3
    split_rows = edited.respondent_id.isin(mixed.respondent_id)
    theme = edited.respondent_id[split_rows].map(themed.set_index("respondent_id").theme)
    counts = pd.crosstab(edited.cluster[split_rows], theme)
    assert counts.max(axis=1).sum() / split_rows.sum() > 0.7  # chance is 0.5
    assert edited.edited.eq(split_rows).all()

    shuffled = assignments.sample(frac=1, random_state=5)  # row order does not matter
    again = apply_cluster_edits(study, QUESTION, shuffled, survey_id=SURVEY).set_index(
        "respondent_id"
    )
    by_id = edited.set_index("respondent_id")
    pd.testing.assert_series_equal(by_id["cluster"], again.loc[by_id.index, "cluster"])

    # a later edit anchored on a part of the split follows that part on a re-run
    fees_part = int(edited.cluster[edited.respondent_id.isin(fees.respondent_id)].mode()[0])
    rename_cluster(study, QUESTION, edited, fees_part, "Fees part", survey_id=SURVEY)
    rerun_result = apply_cluster_edits_result(study, QUESTION, shuffled, survey_id=SURVEY)
    rerun = rerun_result.assignments
    assert edit_report(rerun_result).status.tolist() == ["applied", "applied"]
    assert _members(rerun, "Fees part") == set(by_id.index[by_id.cluster == fees_part])


def test_with_the_real_clusterer_edits_reach_matching_clusters_or_are_reported(study, themed):
    clustering = pytest.importorskip("research_kit.survey.clustering")

    def run(frame):
        model = clustering.ResponseClusterer(
            n_clusters=11, random_state=0, progress=False, nlp=study.nlp()
        ).fit(frame["text"].tolist())
        return frame[["respondent_id", "text"]].assign(
            cluster=model.labels_, confidence=model.confidence_
        )

    universe = themed.sample(n=900, random_state=0)
    before = run(universe.sample(frac=0.9, random_state=1))
    anchors = {}
    for cluster in sorted(before.cluster.unique()):
        rename_cluster(study, QUESTION, before, int(cluster), f"Theme {cluster}", survey_id=SURVEY)
        anchors[f"Theme {cluster}"] = set(before.respondent_id[before.cluster == cluster])
    # The same answers in another order: the clusterer gives the same clusters, so every
    # rename applies.
    same_result = apply_cluster_edits_result(
        study, QUESTION, run(before.sample(frac=1, random_state=3)), survey_id=SURVEY
    )
    assert (edit_report(same_result).status == "applied").all()
    # 10% new answers: the clusterer may regroup; each rename follows its answers or is
    # reported, never lands on a cluster made of other answers.
    after = run(universe.sample(frac=1, random_state=2))
    edited_result = apply_cluster_edits_result(study, QUESTION, after, survey_id=SURVEY)
    edited = edited_result.assignments
    report = edit_report(edited_result)
    assert len(report) == len(anchors)
    applied = report.status == "applied"
    assert applied.any(), report.reason.tolist()
    for seq, ok in zip(report.seq, applied, strict=True):
        name = f"Theme {seq - 1}"
        members = _members(edited, name)
        if not ok:
            assert not members
            continue
        shared = len(members & anchors[name])
        assert shared >= 0.5 * len(anchors[name]) and shared >= 0.5 * len(members)


# -- kept runs --------------------------------------------------------------------------------
def test_a_kept_run_reloads_as_it_was_and_takes_the_edits(study, themed):
    first = _model_output(themed, seed=16).assign(label=lambda f: "theme " + f.cluster.astype(str))
    second = _model_output(themed, seed=17)
    run_one = save_cluster_run(
        study, QUESTION, first, {"n_clusters": 11}, coder="J.R.", survey_id=SURVEY
    )
    run_two = save_cluster_run(study, QUESTION, second, survey_id=SURVEY)
    assert run_two > run_one
    latest = load_cluster_run(study, QUESTION, survey_id=SURVEY)
    assert (latest["run_id"] == run_two).all() and "label" not in latest
    kept = load_cluster_run(study, QUESTION, run_one, survey_id=SURVEY)
    expected = first.sort_values("respondent_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.drop(columns="run_id"), expected, check_dtype=False)
    runs = cluster_runs(study, survey_id=SURVEY).set_index("run_id")
    assert (kept["run_id"] == run_one).all()
    assert runs.loc[run_one, "params"] == {"n_clusters": 11}
    runs = cluster_runs(study, survey_id=SURVEY)
    assert runs[["run_id", "n_responses", "coder"]].fillna("").values.tolist() == [
        [run_one, len(first), "J.R."],
        [run_two, len(second), ""],
    ]
    rename_cluster(study, QUESTION, kept, 3, "Three", survey_id=SURVEY)
    edited_result = apply_cluster_edits_result(
        study,
        QUESTION,
        load_cluster_run(study, QUESTION, run_one, survey_id=SURVEY),
        survey_id=SURVEY,
    )
    edited = edited_result.assignments
    assert _members(edited, "Three") == set(first.loc[first.cluster == 3, "respondent_id"])
    assert set(edited.label) == set(first.label)  # a rename keeps the model's label
    assert set(edited.cluster_name) == {"Three"} | set(first.label) - {"theme 3"}
    with pytest.raises(ClusterEditError, match="run 999"):
        load_cluster_run(study, QUESTION, 999, survey_id=SURVEY)
    with pytest.raises(ClusterEditError, match="already have the cluster edits"):
        save_cluster_run(study, QUESTION, edited, survey_id=SURVEY)
