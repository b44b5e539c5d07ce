"""The format docs list exactly the fields the parsers read, so they cannot drift apart.

``docs/study-yml.md``, ``docs/codebook.md`` and ``docs/autocode.md`` document each field in a
table whose first column is the field's name in backticks, one ``##`` section per block of the
file. Each section is compared with the parser's own list of keys, both ways; the full example
of ``study.yml`` is parsed, and must set every field to something other than its default.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from research_kit.interviews.autocode_rules import RULE_KINDS, RULES_FILE_KEYS, parse_rules
from research_kit.interviews.codebook import CODE_FIELDS, parse_codebook
from research_kit.settings import (
    STUDY_KEYS,
    AttributeSpec,
    EventLogSource,
    StudySettings,
    SurveySource,
    validate_settings,
)
from research_kit.settings.boundaries import BoundarySource
from research_kit.settings.deadlines import CALENDAR_KEYS, DEADLINE_KEYS

DOCS = Path(__file__).resolve().parents[1] / "docs"
_ROW = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)


def _sections(doc: str) -> dict[str, set[str]]:
    """``## heading`` → the backticked names opening its table rows."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {
        heading.strip(): set(_ROW.findall(body))
        for heading, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def _fields(cls, *leave_out: str) -> set[str]:
    return {field.name for field in dataclasses.fields(cls)} - set(leave_out)


def test_study_yml_doc_lists_every_setting_the_parser_reads():
    sections = _sections("study-yml.md")
    assert sections["Top level"] == set(STUDY_KEYS)
    # Each entry's keys are its dataclass's fields ("name" is the attribute's mapping key,
    # "line" where the entry was found).
    assert sections["attributes"] == _fields(AttributeSpec, "name")
    assert sections["surveys"] == _fields(SurveySource, "line")
    assert sections["event_logs"] == _fields(EventLogSource, "line")
    assert sections["privacy"] == {"names"}
    assert sections["deadlines"] == set(DEADLINE_KEYS)
    assert sections["calendars"] == set(CALENDAR_KEYS)
    assert sections["boundaries"] == _fields(BoundarySource, "line")


def test_the_full_study_yml_example_is_valid_and_sets_every_field(tmp_path):
    text = (DOCS / "study-yml.md").read_text(encoding="utf-8")
    example = re.search(r"## A full example\s+```yaml\n(.*?)```", text, re.DOTALL).group(1)
    (tmp_path / "study.yml").write_text(example, encoding="utf-8")
    settings, problems = validate_settings(tmp_path)
    assert problems == []
    default = StudySettings(folder=tmp_path, name=tmp_path.name)
    unset = [
        field.name
        for field in dataclasses.fields(StudySettings)
        if getattr(settings, field.name) == getattr(default, field.name)
    ]
    assert unset == ["folder"]
    survey, log = settings.surveys[0], settings.event_logs[0]
    assert [f for f in _fields(SurveySource) if getattr(survey, f) in (None, {}, ())] == []
    assert [f for f in _fields(EventLogSource) if getattr(log, f) in (None, {}, ())] == []
    spec = settings.attributes["ward"]
    assert spec.type == "category" and spec.values and spec.description


def test_codebook_doc_lists_every_field_and_alias_the_parser_reads():
    sections = _sections("codebook.md")
    assert sections["The file"] == {"codes", "version"}
    aliases = sections["A code"] - set(CODE_FIELDS)
    assert set(CODE_FIELDS) <= sections["A code"]
    # The other names the doc gives are read as their field, not reported as unknown.
    for alias in aliases:
        codebook = parse_codebook(f"codes:\n  - name: A\n    {alias}: '#123456'\n")
        code = codebook["a"]
        assert "#123456" in (code.colour, code.definition), alias


def test_codebook_doc_example_is_valid():
    text = (DOCS / "codebook.md").read_text(encoding="utf-8")
    example = re.search(r"## Example\s+```yaml\n(.*?)```", text, re.DOTALL).group(1)
    assert len(parse_codebook(example)) == 2


def test_autocode_doc_lists_every_key_the_parser_reads():
    sections = _sections("autocode.md")
    assert sections["The file"] == set(RULES_FILE_KEYS)
    assert sections["The rules of one code"] == set(RULE_KINDS)


def test_autocode_doc_example_is_valid():
    text = (DOCS / "autocode.md").read_text(encoding="utf-8")
    example = re.search(r"## Example\s+```yaml\n(.*?)```", text, re.DOTALL).group(1)
    rules = parse_rules(example)
    assert {kind for kind in RULE_KINDS if getattr(rules["unclear_rules"], kind)} == set(RULE_KINDS)


@pytest.mark.parametrize("doc", ["study-yml.md", "codebook.md", "autocode.md"])
def test_the_readme_links_each_format_doc(doc):
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert f"docs/{doc}" in readme
