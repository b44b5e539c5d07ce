"""Render findings as a designed report: self-contained HTML, or PDF through WeasyPrint.

The templates ship inside the package, in ``research_kit/templates/report/``
(``findings.html.j2``, the ``_section.html.j2`` partial the Voila dashboard also uses, and
``findings.css``), found with :mod:`importlib.resources` (:mod:`research_kit.resources`), so a
plain ``pip install`` exports briefs; set ``RESEARCH_KIT_TEMPLATES`` to another ``templates``
folder (holding ``report/``) to use your own design.

Jinja2 autoescaping is always on: quotes, survey answers and code names appear as text, never
as markup. Only the SVG charts drawn by research_kit's own renderers are marked safe. The PDF
is made with no network access: WeasyPrint may read local files only.
"""

from __future__ import annotations

import base64
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from research_kit.briefs.content import SUPPRESSED, Findings, Section
from research_kit.errors import ResearchKitError
from research_kit.resources import TEMPLATES_ENV, packaged_path, template_folder

__all__ = ["TEMPLATE_DIR", "export_html", "export_pdf", "render_html", "section_html"]

#: The packaged report templates (``RESEARCH_KIT_TEMPLATES`` overrides them).
TEMPLATE_DIR = packaged_path("templates", "report")


def _template_dir() -> Path:
    folder = template_folder() / "report"
    if not (folder / "findings.html.j2").is_file():
        raise ResearchKitError(
            f"the report templates are missing from {folder}",
            path=folder,
            hint=f"set {TEMPLATES_ENV} to a folder holding report/findings.html.j2, or unset "
            "it to use the templates installed with research_kit",
        )
    return folder


