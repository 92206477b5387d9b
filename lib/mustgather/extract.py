"""Safe extraction of a must-gather archive (tar, compressed or not, or zip): every entry is checked
before a byte is written. Messages name the archive as the user gave it (`shown`).

Refused, naming the entry and why: absolute paths, `..`, links that point outside the archive,
device files and FIFOs, and archives that expand past a bound (total size, entry count, or a
compression ratio only a bomb has).
"""

from __future__ import annotations

import atexit
import os
import posixpath
import shutil
import tarfile
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

from ..errors import MigError

MAX_BYTES = int(os.environ.get("MIG_TOOLS_MAX_EXTRACT_BYTES", str(8 << 30)))
MAX_ENTRIES = 500_000


class Budget:
    """The bytes every extraction of one bundle may write together: an archive nested in another gets
    what the outer one left (MIG_TOOLS_MAX_EXTRACT_BYTES for the whole bundle, not for each archive)."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_BYTES if limit is None else limit
        self.spent = 0

    def refusal(self, name: str, entry: str, total: int, size: int) -> MigError | None:
        if self.spent + total + size <= self.limit:
            return None
        whole = f"{self.limit >> 20} MiB" if self.limit >= 1 << 20 else f"{self.limit:,} bytes"
        return _refuse(name, entry, f"archive expands past {whole}" if not self.spent else
                       f"the bundle's archives expand past {whole} together")
MAX_RATIO = 200            # extracted / compressed, checked once past RATIO_FLOOR
RATIO_FLOOR = 64 << 20
_CHUNK = 1 << 20


MAX_HEADER = 1 << 20       # bytes of one extended header (GNU long name, pax, sparse map): names are < 4 KiB
MAX_CHAIN = 16             # extended headers before one entry (tarfile recurses once per header)
_EXTENDED = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
             tarfile.SOLARIS_XHDTYPE)


class _HeaderBomb(Exception):
    """An extended header built to exhaust memory or the stack: tarfile reads one whole into memory
    before it returns the entry, so the entry-by-entry checks below would come too late."""


class _BoundedInfo(tarfile.TarInfo):
    """TarInfo whose extended headers are bounded in size and in number before one entry."""

    def _proc_member(self, tf):
        if self.type in _EXTENDED:
            tf._mig_chain = getattr(tf, "_mig_chain", 0) + 1
            if self.size > MAX_HEADER:
                raise _HeaderBomb(f"an extended header of {self.size} bytes (at most {MAX_HEADER})")
            if tf._mig_chain > MAX_CHAIN:
                raise _HeaderBomb(f"more than {MAX_CHAIN} extended headers before one entry")
            return super()._proc_member(tf)  # type: ignore[misc]
        tf._mig_chain = 0
        if self.type != tarfile.GNUTYPE_SPARSE:
            return super()._proc_member(tf)  # type: ignore[misc]
        real = tf.fileobj             # a sparse map continues in as many blocks as it says: bound them
        tf.fileobj = _Limited(real, MAX_HEADER)
        try:
            return super()._proc_member(tf)  # type: ignore[misc]
        except IndexError:            # the map's blocks cut short
            raise tarfile.ReadError("truncated sparse header") from None
        finally:
            tf.fileobj = real


class _Limited:
    def __init__(self, f, left: int):
        self.f, self.left = f, left

    def read(self, size=-1):
        if size < 0 or size > self.left:
            raise _HeaderBomb(f"a sparse map over {MAX_HEADER} bytes")
        self.left -= size
        return self.f.read(size)

    def __getattr__(self, name):
        return getattr(self.f, name)


class _Counting:
    """Wraps the compressed file to know how many compressed bytes were read so far."""

    def __init__(self, f):
        self.f, self.n = f, 0

    def read(self, size=-1):
        data = self.f.read(size)
        self.n += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.f, name)


def _refuse(archive, entry: str, why: str) -> MigError:
    return MigError(f"must-gather {archive}: refusing entry {entry!r}: {why}")


def _check_name(archive, name: str) -> str:
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or name.startswith("\\"):
        raise _refuse(archive, name, "absolute path")
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        raise _refuse(archive, name, "path goes up ('..') out of the archive")
    norm = posixpath.normpath(name)
    return "" if norm == "." else norm


def _link_target_ok(name: str, target: str, hard: bool) -> bool:
    if target.startswith("/"):
        return False
    base = "" if hard else posixpath.dirname(name)
    resolved = posixpath.normpath(posixpath.join(base, target))
    return not (resolved == ".." or resolved.startswith("../"))


def _copy(archive, tf: tarfile.TarFile, m: tarfile.TarInfo, out: Path, total: int, counter: _Counting) -> int:
    """Write one regular file; returns the bytes extracted so far. Reading errors are the
    archive's; writing errors (a full disk) are said as such."""
    src = tf.extractfile(m)
    if src is None:           # not a regular file after all: nothing to write
        return total
    return _write(archive, m.name, src, out, total, lambda: counter.n)


