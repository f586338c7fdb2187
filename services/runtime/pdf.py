"""Inspection of uploaded PDF documents by their content.

Every document a lawyer uploads (writ annexes, evidence) goes through
``inspect_pdf(data)`` before anything else happens to it. The file name and
the declared content type are never trusted: only the bytes are.

    >>> info = inspect_pdf(data)            # PdfInfo(pages=3, size=..., sha256=..., version="1.7")
    >>> inspect_pdf(b"PK\\x03\\x04...")       # raises PdfRejected("not_pdf", "El documento no es un PDF válido.")

Rejection codes (``PdfRejected.code``), stable and meant for programs:

``not_pdf``
    The content is not a PDF at all: empty, or it does not start with
    ``%PDF-`` at byte 0 (PNG, ZIP, HTML, executables, text renamed ``.pdf``).
``encrypted``
    The PDF is encrypted: it needs a password to open, *or* it opens without
    one but carries owner-password restrictions, *or* it uses a security
    handler nobody here can open (public-key /Adobe.PubSec). The court must be
    able to read, stamp and archive what it receives, so all are refused.
``corrupt``
    It starts like a PDF but cannot be read reliably: truncated (no ``%%EOF``
    at the end), garbage, broken structure the reader cannot recover, zero
    pages, a page tree that cannot be walked or whose declared page count
    disagrees with its actual pages, or a structure so costly to parse
    (hostile or absurd) that it exceeds the inspection budget.

Decisions :

* **Header strictly at byte 0.** ISO 32000 readers such as Acrobat tolerate
  junk before ``%PDF-`` (within 1024 bytes), but that tolerance is exactly
  what HTML/PDF and ZIP/PDF polyglots rely on: a file that a browser sniffs
  as HTML while a PDF reader opens it. Genuine producers write the header at
  offset 0; a lawyer whose file has leading junk can re-save it.
* **The file must end with ``%%EOF``**: the last ``%%EOF`` must start within
  the final 1024 bytes and be followed only by PDF whitespace (NUL, TAB, LF,
  FF, CR, space). Truncated uploads are the common real failure, and a file
  cut inside an incremental update (e.g. a signature appended to a signed
  PDF) would otherwise be read as its older revision without complaint.
* **pypdf runs in non-strict mode** so that *recoverable* real-world defects
  (off-by-a-few xref offsets, a wrong startxref, missing xref, whitespace
  quirks) are tolerated like every viewer tolerates them; the strict checks
  above and below (header, tail, pages, /Count) are ours. What pypdf repaired
  is reported in ``PdfInfo.warnings``; its log output is kept out of the
  service logs during inspection (a hostile file can make it log once per
  object).
* **Bounded work.** A hostile file must not hang a worker: parsing runs under
  a time budget (``budget_seconds``, 1 s by default) that is checked every
  few reads of the file and on every object lookup, nesting depth is capped
  (pypdf parses recursively and, in non-strict mode, swallows the
  RecursionError of a dictionary bomb and keeps a partial page), and pypdf's
  own limits are
  tightened for the streams inspection decodes (only cross-reference and
  object streams; page contents and images are never decoded). A file that
  exceeds the budget is ``corrupt``.
* **The version** is the one in the header, or the catalog's ``/Version``
  when that one is later (ISO 32000-1 §7.2.2 lets a later update raise it).
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import pkgutil
import re
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

import pypdf
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject, NameObject

__all__ = ["PdfInfo", "PdfRejected", "inspect_pdf", "MESSAGES", "DEFAULT_BUDGET_SECONDS"]

#: Spanish messages for people, by code.
MESSAGES = {
    "not_pdf": "El documento no es un PDF válido.",
    "encrypted": "El documento PDF está protegido con contraseña o cifrado; preséntelo sin cifrado.",
    "corrupt": "El documento PDF está dañado o incompleto y no puede leerse.",
}
_NO_PAGES_MESSAGE = "El documento PDF no contiene páginas."
_TRUNCATED_MESSAGE = (
    "El documento PDF está incompleto o dañado: no termina como termina un PDF. "
    "Vuelva a generarlo y cárguelo de nuevo."
)

#: Seconds (wall clock) one inspection may take before the file is refused as corrupt.
DEFAULT_BUDGET_SECONDS = 1.0

_HEADER = re.compile(rb"%PDF-([12])\.(\d)")
_EOF_MARKER = b"%%EOF"
_TAIL_WINDOW = 1024
_PDF_WHITESPACE = b"\x00\t\n\x0c\r "
_CATALOG_VERSION = re.compile(r"/?([12])\.(\d)")
# Used only when pypdf fails while opening the file, to tell an encrypted file
# it cannot open (unknown security handler) from a corrupt one.
_ENCRYPT_KEY = re.compile(rb"/Encrypt\s*(?:\d+\s+\d+\s+R|<<)")

# The only streams inspection decodes are cross-reference streams and object
# streams (never page contents or images). pypdf parses a decoded one in
# loops that never touch the file, so the budget cannot interrupt them: a
# crafted 1 MB object stream costs ~0.35 s there (whitespace is skipped a
# byte at a time), a 4 MB one ~1.4 s. Genuine ones hold 100-200 objects
# (Acrobat, PDFBox, iText, qpdf) and decode to kilobytes; a 1 MB xref
# stream indexes ~140 000 objects.
_DECODED_STREAM_LIMIT = 1024 * 1024
_XREF_STREAM_MAX_ENTRIES = 500_000
_ROOT_RECOVERY_LIMIT = 10_000
_MAX_WARNINGS_KEPT = 20
# Python frames pypdf may stack up beyond the depth at which inspect_pdf was
# called. Reading a well-formed file takes under 20 (measured with pypdf 7.1);
# each level of array/dictionary nesting adds about 2, so this allows ~140
# levels (genuine files nest a handful) and stops far below the interpreter's
# default recursion limit of 1000.
_MAX_EXTRA_FRAMES = 300


class PdfRejected(Exception):
    """The uploaded content is not an acceptable PDF.

    ``code`` is one of ``not_pdf``, ``encrypted``, ``corrupt``; ``message`` is
    Spanish, for the lawyer who uploaded the file.
    """

    def __init__(self, code: str, message: str | None = None):
        message = message or MESSAGES[code]
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class PdfInfo:
    """What inspection learnt about an accepted PDF."""

    pages: int
    size: int
    sha256: str
    version: str
    #: Defects pypdf tolerated (and repaired in memory) while reading; empty
    #: for a well-formed file. At most 20 are kept.
    warnings: tuple[str, ...] = field(default=())


def inspect_pdf(data: bytes, *, budget_seconds: float = DEFAULT_BUDGET_SECONDS) -> PdfInfo:
    """Check that ``data`` is a readable, unencrypted PDF with at least one page.

    Returns a :class:`PdfInfo`; raises :class:`PdfRejected` otherwise. Never
    raises anything else for bad content (a ``TypeError`` only if ``data`` is
    not bytes-like).
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"inspect_pdf expects bytes, got {type(data).__name__}")

    header = _HEADER.match(data)
    if not data.startswith(b"%PDF-"):
        raise PdfRejected("not_pdf")
    if header is None:
        raise PdfRejected("corrupt")
    version = f"{header.group(1).decode()}.{header.group(2).decode()}"

    if not _ends_with_eof_marker(data):
        raise PdfRejected("corrupt", _TRUNCATED_MESSAGE)

    warnings: list[str] = []
    budget = _Budget(budget_seconds)
    token = _inspection.set((budget, warnings))
    try:
        with pypdf.apply_configuration(**_configuration_for(len(data))):
            pages, catalog_version = _read(data, budget)
    finally:
        _inspection.reset(token)

    if catalog_version is not None and catalog_version > version:
        version = catalog_version
    return PdfInfo(
        pages=pages,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        version=version,
        warnings=tuple(warnings[:_MAX_WARNINGS_KEPT]),
    )


