"""The REFI-QDA model both directions share: namespaces, limits, the error, and XML reading.

REFI-QDA (www.qdasoftware.org) is the exchange format of ATLAS.ti, NVivo, MAXQDA, QualCoder and
others: a ``.qdpx`` project (a zip of ``project.qde`` XML and its ``sources/``) or a ``.qdc``
codebook. :mod:`.refi_export` writes them and :mod:`.refi_import` reads them; what both must
agree on lives here, so that neither imports the other.

Examples
--------
>>> from lxml import etree
>>> root = etree.fromstring(f'<Project xmlns="{PROJECT_NS}"><Users><User/></Users></Project>')
>>> local_name(root), [local_name(u) for u in child_elements(first_child(root, "Users"))]
('Project', ['User'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from research_kit.errors import InputError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: Largest total uncompressed size of an archive we open (a zip bomb is refused before reading).
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
#: Largest compression ratio of a member over 1 MiB (text and XML compress 3–30 times).
MAX_COMPRESSION_RATIO = 200
#: Deepest code nesting an export writes. XML readers cap how deep elements nest (libxml2,
#: which lxml and many tools use, at 256 elements; a project puts codes 3 elements down), so a
#: deeper codebook would export to a file that nothing, research_kit included, reads back.
MAX_CODE_DEPTH = 250
#: Missing sources: ``"error"`` refuses the import, ``"skip"`` imports codes, users and memos.
MISSING_SOURCES = ("error", "skip")
#: A colour as REFI-QDA and research_kit write it: ``#rrggbb`` or ``#rgb``.
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class QdpxError(InputError):
    """A REFI-QDA file (QDPX project or QDC codebook) cannot be read, written or imported."""


def local_name(element: etree._Element) -> str:
    """The tag of ``element`` without its namespace (``""`` for comments and processing
    instructions), so that files with and without the REFI-QDA namespace read alike.

    Examples
    --------
    >>> from lxml import etree
    >>> local_name(etree.fromstring('<Code xmlns="urn:QDA-XML:codebook:1.0"/>'))
    'Code'
    """
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def child_elements(element: etree._Element | None, name: str | None = None) -> Iterable:
    """The child elements of ``element`` (none when it is ``None``), only those named ``name``
    (local name) when given.

    Examples
    --------
    >>> from lxml import etree
    >>> codes = etree.fromstring("<Codes><Code/><!-- note --><Code/><Set/></Codes>")
    >>> len(child_elements(codes, "Code")), len(child_elements(None))
    (2, 0)
    """
    if element is None:
        return []
    return [
        c for c in element if isinstance(c.tag, str) and (name is None or local_name(c) == name)
    ]


def first_child(element: etree._Element | None, name: str) -> etree._Element | None:
    """The first child element of ``element`` named ``name`` (local name), or ``None``.

    Examples
    --------
    >>> from lxml import etree
    >>> first_child(etree.fromstring("<Code><Description>d</Description></Code>"),
    ...             "Description").text
    'd'
    """
    found = child_elements(element, name)
    return found[0] if found else None


def tag(name: str, namespace: str = PROJECT_NS) -> str:
    """The namespaced tag of a REFI-QDA element, for writing.

    Examples
    --------
    >>> tag("Code")
    '{urn:QDA-XML:project:1.0}Code'
    """
    return f"{{{namespace}}}{name}"


def xml_safe(value: object) -> str:
    """``value`` as text without the characters XML 1.0 cannot hold (control characters).

    Examples
    --------
    >>> xml_safe("bell\x07 rings")
    'bell rings'
    """
    return _NOT_XML.sub("", str(value))


__all__ = [
    "CODEBOOK_NS",
    "HEX_COLOUR",
    "MAX_CODE_DEPTH",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "MISSING_SOURCES",
    "PROJECT_NS",
    "QdpxError",
    "child_elements",
    "first_child",
    "local_name",
    "tag",
    "xml_safe",
]
