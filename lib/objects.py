"""Small readers for unstructured Kubernetes objects (plain dicts), in the manner of kr8s."""


import datetime as _dt
from collections.abc import Iterable
from typing import Any, List, Optional, Tuple

UTC = _dt.timezone.utc


def as_map(x: Any) -> dict:
    """x if it is a mapping, else {}: an odd object (a string where a map belongs) reads as empty."""
    return x if isinstance(x, dict) else {}


def _s(x: Any) -> str:
    return x if isinstance(x, str) else ("" if x is None else str(x))


def meta(o: dict) -> dict:
    return as_map(as_map(o).get("metadata"))


def name(o: dict) -> str:
    return _s(meta(o).get("name"))


def namespace(o: dict) -> str:
    return _s(meta(o).get("namespace"))


def uid(o: dict) -> str:
    return _s(meta(o).get("uid"))


def labels(o: dict) -> dict:
    """metadata.labels, their values text as the API server sends them: a number is its text, a value of
    another type (a list, a map: no label) is left out."""
    lb = as_map(meta(o).get("labels"))
    if all(isinstance(v, str) for v in lb.values()):
        return lb
    return {k: v if isinstance(v, str) else str(v) for k, v in lb.items()
            if isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool))}


def annotations(o: dict) -> dict:
    return as_map(meta(o).get("annotations"))


def spec(o: dict) -> dict:
    return as_map(as_map(o).get("spec"))


def status(o: dict) -> dict:
    return as_map(as_map(o).get("status"))


def phase(o: dict) -> str:
    return _s(status(o).get("phase"))


def dig(o: Any, *path, default=None):
    """o[path[0]][path[1]]... or default when any step is missing."""
    for p in path:
        if isinstance(o, dict):
            o = o.get(p)
        elif isinstance(o, list) and isinstance(p, int) and -len(o) <= p < len(o):
            o = o[p]
        else:
            return default
        if o is None:
            return default
    return o


def conditions(o: dict) -> list:
    c = status(o).get("conditions")      # a condition is a map whose type, if any, is text
    return [x for x in c if isinstance(x, dict) and isinstance(x.get("type"), (str, type(None)))] \
        if isinstance(c, list) else []


def condition(o: dict, ctype: str) -> Optional[dict]:
    for c in conditions(o):
        if c.get("type") == ctype:
            return c
    return None


# The conditions mig-controller sets when a migration ends (pkg/apis/migration/v1alpha1/migmigration_types.go),
# in the order they decide its outcome: a canceled MigMigration also carries Succeeded (mig-controller's Completed
# phase sets it when no step failed: migrate.go), so Failed and Canceled come first.
TERMINAL = ("Failed", "Canceled", "SucceededWithWarnings", "Succeeded")


def is_true(c: Optional[dict]) -> bool:
    """A condition in force: MTC's conditions carry status "True" (an absent status counts as true)."""
    return c is not None and str(c.get("status", "True")) == "True"


def has_condition(o: dict, ctype: str) -> bool:
    return is_true(condition(o, ctype))


def ref_name(o: Optional[dict], field: str) -> str:
    """The name of an object reference in spec (spec.<field>.name), or "" (also when the field is odd)."""
    return _s(as_map(spec(o or {}).get(field)).get("name"))


def is_host_cluster(migcluster: Optional[dict]) -> bool:
    """A MigCluster marked as the host (spec.isHostCluster true; a string "false" is not)."""
    return spec(migcluster or {}).get("isHostCluster") is True


def outcome(mig: Optional[dict]) -> str:
    """The condition that decides how a migration ended (TERMINAL's order), '' while it has none. Succeeded with a
    Warn condition in force is SucceededWithWarnings: CAM 1.2/1.3 set Succeeded whatever Warn conditions it had
    set (ResticErrors, ResticVerifyErrors, StageNoOp: [MC] release-1.2.5/1.3.2 pkg/controller/migmigration/migrate.go),
    and mig-ui shows such a migration "Completed with warnings" ([UI] release-1.2.5 src/app/plan/duck/selectors.ts
    getMigrationStatus); MTC 1.4+ sets SucceededWithWarnings itself, and Succeeded only when no Warn condition is
    left (release-1.4.7 ... release-1.8 migrate.go)."""
    found = next((t for t in TERMINAL if has_condition(mig or {}, t)), "")
    if found == "Succeeded" and any(c.get("category") == "Warn" and is_true(c) for c in conditions(mig or {})):
        return "SucceededWithWarnings"
    return found


def completed_ok(mig: Optional[dict]) -> bool:
    """MTC completed the migration and says it succeeded (with warnings or not): not a canceled one, though the
    Completed phase gives it Succeeded too (migrate.go)."""
    return phase(mig or {}) == "Completed" and succeeded(mig)