def _ends_with_eof_marker(data: bytes) -> bool:
    tail = data[-_TAIL_WINDOW:]
    position = tail.rfind(_EOF_MARKER)
    if position < 0:
        return False
    return not tail[position + len(_EOF_MARKER):].strip(_PDF_WHITESPACE)


def _read(data: bytes, budget: "_Budget") -> tuple[int, str | None]:
    """Open with pypdf and count pages; every failure becomes a PdfRejected."""
    try:
        reader = _GuardedReader(_GuardedStream(data, budget), budget)
    except _BudgetExceeded:
        raise PdfRejected("corrupt") from None
    except Exception as exc:  # pypdf raises many types (RecursionError included)
        if _ENCRYPT_KEY.search(data):
            raise PdfRejected("encrypted") from exc
        raise PdfRejected("corrupt") from exc

    try:
        if reader.is_encrypted:
            raise PdfRejected("encrypted")
        pages = len(reader.pages)
        if pages < 1:
            raise PdfRejected("corrupt", _NO_PAGES_MESSAGE)
        catalog = reader.root_object
        page_tree = catalog.get("/Pages")
        page_tree = page_tree.get_object() if page_tree is not None else None
        declared = page_tree.get("/Count") if isinstance(page_tree, DictionaryObject) else None
        if isinstance(declared, IndirectObject):  # legal, if unusual
            declared = declared.get_object()
        # Viewers differ: some trust /Count, others walk the tree. A document
        # of legal weight must show the same pages to everyone.
        if not isinstance(declared, int) or isinstance(declared, bool) or declared != pages:
            raise PdfRejected("corrupt")
        return pages, _catalog_version(catalog)
    except PdfRejected:
        raise
    except _BudgetExceeded:
        raise PdfRejected("corrupt") from None
    except Exception as exc:
        raise PdfRejected("corrupt") from exc