def extract(archive: Path, dest: Path, shown: str | None = None, budget: Budget | None = None) -> None:
    """Extract `archive` into the empty directory `dest`, or raise MigError and leave nothing behind."""
    name = shown or str(archive)
    budget = budget or Budget()
    if not archive.is_file():      # a FIFO would block the first read, a device never end
        raise MigError(f"must-gather {name}: not a regular file")
    if zipfile.is_zipfile(archive):
        budget.spent += _extract_zip(archive, dest, name, budget)
        return None
    total = entries = 0
    try:
        raw = open(archive, "rb")
    except OSError as e:
        raise MigError(f"must-gather {name}: {e.strerror or e}") from None
    counter = _Counting(raw)
    try:
        with raw, tarfile.open(fileobj=counter, mode="r|*", tarinfo=_BoundedInfo) as tf:
            for m in tf:
                entries += 1
                # streamed once: tarfile would keep every header (286 MB for 500,000 entries)
                tf.members.clear()  # type: ignore[attr-defined]
                if entries > MAX_ENTRIES:
                    raise _refuse(name, m.name, f"more than {MAX_ENTRIES} entries")
                rel = _check_name(name, m.name)
                if not rel:
                    continue
                out = dest / rel
                if m.isdir():
                    out.mkdir(parents=True, exist_ok=True)
                elif m.issym() or m.islnk():
                    if not _link_target_ok(rel, m.linkname, m.islnk()):
                        raise _refuse(name, m.name, f"link to {m.linkname!r} points outside the archive")
                    # Links inside the archive are not needed to read a must-gather: skip them.
                elif m.isdev():           # character or block device, or FIFO
                    raise _refuse(name, m.name, "device file or FIFO")
                elif m.isfile():
                    refused = budget.refusal(name, m.name, total, m.size)
                    if refused:
                        raise refused
                    total = _copy(name, tf, m, out, total, counter)
                    _stamp(out, m.mtime)      # a bundle is judged as of when it was gathered: keep the times
                # other types (e.g. GNU sparse headers) carry nothing we read
    except MigError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except _HeaderBomb as e:
        shutil.rmtree(dest, ignore_errors=True)
        raise MigError(f"must-gather {name}: refusing the archive after entry {entries}: {e}") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        shutil.rmtree(dest, ignore_errors=True)
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise MigError(f"must-gather {name}: not a readable tar archive ({why})") from None
    if entries == 0:
        shutil.rmtree(dest, ignore_errors=True)
        raise MigError(f"must-gather {name}: the archive is empty")
    budget.spent += total
    return None


def _extract_zip(archive: Path, dest: Path, name: str, budget: Budget) -> int:
    """The same checks for a zip: names, links (by their Unix mode), special files, size and ratio; the
    bytes written."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if not infos:
                raise MigError(f"must-gather {name}: the archive is empty")
            if len(infos) > MAX_ENTRIES:
                raise _refuse(name, infos[MAX_ENTRIES].filename, f"more than {MAX_ENTRIES} entries")
            total = packed = 0
            for i in infos:
                rel = _check_name(name, i.filename)
                mode = (i.external_attr >> 16) & 0o170000
                if mode == 0o120000:       # its target is its content: read no more than a path can be
                    if i.file_size > 4096:
                        raise _refuse(name, i.filename, f"a link whose target has {i.file_size} bytes")
                    with zf.open(i) as f:
                        target = f.read(4097).decode("utf-8", "replace")
                    if not _link_target_ok(rel, target, False):
                        raise _refuse(name, i.filename, f"link to {target!r} points outside the archive")
                    continue
                if mode and mode not in (0o100000, 0o040000):
                    raise _refuse(name, i.filename, "device file or FIFO")
                if not rel:
                    continue
                out = dest / rel
                if i.is_dir():
                    out.mkdir(parents=True, exist_ok=True)
                    continue
                refused = budget.refusal(name, i.filename, total, i.file_size)
                if refused:
                    raise refused
                packed += i.compress_size
                total = _copy_zip(name, zf, i, out, total, packed)
                _stamp(out, _zip_time(i))
            return total
    except MigError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as e:
        shutil.rmtree(dest, ignore_errors=True)
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise MigError(f"must-gather {name}: not a readable zip archive ({why})") from None


def _stamp(path: Path, mtime) -> None:
    try:
        if mtime:
            os.utime(path, (float(mtime), float(mtime)))
    except (OSError, ValueError, OverflowError):
        pass


def _zip_time(i: zipfile.ZipInfo) -> float | None:
    try:
        return time.mktime(i.date_time + (0, 0, -1))
    except (OverflowError, ValueError):
        return None


def _copy_zip(name: str, zf: zipfile.ZipFile, i: zipfile.ZipInfo, out: Path, total: int, packed: int) -> int:
    with zf.open(i) as src:
        return _write(name, i.filename, src, out, total, lambda: packed)


def _write(archive, member: str, src, out: Path, total: int, packed) -> int:
    """Stream one member to `out`, refusing a compression ratio over MAX_RATIO (packed(): bytes read
    of the archive so far); a write that fails (a full disk) is one MigError naming the archive."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        f = open(out, "wb")
    except OSError as e:
        raise MigError(f"must-gather {archive}: cannot extract into {out.parent}: {e.strerror or e}") from None
    with f:
        while True:
            data = src.read(_CHUNK)
            if not data:
                return total
            total += len(data)
            try:
                f.write(data)
            except OSError as e:
                raise MigError(f"must-gather {archive}: cannot extract into {out.parent}: {e.strerror or e}") \
                    from None
            if total > RATIO_FLOOR and total > MAX_RATIO * max(packed(), 1):
                raise _refuse(archive, member, f"compression ratio over {MAX_RATIO}:1 (a decompression bomb?)")


def extract_to_temp(archive: Path, shown: str | None = None, budget: Budget | None = None) -> Path:
    """Extract into a private temporary directory removed when the process exits."""
    tmp = Path(tempfile.mkdtemp(prefix="mig-mustgather-"))
    atexit.register(shutil.rmtree, tmp, True)
    extract(archive, tmp, shown, budget)
    return tmp


ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".zip")


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)
