"""Reading raw study files safely: encodings, emptiness, binary garbage and content hashes.

Raw files are read-only evidence. Everything that opens one goes through here so that a pipe or
device (refused without being opened: reading a pipe can wait forever), an unreadable or empty
file, a binary file or a file in an unexpected encoding gets the same clear error everywhere,
and so that every loader records the same content hash (used to notice a file that changed
after it was coded).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from research_kit.errors import InputError, ResearchKitError

#: Encodings tried, in order, when a file has no byte-order mark. UTF-8 first because almost
#: every modern tool writes it; cp1252 next because Excel on Windows writes it; Latin-1 last
#: because it decodes anything (so it only runs when the others failed).
FALLBACK_ENCODINGS = ("utf-8", "cp1252", "latin-1")

_PERMISSION_HINT = (
    "check that the file exists and that your account may read it (its permissions, "
    "or a sync client that has not downloaded it yet)"
)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class RawText:
    """The decoded text of a raw file and how it was read.

    Attributes
    ----------
    path : Path
        The file.
    text : str
        The text exactly as decoded (no newline translation).
    encoding : str
        The codec that decoded it.
    sha256 : str
        Hex digest of the file's bytes.
    """

    path: Path
    text: str
    encoding: str
    sha256: str

    @property
    def guessed(self) -> bool:
        """True when the encoding was a fallback rather than UTF-8 or a byte-order mark."""
        return self.encoding not in {"utf-8", "utf-8-sig", "utf-16", "utf-32"}


def sha256_bytes(data: bytes) -> str:
    """Return the hex SHA-256 digest of ``data``.

    Examples
    --------
    >>> sha256_bytes(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def require_regular_file(
    path: Path | str, *, error_class: type[ResearchKitError] = InputError
) -> os.stat_result:
    """Refuse a path that is missing, a folder, or not a regular file — without opening it.

    Opening a named pipe (FIFO) for reading waits for a writer, forever if none comes, and a
    device or socket is not a file anyone exported; so the kind of file is told from its
    metadata (``stat``), which never blocks.

    Parameters
    ----------
    path : Path or str
        The file (a symbolic link is followed).
    error_class : type
        The :class:`~research_kit.errors.ResearchKitError` subclass to raise.

    Returns
    -------
    os.stat_result
        The file's metadata.

    Examples
    --------
    >>> import tempfile, os, pathlib
    >>> fifo = pathlib.Path(tempfile.mkdtemp()) / "notes.md"
    >>> os.mkfifo(fifo)
    >>> require_regular_file(fifo)
    Traceback (most recent call last):
    research_kit.errors.InputError: ...notes.md: is a named pipe (FIFO), not a regular file — ...
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error_class("file not found", path=path, hint="check the path in study.yml") from None
    except OSError as exc:  # a dangling link loop, a folder we may not look into, …
        raise error_class(
            f"cannot be read ({exc.strerror})", path=path, hint=_PERMISSION_HINT
        ) from exc
    if stat.S_ISDIR(info.st_mode):
        raise error_class("is a folder, not a file", path=path, hint="name a file")
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode, error_class)
    return info


def open_raw(path: Path | str, *, error_class: type[ResearchKitError] = InputError) -> BinaryIO:
    """Open a raw file for reading in binary, refusing anything but a readable regular file.

    The file is checked before it is opened (see :func:`require_regular_file`), and checked
    again once open, without blocking, in case it was swapped for a pipe in between.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> with open_raw(path) as handle:
    ...     handle.read()
    b'abc'
    """
    path = Path(path)
    require_regular_file(path, error_class=error_class)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error_class(
            f"cannot be read ({exc.strerror})", path=path, hint=_PERMISSION_HINT
        ) from exc
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise _not_regular(path, mode, error_class)
    return os.fdopen(descriptor, "rb")


def read_raw_bytes(path: Path | str, *, error_class: type[ResearchKitError] = InputError) -> bytes:
    """Read a raw file's bytes, refusing missing, unreadable, non-regular and empty files.

    Parameters
    ----------
    path : Path or str
        The file.
    error_class : type
        The :class:`~research_kit.errors.ResearchKitError` subclass to raise.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "empty.csv"
    >>> _ = path.write_bytes(b"  ")
    >>> read_raw_bytes(path)
    Traceback (most recent call last):
    research_kit.errors.InputError: ...empty.csv: the file is empty — ...
    """
    path = Path(path)
    with open_raw(path, error_class=error_class) as handle:
        try:
            data = handle.read()
        except OSError as exc:
            raise error_class(
                f"cannot be read ({exc.strerror})", path=path, hint=_PERMISSION_HINT
            ) from exc
    if not data.strip():
        raise error_class(
            "the file is empty", path=path, hint="export it again or remove it from the study"
        )
    return data


def decode_text(
    data: bytes,
    path: Path | str,
    *,
    encoding: str | None = None,
    error_class: type[ResearchKitError] = InputError,
) -> RawText:
    """Decode a raw file's bytes, detecting byte-order marks and falling back to cp1252.

    Parameters
    ----------
    data : bytes
        The file's content.
    path : Path or str
        The file, for messages.
    encoding : str, optional
        Force this encoding instead of detecting one.
    error_class : type
        The exception class to raise.

    Returns
    -------
    RawText

    Examples
    --------
    >>> decode_text("café".encode("cp1252"), "x.txt").encoding
    'cp1252'
    >>> decode_text(b"\\xef\\xbb\\xbfhello", "x.txt").text
    'hello'
    """
    path = Path(path)
    digest = sha256_bytes(data)
    if encoding is not None:
        try:
            return RawText(path, data.decode(encoding), encoding, digest)
        except (UnicodeDecodeError, LookupError) as exc:
            raise error_class(
                f"cannot be decoded as {encoding} ({exc})",
                path=path,
                hint="choose the encoding the file was saved in, or re-save it as UTF-8",
            ) from exc
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return RawText(path, data.decode(codec, errors="strict"), codec, digest)
            except UnicodeDecodeError as exc:
                raise error_class(
                    f"starts with a {codec} byte-order mark but is not valid {codec} "
                    f"(byte {exc.start})",
                    path=path,
                    hint="the file is damaged or mislabelled; save it again as UTF-8",
                ) from exc
    if _looks_binary(data):
        raise error_class(
            "looks like a binary file, not text",
            path=path,
            hint="export the data as text (UTF-8) and point the study at that file",
        )
    for codec in FALLBACK_ENCODINGS:
        try:
            return RawText(path, data.decode(codec), codec, digest)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def read_text(
    path: Path | str,
    *,
    encoding: str | None = None,
    error_class: type[ResearchKitError] = InputError,
) -> RawText:
    """Read and decode a raw text file (see :func:`decode_text`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> _ = p.write_bytes("Café".encode("utf-8"))
    >>> read_text(p).text
    'Café'
    """
    data = read_raw_bytes(path, error_class=error_class)
    return decode_text(data, path, encoding=encoding, error_class=error_class)


def _looks_binary(data: bytes) -> bool:
    """Guess binary content: NUL bytes or many control characters near the start."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls > max(8, len(head) // 20)


def _not_regular(path: Path, mode: int, error_class: type[ResearchKitError]) -> ResearchKitError:
    return error_class(
        f"is {_file_kind(mode)}, not a regular file",
        path=path,
        hint="point the study at an ordinary file (export or copy the data into one)",
    )


def _file_kind(mode: int) -> str:
    """Name a non-regular kind of file in plain words."""
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")
