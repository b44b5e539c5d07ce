"""The audience changes what a brief shows, not only its cover; every filter reaches every section
or the section says it does not.

One scratch copy of the sample is opened for the module and each brief is assembled once
(module-scoped fixtures sharing one cache and the survey's answer themes), so the tests only
read the briefs. The briefs share a cache on purpose: a cache key that forgot the audience
would hand the public brief the council's quotes, and the tests below would see it.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from research_kit import open_study
from research_kit.briefs import assemble_findings, render_html
from research_kit.briefs._filter_notes import with_filter_notes
from research_kit.briefs.audiences import AUDIENCES, audience_policy
from research_kit.briefs.cache import FindingsCache
from research_kit.briefs.content import Section
from research_kit.briefs.findings import filter_choices
from research_kit.briefs.parameters import brief_parameters
from research_kit.errors import ResearchKitError
from research_kit.interviews import import_shipped_codings

ROOT = Path(__file__).resolve().parents[1]
WARD = "Ward 1"
#: What a section says when a filter that is set does not narrow it.
NOT_FILTERED = re.compile(r"not filtered by|not broken down by")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audience") / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    opened = open_study(folder)
    import_shipped_codings(opened)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def briefs(study):
    """Each audience's brief, unfiltered, for one ward and for one theme (one cache for all)."""
    cache = FindingsCache()
    theme = filter_choices(study)["theme"][0]
    made = {}
    for audience in AUDIENCES:
        for name, filters in (("all", {}), ("ward", {"ward": WARD}), ("theme", {"theme": theme})):
            made[audience, name] = assemble_findings(
                study, audience=audience, cache=cache, **filters
            )
    return made


@pytest.fixture(scope="module")
def pages(briefs):
    """The HTML report of each audience's unfiltered brief."""
    return {audience: render_html(briefs[audience, "all"]) for audience in AUDIENCES}


def _section(findings, section_id):
    return next((s for s in findings.sections if s.id == section_id), None)


def _quotes(findings):
    return [q for s in findings.sections for q in s.quotes]


def _content(section: Section) -> tuple:
    """What a section shows besides its summary (where the not-filtered sentences go)."""
    return (
        section.notice,
        [(t.caption, t.frame.to_dict("split")) for t in section.tables],
        [(f.svg, f.alt) for f in section.figures],
        [(q.text, q.attribution) for q in section.quotes],
    )


def test_an_unknown_audience_is_refused(study):
    with pytest.raises(ResearchKitError, match="council"):
        assemble_findings(study, audience="everyone")


def test_the_audience_changes_more_than_the_cover(briefs):
    shown = {
        audience: [(s.id, _content(s)) for s in briefs[audience, "all"].sections]
        for audience in AUDIENCES
    }
    assert len({repr(view) for view in shown.values()}) == len(AUDIENCES)


def test_public_quotes_name_no_ward_and_no_participant(briefs, pages, study):
    wards = filter_choices(study)["ward"]
    for name in ("all", "ward", "theme"):
        quotes = _quotes(briefs["public", name])
        assert quotes, name
        for quote in quotes:
            assert not any(ward in quote.attribution for ward in wards), quote
    page = pages["public"]
    assert not re.search(r"\bP\d\d\b", page)
    # The quotes on the process map too: no attribution ends with a ward.
    assert not re.search(r"\u2014 (?:[^<\u201d]*, )?Ward \d", page)
    # The council's brief does attribute by ward where enough participants share one.
    assert re.search(r"\u2014 (?:[^<\u201d]*, )?Ward \d", pages["council"])


def test_public_quotes_are_not_chosen_by_ward(briefs):
    public = _section(briefs["public", "ward"], "interviews")
    assert public.quotes == _section(briefs["public", "all"], "interviews").quotes
    assert "not broken down by ward" in public.summary
    council = _section(briefs["council", "ward"], "interviews")
    assert council.quotes != _section(briefs["council", "all"], "interviews").quotes
    assert all(WARD in q.attribution for q in council.quotes)


def test_the_council_brief_opens_ward_by_ward(briefs, pages, study):
    council = briefs["council", "all"]
    assert council.sections[0].id == "wards"
    table = council.sections[0].tables[0].frame
    assert table["Ward"].tolist() == filter_choices(study)["ward"]
    assert council.sections[0].figures
    assert 'id="wards"' in pages["council"]
    for audience in ("public", "department"):
        assert _section(briefs[audience, "all"], "wards") is None
        assert 'id="wards"' not in pages[audience]
    marked = _section(briefs["council", "ward"], "wards")
    assert f"{WARD} (chosen)" in marked.tables[0].frame["Ward"].tolist()
    assert "not filtered by ward" in marked.summary