def succeeded(mig: Optional[dict]) -> bool:
    """MTC says it completed: Succeeded or SucceededWithWarnings, and neither Failed nor Canceled."""
    return outcome(mig) in ("Succeeded", "SucceededWithWarnings")


def plan_name(mig: Optional[dict]) -> str:
    """The MigPlan a MigMigration runs (spec.migPlanRef.name), or ""."""
    return ref_name(mig, "migPlanRef")


def plan_closed(plan: Optional[dict]) -> bool:
    """A MigPlan closed by its user (spec.closed, or the controller's Closed condition): mig-controller then takes
    its Ready condition away for good and validates it no more ([MC] pkg/controller/migplan/migplan_controller.go
    handleClosed/ensureClosed, Closed is Advisory), and mig-ui shows it "Closed", not "Not Ready" ([UI]
    src/app/home/pages/PlansPage/helpers.ts getPlanStatusText)."""
    return spec(plan or {}).get("closed") is True or has_condition(plan or {}, "Closed")


def plan_hooks(plan: Optional[dict]) -> List[dict]:
    """A MigPlan's spec.hooks entries (phase, reference, executionNamespace, serviceAccount), each a map
    with a map `reference`: an odd entry is left out."""
    return [h for h in items(spec(plan or {}).get("hooks")) if isinstance(h, dict)
            and isinstance(h.get("reference") or {}, dict)]


def number(x: Any) -> int:
    """A count as an int: 0 when absent or not a number (an odd field reads as none)."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    try:
        return int(float(x)) if isinstance(x, (float, str)) else 0
    except (ValueError, OverflowError):
        return 0


def items(x: Any) -> list:
    """x if it is a list, else []: an odd field (a string where a list belongs) reads as empty."""
    return x if isinstance(x, list) else []


def maps(x: Any) -> List[dict]:
    """The entries of a list of maps that are maps: an odd field or entry reads as empty."""
    return [i for i in items(x) if isinstance(i, dict)]


def parse_time(value: Any) -> Optional[_dt.datetime]:
    """An RFC3339 timestamp (or epoch seconds) as an aware datetime; None when absent or unparsable."""
    if value in (None, "") or isinstance(value, bool):       # true is no time (not 1970-01-01T00:00:01Z)
        return None
    if isinstance(value, (int, float)):
        try:
            return _dt.datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):     # 1e300, NaN: no time
            return None
    s = str(value).strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    if "." in s:  # Python 3.9 fromisoformat takes at most 6 fraction digits
        head, _, rest = s.partition(".")
        frac = "".join(ch for ch in rest if ch.isdigit())
        tz = rest[len(frac):]
        s = f"{head}.{frac[:6].ljust(6, '0')}{tz}"
    try:
        t = _dt.datetime.fromisoformat(s)
        t = t if t.tzinfo else t.replace(tzinfo=UTC)
        t.astimezone(UTC)       # 0001-01-01T00:00:00+14:00, 9999-12-31T23:59:59-01:00: no UTC time
    except (ValueError, OverflowError):
        return None
    return t


def created(o: dict) -> Optional[_dt.datetime]:
    return parse_time(meta(o).get("creationTimestamp"))


def namespace_pairs(plan: Optional[dict]) -> List[Tuple[str, str]]:
    """(source, destination) namespaces of a MigPlan: its entries are `ns` or `src:dest`."""
    out = []
    for entry in items(spec(plan or {}).get("namespaces")):
        s, _, d = str(entry).partition(":")
        out.append((s, d or s))
    return out


def now() -> _dt.datetime:
    return _dt.datetime.now(UTC)


def format_time(t: Optional[_dt.datetime]) -> str:
    """RFC3339 UTC; the year always four digits (strftime's %Y writes year 1 as "1", which sorts after "2021")."""
    if not t:
        return ""
    u = t.astimezone(UTC)
    return f"{u.year:04d}-{u:%m-%dT%H:%M:%S}Z"


def now_stamp() -> str:
    return format_time(now())


def human_duration(seconds: Optional[float]) -> str:
    """kubectl's short duration form: 45s, 6m42s, 3h4m, 2d3h, 45d, 3y20d."""
    if seconds is None:
        return "<unknown>"
    s = int(max(seconds, 0))
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    d = h // 24
    if d < 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    if d < 365 * 2:
        return f"{d}d"
    y = d // 365
    if y < 8 and d % 365:
        return f"{y}y{d % 365}d"
    return f"{y}y"


def age(o: dict, at: Optional[_dt.datetime] = None) -> str:
    t = created(o)
    if t is None:
        return "<unknown>"
    return human_duration(((at or now()) - t).total_seconds())


def label_selector(match: dict) -> str:
    """k=v,k2=v2 from a dict."""
    return ",".join(f"{k}={v}" for k, v in match.items())


def in_selector(key: str, values: Iterable[str]) -> str:
    vals = sorted(set(v for v in values if v))
    return f"{key} in ({','.join(vals)})"
