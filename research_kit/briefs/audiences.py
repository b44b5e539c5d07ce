"""Who a brief is for, and what that changes in it: one small policy per audience.

A brief is made for one of three audiences (``assemble_findings(study, audience=...)``,
``AUDIENCE`` in a brief notebook — the findings brief reads it from ``RESEARCH_KIT_AUDIENCE``
— or ``research-kit brief export|serve --audience``). The audience
changes what the sections show, not only the cover line:

- **public** (the default, the strictest): quotes are attributed by role only, never by ward,
  and are never picked by ward (with a ward filter the quotes stay study-wide and the
  interviews section says so); no per-ward overview and no process detail.
- **council**: ward focus: a "Ward by ward" section comes first (survey respondents,
  interview participants, permit cases and their median time for every ward, small groups
  suppressed, with a chart of permit times by ward); quotes may be attributed by role and
  ward and follow the ward filter.
- **department**: process detail: a section after the process one with the wait before every
  step, the most common paths (variants), repeated work, the deviations from the designed
  map (conformance) and every deadline of ``study.yml``; attribution as for the council.

Every audience keeps the privacy gate: redaction, small-cell suppression and attributions
that at least ``min_cell_size`` participants share. The policies are plain data
(:class:`Audience`), so the sections read what they may show rather than testing names.
"""

from __future__ import annotations

from dataclasses import dataclass

from research_kit.errors import ResearchKitError

__all__ = ["AUDIENCES", "AUDIENCE_ENV", "Audience", "audience_policy"]

#: The environment variable a brief notebook reads its audience from (``brief serve --audience``).
AUDIENCE_ENV = "RESEARCH_KIT_AUDIENCE"


@dataclass(frozen=True)
class Audience:
    """What a brief shows to one audience.

    Attributes
    ----------
    name : str
        The audience's key ("public", "council", "department").
    reader : str
        Who that is, as the cover's "Prepared for" line says it.
    ward_attribution : bool
        Quotes may name the speaker's ward (when enough participants share it); otherwise they
        are attributed by role only.
    quotes_by_ward : bool
        The ward filter picks the quotes of that ward; otherwise quotes stay study-wide.
    ward_overview : bool
        A "Ward by ward" section opens the brief.
    process_detail : bool
        A "Process detail" section follows the process section.
    description : str
        One sentence for the method section: what this brief shows and leaves out.
    """

    name: str
    reader: str
    ward_attribution: bool
    quotes_by_ward: bool
    ward_overview: bool
    process_detail: bool
    description: str


#: The audiences a brief can be made for, strictest first.
AUDIENCES: dict[str, Audience] = {
    "public": Audience(
        name="public",
        reader="The public",
        ward_attribution=False,
        quotes_by_ward=False,
        ward_overview=False,
        process_detail=False,
        description=(
            "made for the public: quotes are attributed by role only and never chosen by "
            "ward; no ward-by-ward overview and no process detail"
        ),
    ),
    "council": Audience(
        name="council",
        reader="City Council",
        ward_attribution=True,
        quotes_by_ward=True,
        ward_overview=True,
        process_detail=False,
        description=(
            "made for the City Council: it opens with every ward side by side; quotes name "
            "the speaker's ward where enough participants share it"
        ),
    ),
    "department": Audience(
        name="department",
        reader="The department that runs the process",
        ward_attribution=True,
        quotes_by_ward=True,
        ward_overview=False,
        process_detail=True,
        description=(
            "made for the department that runs the process: it adds the process detail "
            "(every step's wait, common paths, repeated work, deviations from the designed "
            "map, deadlines)"
        ),
    ),
}


def audience_policy(audience: str | Audience) -> Audience:
    """The policy of an audience named by its key (any case), or the policy itself.

    Parameters
    ----------
    audience : str or Audience
        "public", "council" or "department".

    Returns
    -------
    Audience

    Raises
    ------
    ResearchKitError
        For an audience that is not one of :data:`AUDIENCES`.

    Examples
    --------
    >>> policy = audience_policy("Council")
    >>> policy.name, policy.ward_overview, policy.process_detail
    ('council', True, False)
    >>> audience_policy("public").ward_attribution
    False
    """
    if isinstance(audience, Audience):
        return audience
    key = str(audience).strip().casefold()
    if key not in AUDIENCES:
        raise ResearchKitError(
            f"a brief cannot be made for the audience {audience!r}",
            hint="choose one of: " + ", ".join(AUDIENCES),
        )
    return AUDIENCES[key]