@lru_cache(maxsize=4)
def _environment(folder: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["figure"] = lambda svg: Markup(svg)  # trusted: drawn by our own renderers
    env.globals["table_view"] = _table_view
    env.globals["quote_groups"] = _quote_groups
    env.globals["SUPPRESSED"] = SUPPRESSED
    return env


def _table_view(frame: pd.DataFrame) -> dict[str, Any]:
    """Columns, rows of text, a class per column, and row groups.

    Numbers are right-aligned, short labels never wrap. When the first column repeats (a long
    table: statement × ward), rows are grouped under it, one heading row per value.
    """
    columns = [str(c) for c in frame.columns]
    rows = [["" if _missing(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
    classes = []
    for position in range(len(columns)):
        values = [row[position] for row in rows if row[position] not in ("", SUPPRESSED)]
        if values and all(_looks_numeric(v) for v in values):
            classes.append("num")
        elif values and max(map(len, values)) <= 14:
            classes.append("short")
        else:
            classes.append("")
    firsts = [row[0] for row in rows]
    grouped = len(columns) > 2 and len(set(firsts)) < len(firsts)
    groups: list[dict[str, Any]] = []
    if grouped:
        for row in rows:
            if not groups or groups[-1]["label"] != row[0]:
                groups.append({"label": row[0], "rows": []})
            groups[-1]["rows"].append(row)
    else:
        groups = [{"label": "", "rows": rows}]
    return {
        "columns": columns,
        "rows": rows,
        "classes": classes,
        "grouped": grouped,
        "groups": groups,
    }


def _quote_groups(quotes: list) -> list[tuple[str, list]]:
    """Quotes grouped by theme in the order they come (Jinja's groupby would sort them)."""
    groups: dict[str, list] = {}
    for quote in quotes:
        groups.setdefault(quote.theme, []).append(quote)
    return list(groups.items())


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _looks_numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").replace("\u00b1", "").replace(" pts", "")
    for unit in (" s", " min", " h", " d", " wk", " y"):
        stripped = stripped.removesuffix(unit)
    try:
        float(stripped)
    except ValueError:
        return False
    return True


def section_html(section: Section) -> str:
    """One section as an HTML fragment (the partial the dashboard shows in ``widgets.HTML``).

    Examples
    --------
    >>> from research_kit.briefs.content import Quote
    >>> quote = Quote("<b>hi</b>", "resident, Ward 1")
    >>> html = section_html(Section("demo", "Demo", quotes=[quote]))
    >>> "&lt;b&gt;hi&lt;/b&gt;" in html and 'id="demo"' in html
    True
    """
    env = _environment(str(_template_dir()))
    return env.get_template("_section.html.j2").render(section=section, level=2)


def render_html(
    findings: Findings, *, standalone: bool = True, logo: Path | str | None = None
) -> str:
    """The whole report as one HTML page.

    Parameters
    ----------
    findings : Findings
    standalone : bool
        Inline the stylesheet (and the logo) so the page needs no other file: it can be
        emailed. Otherwise link ``findings.css`` next to the page.
    logo : path, optional
        An image (SVG or PNG) for the cover's logo slot.
    """
    folder = _template_dir()
    env = _environment(str(folder))
    css = (folder / "findings.css").read_text(encoding="utf-8")
    logo_uri = None
    if logo is not None:
        path = Path(logo)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        logo_uri = f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return env.get_template("findings.html.j2").render(
        f=findings,
        standalone=standalone,
        css=Markup(css) if standalone else None,  # our own stylesheet file, not user text
        logo_uri=logo_uri,
        paged=True,  # figures cut into pages for print come too (the stylesheet shows them)
    )


def export_html(findings: Findings, path: Path | str, **options: Any) -> Path:
    """Write the self-contained HTML report to ``path`` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(findings, standalone=True, **options), encoding="utf-8")
    return path


def export_pdf(findings: Findings, path: Path | str, **options: Any) -> Path:
    """Write the report as a PDF (WeasyPrint) to ``path`` and return the path.

    Raises
    ------
    ResearchKitError
        When WeasyPrint (or the Pango library it needs) cannot run.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango/cairo shared libraries missing
        raise ResearchKitError(
            f"cannot make a PDF: WeasyPrint does not load ({error})",
            hint="pip install weasyprint, and install Pango (apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0); or export HTML with --to html",
        ) from error
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = weasyprint.HTML(
        string=render_html(findings, standalone=True, **options),
        base_url=str(_template_dir()),
        url_fetcher=_local_only,
    )
    # PDF/UA-1: a tagged PDF (structure tree, /MarkInfo, figures' alternative text from their
    # aria-label, the language and the title shown in the window) for screen readers.
    document.write_pdf(path, pdf_variant="pdf/ua-1")
    _scope_header_cells(path)
    return path


def _scope_header_cells(path: Path) -> None:
    """Give each table header cell of the PDF's structure tree its /Scope.

    WeasyPrint tags ``<th>`` as /TH but leaves out the HTML ``scope``; PDF/UA checkers
    (Matterhorn 15-003) want it: header rows of a /THead are column headers, a ``<th>`` in a
    body row heads its row.
    """
    import pypdf
    from pypdf.generic import DictionaryObject, NameObject

    writer = pypdf.PdfWriter(clone_from=str(path))
    tree = writer.root_object.get("/StructTreeRoot")
    if tree is None:
        return
    for cell, in_head in _header_cells(tree.get_object()):
        attributes = cell.get("/A")
        attributes = attributes.get_object() if attributes is not None else DictionaryObject()
        attributes[NameObject("/O")] = NameObject("/Table")
        attributes[NameObject("/Scope")] = NameObject("/Column" if in_head else "/Row")
        cell[NameObject("/A")] = attributes
    with open(path, "wb") as out:
        writer.write(out)


def _header_cells(node, in_head: bool = False, seen: set | None = None):
    """Every /TH element below ``node``, with whether it sits in a /THead."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen = set() if seen is None else seen
    if isinstance(node, IndirectObject):
        if node.idnum in seen:
            return
        seen.add(node.idnum)
        node = node.get_object()
    if isinstance(node, ArrayObject):
        for child in node:
            yield from _header_cells(child, in_head, seen)
    elif isinstance(node, DictionaryObject) and node.get("/Type") != "/MCR":
        kind = node.get("/S")
        if kind == "/TH":
            yield node, in_head
        if "/K" in node:
            yield from _header_cells(node["/K"], in_head or kind == "/THead", seen)


def _local_only(url: str, *args: Any, **kwargs: Any):
    """Let WeasyPrint read inline data and local files only: the PDF never touches the network."""
    if url.startswith(("data:", "file:")):
        import weasyprint

        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ResearchKitError(f"the report tried to fetch {url}; only local resources are allowed")
