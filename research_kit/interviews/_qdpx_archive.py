"""A QDPX archive opened safely, and REFI-QDA XML parsed safely.

The first step of :func:`~research_kit.interviews.refi_import.import_qdpx` and of reading a
``.qdc`` codebook: a zip is refused when an entry has an absolute path or ``..``, expands like a
zip bomb or unpacks past :data:`~research_kit.interviews.refi_model.MAX_UNCOMPRESSED_BYTES`;
members are read into memory only; XML is parsed with DTDs, entities and the network refused.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from lxml import etree

from research_kit.interviews import refi_model
from research_kit.interviews.refi_model import QdpxError
from research_kit.rawfiles import require_regular_file

__all__ = ["Archive", "parse_xml", "read_capped"]


class Archive:
    """A QDPX zip, checked for unsafe entries and sizes; members are read into memory only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        require_regular_file(path, error_class=QdpxError)  # a pipe would block zipfile forever
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise QdpxError(
                "is not a QDPX archive (not a zip file)",
                path=path,
                hint="a .qdpx file is a zip; export the project again as REFI-QDA from your "
                "QDA program",
            ) from exc
        try:
            self._check_entries()
            self.by_lower = {info.filename.lower(): info for info in self.files}
            self.project_member, self.base = self._find_project()
        except QdpxError:
            self.zip.close()
            raise

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.zip.close()

    def _check_entries(self) -> None:
        total = 0
        self.files = []
        for info in self.zip.infolist():
            name = info.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise QdpxError(
                    f"the archive has an unsafe entry {name!r} (an absolute path or '..')",
                    path=self.path,
                    hint="this is not a normal QDPX export; do not import it",
                )
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > refi_model.MAX_COMPRESSION_RATIO:
                raise QdpxError(
                    f"entry {name!r} expands {ratio:.0f} times (a zip bomb?)",
                    path=self.path,
                    hint="this is not a normal QDPX export; do not import it",
                )
            if not info.is_dir() and not name.startswith("__MACOSX/"):
                self.files.append(info)
        if total > refi_model.MAX_UNCOMPRESSED_BYTES:
            raise QdpxError(
                f"the archive unpacks to {total / 1024**2:.0f} MB, over the "
                f"{refi_model.MAX_UNCOMPRESSED_BYTES / 1024**2:.0f} MB research_kit accepts",
                path=self.path,
                hint="export the project without media files, or split it",
            )

    def _find_project(self) -> tuple[str, str]:
        candidates = [i.filename for i in self.files if i.filename.lower().endswith(".qde")]
        candidates.sort(key=lambda name: (name.count("/"), name.lower() != "project.qde", name))
        if not candidates:
            raise QdpxError(
                "the archive has no project.qde",
                path=self.path,
                hint="a .qdpx file holds project.qde and a sources folder; export the project "
                "again as REFI-QDA from your QDA program",
            )
        member = candidates[0]
        base = member.rsplit("/", 1)[0] + "/" if "/" in member else ""
        return member, base

    def read(self, member: str) -> bytes:
        info = self.zip.getinfo(member)
        try:
            with self.zip.open(info) as handle:
                return handle.read(info.file_size + 1)[: info.file_size]
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise QdpxError(
                f"entry {member!r} cannot be read ({exc})",
                path=self.path,
                hint="the archive is damaged; export the project again",
            ) from exc

    def source_member(self, reference: str) -> str | None:
        """The member a ``plainTextPath`` names (``internal://x.txt`` or ``x.txt``), any case."""
        name = unquote(reference.split("://", 1)[1] if "://" in reference else reference)
        name = name.lstrip("/").replace("\\", "/")
        for folder in ("sources/", ""):
            info = self.by_lower.get(f"{self.base}{folder}{name}".lower())
            if info is not None:
                return info.filename
        return None


def parse_xml(data: bytes, archive_path: Path, member: str) -> etree._Element:
    """Parse XML safely: no DTD, no entities, no network; a DOCTYPE is refused outright."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.parse(io.BytesIO(data), parser)
    except etree.XMLSyntaxError as exc:
        raise QdpxError(
            f"{member} is not valid XML ({exc.msg})",
            path=archive_path,
            line=exc.lineno or None,
            hint="the file is damaged or not a REFI-QDA export; export it again",
        ) from exc
    if tree.docinfo.doctype or _has_entities(tree):
        raise QdpxError(
            f"{member} declares a DOCTYPE or entities, which REFI-QDA files never need",
            path=archive_path,
            hint="this file may be crafted to read other files; do not import it",
        )
    return tree.getroot()


def _has_entities(tree) -> bool:
    return any(isinstance(node, etree._Entity) for node in tree.iter())


def read_capped(path: Path) -> bytes:
    require_regular_file(path, error_class=QdpxError)
    if path.stat().st_size > refi_model.MAX_UNCOMPRESSED_BYTES:
        raise QdpxError("is too large for a codebook", path=path)
    return path.read_bytes()