def _catalog_version(catalog: DictionaryObject) -> str | None:
    value = catalog.get("/Version")
    if not isinstance(value, (NameObject, str)):
        return None
    match = _CATALOG_VERSION.fullmatch(str(value))
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _configuration_for(size: int) -> dict:
    limit = _DECODED_STREAM_LIMIT
    return {
        # A stream cannot be longer than the file; pypdf's default (75 MB)
        # would refuse a genuine big scan whose image stream is read in repair.
        "maximum_declared_stream_length": max(75_000_000, size),
        "zlib_maximum_output_length": limit,
        "lzw_maximum_output_length": limit,
        "run_length_maximum_output_length": limit,
        "brotli_maximum_output_length": limit,
        "jbig2_maximum_output_length": limit,
        "array_based_stream_maximum_output_length": limit,
        "stream_decoding_work_maximum_length": 4 * limit,
        "zlib_maximum_recovery_input_length": limit,
        "jbig2dec_binary": None,  # never run an external program on uploads
        "disable_legacy_handling": True,  # skips pypdf's per-reader legacy constant checks
    }


# --------------------------------------------------------------------------
# Work budget


class _BudgetExceeded(BaseException):
    """Raised from inside pypdf when inspection runs out of time (or nests too deep).

    A BaseException on purpose: pypdf's recovery code catches ``Exception``
    broadly in several loops, and this must get through them.
    """


class _Budget:
    """Elapsed time and depth of nesting, checked cheaply and often.

    Wall-clock time, not CPU time: parsing is pure computation that never
    yields, so in an eventlet worker it blocks every other greenthread of the
    process for as long as it runs; that is what the budget bounds. A genuine
    file needs milliseconds, so only a stall of the whole process longer than
    the budget could make one fail (and a retry would pass).

    Nesting: pypdf reads nested arrays and dictionaries recursively, and in
    non-strict mode it *swallows* the RecursionError of a deeply nested
    dictionary and keeps a partial one, so a nesting bomb would be accepted
    after burning time. Every parsing level reads from the file, so the reads
    also check how deep the Python stack has grown since inspection started
    and stop well before the interpreter's limit. Objects inside object
    streams are parsed from an in-memory copy these reads never see; there
    the warning pypdf logs while swallowing the RecursionError is caught, at
    its depth, by the log filter below.
    """

    __slots__ = ("deadline", "expired", "frame_limit")

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.expired = False
        self.frame_limit = _stack_depth() + _MAX_EXTRA_FRAMES

    def check(self) -> None:
        """Clock and stack depth; called every few reads of the file."""
        if self.expired or time.monotonic() > self.deadline or _deeper_than(self.frame_limit):
            self.expired = True  # stays expired: whatever pypdf swallows, the next check fails
            raise _BudgetExceeded()

    def check_clock(self) -> None:
        """Clock only; called on every object lookup (one can cost a scan of the whole file)."""
        if self.expired or time.monotonic() > self.deadline:
            self.expired = True
            raise _BudgetExceeded()


