"""`mig-gather --redact PATH`: a scrubbed copy of a bundle gathered elsewhere (ours, the MTC must-gather
image's, `oc adm inspect`'s; a directory, tarball or zip, nested or not), with the rules and
placeholders of a live gather.

The input is read through the same checked extraction as `--must-gather`; every archive inside
it is written back as a directory of the same name without its suffix (readers find it there).
Object files (YAML, JSON) go through `Redactor.obj` first, so every secret a Secret or a token
field holds is known before the logs and text files are scrubbed with it; a file that does not
parse is scrubbed as text. Binary files (pprof payloads, images) cannot be scrubbed and are
left out, each named in the report. The copy is written under a temporary name and renamed when
complete, then archived; the mapping placeholder -> value stays on this machine.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import objects as o
from ..errors import MigError
from ..mustgather import layout
from ..mustgather.extract import ARCHIVE_SUFFIXES, Budget, extract_to_temp, is_archive_name
from ..redact import EMBEDDED_SECRET, Redactor, StreamRedactor
from . import mapping as redaction_map
from . import write

REPORT = "mig-tools-redaction.json"
OBJECT_SUFFIXES = (".yaml", ".yml", ".json")
_CHUNK = 1 << 20
_MAX_NESTING = 4
# What an object file holds that the text rules cannot scrub (redact.EMBEDDED_SECRET)
_UNSCRUBBABLE = EMBEDDED_SECRET


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class Plan:
    objects: list = field(default_factory=list)     # (source file, relative path out)
    texts: list = field(default_factory=list)
    left_out: list = field(default_factory=list)    # relative paths of binary files
    unparsed: list = field(default_factory=list)    # object files that hold a Secret and do not parse
    archives: list = field(default_factory=list)    # relative paths of archives expanded
    budget: Budget = field(default_factory=Budget)  # bytes all of them may expand to, together


def bundle_name(path: Path) -> str:
    name = path.name
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or "bundle"
    return name


def _binary(path: Path) -> bool:
    with open(path, "rb") as f:
        return b"\0" in f.read(8192)


def _walk(top: Path, rel: Path, shown: str, plan: Plan, depth: int) -> None:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        d = Path(dirpath)
        for fn in sorted(filenames):
            p = d / fn
            out = rel / p.relative_to(top)
            if p.is_symlink():
                continue
            if layout.check_file(top, p, None):       # a FIFO or device: never opened, left out
                plan.left_out.append(out.as_posix())
                continue
            if is_archive_name(fn) and depth < _MAX_NESTING:
                inner = f"{shown}:{p.relative_to(top).as_posix()}"
                plan.archives.append(out.as_posix())
                _walk(extract_to_temp(p, inner, plan.budget), out.with_name(bundle_name(out)), inner, plan, depth + 1)
            elif _binary(p):
                plan.left_out.append(out.as_posix())
            elif fn.endswith(OBJECT_SUFFIXES) and p.stat().st_size <= layout.MAX_OBJECT_FILE:
                plan.objects.append((p, out))
            elif fn.endswith(OBJECT_SUFFIXES) and _holds_secret(p):      # too large to be read as objects
                plan.unparsed.append(out.as_posix())
            else:
                plan.texts.append((p, out))


def _holds_secret(path: Path) -> bool:
    """Whether a file holds what only object-wise redaction scrubs (_UNSCRUBBABLE), read in chunks."""
    tail = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                return False
            if _UNSCRUBBABLE.search(tail + chunk):
                return True
            tail = chunk[-64:]


def _docs(src: Path) -> list | None:
    """The documents of a YAML or JSON file; None when it does not parse or is built to hurt its
    reader (nested too deep, aliases: see mustgather.layout), then it is scrubbed as text."""
    try:
        raw = src.read_bytes()
        if src.suffix == ".json":
            return [json.loads(raw)]
        layout.vet(raw)
        return list(yaml.load_all(raw, Loader=layout.Loader))
    except (ValueError, yaml.YAMLError, UnicodeDecodeError, RecursionError, OSError):
        return None


def _learn(r: Redactor, src: Path) -> None:
    """Remember the secrets of a file's objects before anything is written (a Secret listed after the
    ConfigMap that repeats its value)."""
    for d in _docs(src) or []:
        for x in (d["items"] if isinstance(d, dict) and isinstance(d.get("items"), list) else [d]):
            r.learn(x)


def _object_file(r: Redactor, src: Path, dest: Path) -> bool:
    """Scrub one YAML or JSON file object by object; False when it does not parse (then it is text)."""
    docs = _docs(src)
    if docs is None:
        return False
    out = []
    for d in docs:
        if isinstance(d, dict) and isinstance(d.get("items"), list):      # a List: each item is an object
            head = r.obj({k: v for k, v in d.items() if k != "items"})
            out.append({**head, "items": [r.obj(i) for i in d["items"]]})
        else:
            out.append(r.obj(d))
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "w") as f:
        if src.suffix == ".json":
            json.dump(out[0], f, indent=2)
            f.write("\n")
        else:
            yaml.dump_all(out, f, Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True)
    return True


def _text_file(r: Redactor, src: Path, dest: Path) -> None:
    sr = StreamRedactor(r)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        while True:
            chunk = fin.read(_CHUNK)
            if not chunk:
                break
            fout.write(sr.feed(chunk))
        fout.write(sr.close())


def redact_bundle(path: str, dest_dir: str, mapping: str | None = None, archive: bool = True,
                  out=None, err=None) -> int:
    """Write `<dest_dir>/<name>.redacted/` (and `.tar.gz`); print their paths; keep the mapping."""
    out, err = out or sys.stdout, err or sys.stderr
    src = Path(path).expanduser()
    if not src.exists():
        raise MigError(f"--redact {path}: no such file or directory")
    dest = Path(dest_dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MigError(f"--dest-dir {dest}: {e.strerror or e}") from None
    r = Redactor()
    known = redaction_map.load(r, mapping)
    if known is not None:
        err.write(f"redaction mapping {mapping}: {known} known values keep their placeholders\n")
    name = f"{bundle_name(src)}.redacted"
    final = dest / name
    if final.exists():
        raise MigError(f"--redact: {final} already exists (remove it or choose another --dest-dir)")
    plan = Plan()
    top = src if src.is_dir() else extract_to_temp(src, path, plan.budget)
    _walk(top, Path(src.name if src.is_dir() else ""), path, plan, 0)     # an archive brings its own top
    if not plan.objects and not plan.texts:
        raise MigError(f"--redact {path}: no files to scrub")
    partial = dest / f".{name}.partial-{os.getpid()}"
    try:
        for f, _ in plan.objects:
            _learn(r, f)
        r.prepare()
        for f, rel in plan.objects:
            if _object_file(r, f, partial / rel):
                continue
            # It does not parse (or is built to hurt its reader): scrubbed as text, unless it holds a
            # Secret's data or binaryData, which the text rules cannot tell from other values. Then it is
            # left out: a secret never leaves unredacted, whatever the file's use as evidence.
            if _holds_secret(f):
                plan.unparsed.append(rel.as_posix())
            else:
                plan.texts.append((f, rel))
        for f, rel in plan.texts:
            _text_file(r, f, partial / rel)
        report = {"apiVersion": "mig-tools/v1", "kind": "Redaction", "source": src.name,
                  "redactedAt": o.now_stamp(),
                  "redaction": r.summary(), "files": len(plan.objects) + len(plan.texts),
                  "archivesExpanded": plan.archives, "leftOut": plan.left_out,
                  "leftOutUnparsed": plan.unparsed}
        partial.mkdir(parents=True, exist_ok=True)      # every file may have been left out
        _mark_index(partial, r)
        (partial / REPORT).write_text(json.dumps(report, indent=2) + "\n")
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    rules = ", ".join(f"{k} {v}" for k, v in r.summary()["rules"].items()) or "nothing found"
    err.write(f"redacted: {rules}; {len(plan.left_out)} binary files left out\n")
    for lo in plan.left_out[:10]:
        err.write(f"left out (binary, cannot be scrubbed): {lo}\n")
    for lo in plan.unparsed[:10]:
        err.write(f"left out (holds a Secret or binaryData and does not parse as objects, cannot be scrubbed): {lo}\n")
    code = 0 if redaction_map.keep(r, mapping, name, err) else 1      # kept even if the archive fails
    tarball = write.archive(final, dest, f"{name}.tar.gz") if archive else None
    out.write(f"{final}\n")
    if tarball:
        out.write(f"{tarball}\n")
    return code


def _mark_index(root: Path, r: Redactor) -> None:
    """Our bundles: gather.json's redaction summary is the one of this scrub."""
    for idx in root.glob("*/gather.json"):
        try:
            data = json.loads(idx.read_text())
        except ValueError:
            continue
        if isinstance(data, dict):
            data["redaction"] = r.summary()
            idx.write_text(json.dumps(data, indent=2) + "\n")