def test_the_department_brief_adds_the_process_detail(briefs, pages):
    detail = _section(briefs["department", "all"], "process_detail")
    captions = " ".join(t.caption for t in detail.tables)
    for part in ("every step", "paths", "Repeated work", "designed process", "Deadlines"):
        assert part in captions
    assert 'id="process_detail"' in pages["department"]
    for audience in ("public", "council"):
        assert _section(briefs[audience, "all"], "process_detail") is None
        assert "most common paths" not in pages[audience]
    narrowed = _section(briefs["department", "ward"], "process_detail")
    assert _content(narrowed) != _content(detail)


def test_the_method_says_who_the_brief_is_for(briefs):
    for audience, policy in AUDIENCES.items():
        findings = briefs[audience, "all"]
        assert findings.audience == policy.reader
        method = findings.method.tables[0].frame.set_index("Aspect")
        assert policy.description in method.loc["Audience", "Detail"]


@pytest.mark.parametrize("audience", list(AUDIENCES))
@pytest.mark.parametrize("name", ["ward", "theme"])
def test_every_filter_changes_a_section_or_the_section_says_not(briefs, audience, name):
    whole, narrow = briefs[audience, "all"], briefs[audience, name]
    assert [s.id for s in narrow.sections] == [s.id for s in whole.sections]
    for filtered, unfiltered in zip(
        [*narrow.sections, narrow.method], [*whole.sections, whole.method], strict=True
    ):
        says_so = NOT_FILTERED.search(filtered.summary) and not NOT_FILTERED.search(
            unfiltered.summary
        )
        assert says_so or _content(filtered) != _content(unfiltered), filtered.id


@pytest.mark.parametrize("audience", list(AUDIENCES))
def test_the_survey_group_is_named_where_it_does_not_apply(audience):
    """The survey breakdown (``by``) narrows only the survey parts; the others say so."""
    policy = audience_policy(audience)
    follows = {"survey", "themes"}
    for section_id in ("wards", "interviews", "survey", "themes", "process", "process_detail"):
        section = Section(section_id, section_id, summary="Counts.")
        noted = with_filter_notes(section, {"group": "Age"}, audience=policy, log_has_ward=True)
        says_so = "not filtered by survey group" in noted.summary
        assert says_so != (section_id in follows), section_id


def test_a_log_without_wards_says_the_process_is_not_by_ward():
    section = Section("process", "Process", summary="120 cases.")
    noted = with_filter_notes(
        section, {"ward": WARD}, audience=audience_policy("council"), log_has_ward=False
    )
    assert "not broken down by ward" in noted.summary
    assert replace(noted, summary=section.summary) == section


def test_brief_export_takes_the_audience(study, monkeypatch, tmp_path, capsys):
    from research_kit.cli import _briefs, main

    chosen = []

    def export(folder, output, *, to, audience):
        chosen.append(audience)
        return Path(output)

    monkeypatch.setattr(_briefs, "export_findings", export)
    out = tmp_path / "brief.html"
    assert (
        main(["brief", "export", "--study", str(study.folder), "--to", "html", "-o", str(out)]) == 0
    )
    assert main(["brief", "export", "--audience", "council", "-o", str(out)]) == 0
    assert chosen == ["public", "council"]  # the installed brief's AUDIENCE, then the option
    monkeypatch.undo()
    assert main(
        ["brief", "export", "--study", str(study.folder), "--audience", "all", "-o", str(out)]
    )
    assert "public, council, department" in capsys.readouterr().err
    assert not out.exists()


def test_brief_serve_passes_the_audience_to_the_notebook(monkeypatch):
    from research_kit.briefs import serve
    from research_kit.briefs.audiences import AUDIENCE_ENV
    from research_kit.cli import main

    monkeypatch.delenv(AUDIENCE_ENV, raising=False)
    seen = []
    monkeypatch.setattr(
        serve, "serve_forever", lambda *a, **k: seen.append(os.environ[AUDIENCE_ENV]) or 0
    )
    assert main(["brief", "serve", "--audience", "Council"]) == 0
    assert seen == ["council"]
    notebook = serve.BRIEFS_DIR / "findings.ipynb"
    assert brief_parameters(notebook).audience == "council"  # what the served brief reads