def _stack_depth() -> int:
    frame, depth = sys._getframe(1), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def _deeper_than(frames: int) -> bool:
    try:
        sys._getframe(frames)
    except ValueError:
        return False
    return True


_bytesio_read = io.BytesIO.read


class _GuardedStream(io.BytesIO):
    """The file, as pypdf reads it; every 32nd read checks the budget.

    pypdf reads mostly one byte at a time, so this method is hot: it is kept
    to a counter and a bit test (measured: ~2x the cost of a plain BytesIO
    read on a read-bound file, nothing measurable on a typical one).
    """

    __slots__ = ("_budget", "_reads")

    def __init__(self, data: bytes, budget: _Budget):
        super().__init__(data)
        self._budget = budget
        self._reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self._reads += 1
        if not self._reads & 31:
            self._budget.check()
        return _bytesio_read(self, size)


class _GuardedReader(PdfReader):
    """pypdf's reader with the budget checked on every object lookup.

    Only public methods are overridden; they are the ones pypdf's per-object
    loops go through (xref verification, repair, root search, object streams,
    page tree walk) even when they do not touch the file itself.
    """

    def __init__(self, stream: _GuardedStream, budget: _Budget):
        self._portal_budget = budget
        super().__init__(
            stream,
            strict=False,
            root_object_recovery_limit=_ROOT_RECOVERY_LIMIT,
            xref_stream_maximum_entries=_XREF_STREAM_MAX_ENTRIES,
        )

    def get_object(self, indirect_reference):
        self._portal_budget.check_clock()
        return super().get_object(indirect_reference)

    def cache_get_indirect_object(self, generation, idnum):
        self._portal_budget.check_clock()
        return super().cache_get_indirect_object(generation, idnum)

    def read_object_header(self, stream):
        self._portal_budget.check_clock()
        return super().read_object_header(stream)


# --------------------------------------------------------------------------
# pypdf's log output during inspection


#: (budget, collected warnings) of the inspection running in this context.
_inspection: ContextVar[tuple[_Budget, list[str]] | None] = ContextVar("portal_pdf_inspection", default=None)


class _CaptureDuringInspection(logging.Filter):
    """Keeps pypdf's warnings out of the logs while a file is inspected.

    pypdf logs each defect it tolerates through the logger of the module that
    met it (``pypdf._reader``, ``pypdf.generic._data_structures`` ...). While
    ``inspect_pdf`` runs (a context variable, so per thread and per
    greenthread) the records are collected instead of emitted; elsewhere in
    the process pypdf logs as usual. A warning logged from far down the stack
    is pypdf recovering from a nesting bomb: inspection stops there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        current = _inspection.get()
        if current is None:
            return True
        budget, sink = current
        if _deeper_than(budget.frame_limit):
            budget.expired = True
            raise _BudgetExceeded()
        if len(sink) < _MAX_WARNINGS_KEPT:
            try:
                sink.append(record.getMessage())
            except Exception:  # a malformed record must not break inspection
                sink.append(str(record.msg))
        return False


def _pypdf_module_names() -> list[str]:
    names = ["pypdf"]

    def walk(path: list[str], prefix: str) -> None:
        for module in pkgutil.iter_modules(path):
            name = prefix + module.name
            names.append(name)
            if module.ispkg:
                walk([os.path.join(path[0], module.name)], name + ".")

    walk(list(pypdf.__path__), "pypdf.")
    return names


def _install_log_filter() -> None:
    capture = _CaptureDuringInspection()
    for name in _pypdf_module_names():
        logger = logging.getLogger(name)
        if not any(isinstance(existing, _CaptureDuringInspection) for existing in logger.filters):
            logger.addFilter(capture)


_install_log_filter()
