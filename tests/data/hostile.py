"""Hostile strings for the injection tests: markup, template, formula, math, XML and odd text.

Each string is something a participant, a survey respondent or a colleague could type (or paste)
into a field research_kit later writes to HTML, SVG, PDF, XML, CSV, Excel or a terminal. The
tests put them in every user-text field of a copy of the sample study and check that every
output shows them as plain text: no element or attribute injected, no template evaluated, no
spreadsheet cell that would run, and the literal text still there to read.
"""

from __future__ import annotations

#: HTML element and attribute injection.
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
#: Jinja2 (server-side template) injection: must never render as 49 or vanish.
JINJA_EXPR = "{{7*7}}"
JINJA_RAW = "{% raw %}"
#: Spreadsheet formula (CSV/DDE) injection, OWASP's list of leading characters.
HYPERLINK = '=HYPERLINK("http://evil","x")'
DDE = "+cmd|' /C calc'!A0"
MINUS = "-2+3"
AT = "@SUM(1,1)"
TAB = "\t=1+1"
CR = "\r=1+1"
FULLWIDTH = "\uff1d1+1"  # full-width equals sign, which some spreadsheets accept
#: Matplotlib mathtext / TeX: must stay literal in charts.
MATH = "$x$"
FRAC = "\\frac"
#: XML: ends a CDATA section; an already-escaped entity that must not be unescaped.
CDATA_END = "]]>"
ENTITY = "&amp;"
#: Bidirectional override and zero-width characters (spoofing), and control characters.
RTL = "\u202egnp.exe\u202c \u200bzero\u200dwidth\u2066iso\u2069"
CONTROL = "bell\x07 back\x08 vt\x0b ff\x0c esc\x1b[31m del\x7f"
#: A very long value (5,000 characters) that must not break layout code or be truncated away.
LONG = ("Long answer without end " * 209)[:5000]

#: Every string whose first characters could start a spreadsheet formula.
FORMULA_STARTS = (HYPERLINK, DDE, MINUS, AT, TAB, CR, FULLWIDTH)
#: Markup and template payloads: together in one string, so one field carries them all.
MARKUP = (SCRIPT, IMG, JINJA_EXPR, JINJA_RAW, MATH, FRAC, CDATA_END, ENTITY)
MARKUP_TEXT = " ".join(MARKUP)
#: Every hostile string, in one tuple.
ALL = (*FORMULA_STARTS, *MARKUP, RTL, CONTROL, LONG)


def payload(index: int, field: str = "", *, single_line: bool = False) -> str:
    """A hostile value: formula start number ``index`` (cycling), the markup payloads, a tag.

    The tag (``field:<name>``) lets a test tell which field's value reached an output.
    ``single_line=True`` swaps the tab and carriage-return starts for ``=`` ones, for fields
    (ids, one-line labels) whose readers rightly strip or refuse leading whitespace.

    Examples
    --------
    >>> print(payload(1, "memo")[:40])
    +cmd|' /C calc'!A0 <script>alert(1)</scr
    """
    start = FORMULA_STARTS[index % len(FORMULA_STARTS)]
    if single_line and start in (TAB, CR):
        start = HYPERLINK
    return f"{start} {MARKUP_TEXT} field:{field}"
