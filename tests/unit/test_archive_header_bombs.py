"""Archive bombs hidden where the entry-by-entry checks never look: tarfile reads an extended header
(a GNU long name, a pax header, a GNU sparse map) whole into memory, and recurses once per chained
header, before it hands over the entry; zipfile reads a symlink's target whole. Each is refused with
one line naming the archive, in bounded memory (a 4 MB tarball used to take 3 GB and 3 minutes, then
fail with `unexpected IndexError`; a 3 MB zip took 21 GB)."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from lib.errors import MigError
from lib.mustgather import extract as ex


def _header(name: str, kind: bytes, size: int, fmt=tarfile.USTAR_FORMAT) -> bytearray:
    ti = tarfile.TarInfo(name)
    ti.type, ti.size = kind, size
    return bytearray(ti.tobuf(format=fmt))


def _checksum(block: bytearray) -> bytes:
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block[:512])
    return bytes(block)


def _gz(path: Path, *parts: bytes) -> Path:
    with gzip.open(path, "wb", compresslevel=1) as g:
        for p in parts:
            g.write(p)
        g.write(b"\0" * 1024)
    return path


def _refused(path: Path, why: str, tmp_path: Path) -> str:
    dest = tmp_path / f"out-{path.name}"
    dest.mkdir()
    with pytest.raises(MigError) as e:
        ex.extract(path, dest, "case.tgz")
    assert e.value.message.startswith("must-gather case.tgz: ") and why in e.value.message, e.value.message
    assert not dest.exists() or not any(dest.iterdir())
    return e.value.message


def test_a_long_name_header_larger_than_any_path_is_refused(tmp_path):
    size = ex.MAX_HEADER * 8
    archive = _gz(tmp_path / "a.tgz", bytes(_header("././@LongLink", tarfile.GNUTYPE_LONGNAME, size)), b"a" * size)
    _refused(archive, f"an extended header of {size} bytes", tmp_path)


def test_chained_extended_headers_are_refused_not_a_recursion_error(tmp_path):
    one = bytes(_header("././@LongLink", tarfile.GNUTYPE_LONGNAME, 10)) + b"mg/x.yaml\0".ljust(512, b"\0")
    pax = bytes(_header("././@PaxHeader", tarfile.XHDTYPE, 512)) + b"13 path=mg/y\n".ljust(512, b"\0")
    archive = _gz(tmp_path / "a.tgz", one * 3000, bytes(_header("mg/x.yaml", tarfile.REGTYPE, 0)))
    _refused(archive, f"more than {ex.MAX_CHAIN} extended headers", tmp_path)
    archive = _gz(tmp_path / "b.tgz", pax * 3000, bytes(_header("mg/x.yaml", tarfile.REGTYPE, 0)))
    _refused(archive, f"more than {ex.MAX_CHAIN} extended headers", tmp_path)


def _sparse(blocks: int) -> bytes:
    head = _header("mg/s.log", tarfile.GNUTYPE_SPARSE, 0, tarfile.GNU_FORMAT)
    head[482] = 1                                   # the map goes on in extension blocks
    ext = bytearray(512)
    for i in range(21):
        ext[i * 24:i * 24 + 24] = b"%011o\0%011o\0" % (i + 1, 1)
    ext[504] = 1                                    # ... and on
    return _checksum(head) + bytes(ext) * blocks


def test_a_sparse_map_without_end_is_refused(tmp_path):
    _refused(_gz(tmp_path / "a.tgz", _sparse(3000)), "a sparse map over", tmp_path)
    with gzip.open(tmp_path / "b.tgz", "wb") as g:    # cut inside the map: not an IndexError
        g.write(_sparse(2))
    _refused(tmp_path / "b.tgz", "not a readable tar archive (truncated sparse header)", tmp_path)


def test_real_long_names_and_sparse_files_still_extract(tmp_path):
    buf = io.BytesIO()
    long = "mg/" + "d" * 150 + "/" + "f" * 200 + ".yaml"
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tf:
        ti = tarfile.TarInfo(long)
        ti.size = 3
        ti.pax_headers = {"comment": "x" * 2000}
        tf.addfile(ti, io.BytesIO(b"ok\n"))
    (tmp_path / "a.tgz").write_bytes(buf.getvalue())
    dest = tmp_path / "out"
    dest.mkdir()
    ex.extract(tmp_path / "a.tgz", dest)
    assert (dest / long).read_text() == "ok\n"


def test_a_zip_symlink_whose_target_is_a_bomb_is_refused_unread(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zi = zipfile.ZipInfo("mg/link")
        zi.external_attr = (stat.S_IFLNK | 0o777) << 16
        zi.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(zi, b"a" * (64 << 10))
    _refused(tmp_path / "a.zip", "a link whose target has 65536 bytes", tmp_path)


def _tgz(entries: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in entries:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def test_nested_archives_share_one_byte_budget(tmp_path, monkeypatch):
    """MIG_TOOLS_MAX_EXTRACT_BYTES bounds the bundle, not each archive: archives nested three deep, each
    under the limit, must not together expand past it."""
    from lib.mustgather.unpack import materialize

    monkeypatch.setattr(ex, "MAX_BYTES", 1_000_000)
    inner = _tgz([("mg/b.log", b"b" * 600_000)])
    outer = _tgz([("mg/a.log", b"a" * 600_000), ("mg/inner.tar.gz", inner)])
    (tmp_path / "bundle.tar.gz").write_bytes(outer)
    with pytest.raises(MigError, match="the bundle's archives expand past 1,000,000 bytes together"):
        materialize(tmp_path / "bundle.tar.gz", "bundle.tar.gz")
    alone = tmp_path / "alone.tar.gz"
    alone.write_bytes(inner)
    assert materialize(alone, "alone.tar.gz")               # each alone is within the limit


def test_a_fifo_given_as_the_archive_is_refused_not_waited_on(tmp_path):
    """`mig-gather --redact <FIFO>` waited for ever: every caller of extract() meets the check."""
    import os

    from tests.unit.fakes import alarm

    fifo = tmp_path / "bundle.tar.gz"
    os.mkfifo(fifo)
    with alarm(10, TimeoutError("blocked on the FIFO")), pytest.raises(MigError, match="not a regular file"):
        ex.extract_to_temp(fifo, "bundle.tar.gz")
