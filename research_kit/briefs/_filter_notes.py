"""Which filters each section of a brief follows, and the sentence a section adds when it does not.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
passes every section through :func:`with_filter_notes`. A brief's filters are the ward, the
interview theme and the survey group (``by``); each section either follows a filter that is
set or says plainly, at the end of its summary, that it does not (or which part of it does).
The sentences are added after the sections are made (and cached), so a filter a section
does not follow never recomputes it.
"""

from __future__ import annotations

from dataclasses import replace

from research_kit.briefs.audiences import Audience
from research_kit.briefs.content import GROUP_LABELS, Section, join_words

__all__ = ["active_filters", "with_filter_notes"]

#: A filter a section follows in full: nothing to say.
FOLLOWS = None
#: How the generic sentence names each filter.
_FILTER_NAMES = {"ward": "ward", "theme": "interview theme", "group": "survey group"}


def active_filters(*, ward: str | None, theme: str | None, group: str) -> dict[str, str]:
    """The filters set away from their default: ``ward``, ``theme`` and ``group`` (not ward).

    Examples
    --------
    >>> active_filters(ward="Ward 2", theme=None, group="ward")
    {'ward': 'Ward 2'}
    """
    active = {"ward": ward, "theme": theme, "group": GROUP_LABELS.get(group, group)}
    if group == "ward":  # the survey's default breakdown: nothing was chosen
        active.pop("group")
    return {name: value for name, value in active.items() if value is not None}


def with_filter_notes(
    section: Section,
    filters: dict[str, str],
    *,
    audience: Audience,
    log_has_ward: bool,
) -> Section:
    """``section`` with a sentence for each set filter it does not (wholly) follow.

    Examples
    --------
    >>> from research_kit.briefs.audiences import audience_policy
    >>> noted = with_filter_notes(Section("survey", "Survey", summary="120 respondents."),
    ...                           {"ward": "Ward 2", "theme": "Portal"},
    ...                           audience=audience_policy("public"), log_has_ward=True)
    >>> noted.summary
    '120 respondents. This section is not filtered by interview theme.'
    """
    rules = _section_rules(section.id, audience=audience, log_has_ward=log_has_ward)
    sentences, ignored = [], []
    for name, value in filters.items():
        rule = rules.get(name, "")
        if rule is FOLLOWS:
            continue
        if rule:
            sentences.append(rule.format(value=value))
        else:
            ignored.append(_FILTER_NAMES[name])
    if ignored:
        either = join_words(ignored).replace(" and ", " or ")
        sentences.append(f"This section is not filtered by {either}.")
    if not sentences:
        return section
    return replace(section, summary=" ".join([section.summary, *sentences]).strip())


def _section_rules(section_id: str, *, audience: Audience, log_has_ward: bool) -> dict:
    """Per filter: FOLLOWS, a sentence saying what part follows it, or "" (not at all)."""
    log_ward = (
        "The waits and cases follow the ward filter ({value}); the interview evidence on the "
        "map is from all interviews."
        if log_has_ward
        else "The event log records no ward, so this section is not broken down by ward."
    )
    rules: dict[str, dict] = {
        "interviews": {
            "ward": (
                "Theme counts are from all interviews (they are not broken down by ward); only "
                "the quotes follow the ward filter ({value})."
                if audience.quotes_by_ward
                else "A brief for the public does not choose quotes by ward, so this section "
                "is not broken down by ward: its themes and quotes are from all interviews."
            ),
            "theme": "Theme counts cover every theme; only the quotes follow the theme filter "
            "({value}).",
        },
        "survey": {"ward": FOLLOWS, "group": FOLLOWS},
        "themes": {"ward": FOLLOWS, "group": FOLLOWS},
        "process": {"ward": log_ward},
        "process_detail": {"ward": FOLLOWS if log_has_ward else log_ward},
        "wards": {
            "ward": "It compares every ward, so it is not filtered by ward ({value} is marked)."
        },
        "equity": {
            "ward": "It compares every ward, so it is not broken down by ward ({value} is one "
            "of the wards compared)."
        },
        "method": {
            "ward": "The method describes the whole study (it is not broken down by ward); the "
            "ward filter narrows the sections above."
        },
    }
    return rules.get(section_id, {})
