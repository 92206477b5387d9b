"""Direct image migration (MTC 1.4+): a DirectImageMigration and the DirectImageStreamMigrations under it
that failed, with their errors. MTC does not fail the migration for them (mig-controller issue #790): it
ends SucceededWithWarnings, and the ImageStreams named here are missing on the target."""

from __future__ import annotations

from .. import mtc
from .. import objects as o
from .registry import Finding, check, ref


def _failed(obj: dict) -> bool:
    return o.phase(obj) == mtc.DVM_FAILED_PHASE or o.has_condition(obj, "Failed") or bool(o.status(obj).get("errors"))


@check("dim-failed", explains=(mtc.COND_DIM_FAILED,))
def direct_image(f):
    """DIMs and DISMs of the migration that failed: which ImageStreams, and why."""
    for dim in f.graph.dims_of(f.mig):
        disms = [d for d in f.graph.disms_of(dim) if _failed(d)]
        st = o.status(dim)
        if not (_failed(dim) or disms or st.get("failedISs")):
            continue
        ev = [f"DirectImageMigration {o.name(dim)}: phase {o.phase(dim) or '?'}"
              + (", condition Failed" if o.has_condition(dim, "Failed") else "")]
        ev += [f"status.errors: {e}" for e in o.items(st.get("errors"))]
        for item in o.maps(st.get("failedISs")):
            dism = o.dig(item, "directMigration", "name", default="")
            ev.append(f"ImageStream {item.get('namespace')}/{item.get('name')} failed"
                      + (f" (dism {dism})" if dism else "") + "".join(f": {e}" for e in o.items(item.get("errors"))))
        for d in disms:
            isref = o.spec(d).get("imageStreamRef")
            isref = isref if isinstance(isref, dict) else {}
            ev.append(f"DirectImageStreamMigration {o.name(d)} (ImageStream {isref.get('namespace')}/"
                      f"{isref.get('name')}): phase {o.phase(d) or '?'}"
                      + "".join(f"; {e}" for e in o.items(o.status(d).get("errors"))))
        mig_cond = o.condition(f.mig, mtc.COND_DIM_FAILED)
        if o.is_true(mig_cond):
            ev.append(f"MigMigration {o.name(f.mig)}: condition {mtc.COND_DIM_FAILED}: {(mig_cond or {}).get('message', '')}")
        yield Finding(id="dim-failed", severity="warning",
                      title=f"direct image migration {o.name(dim)} failed: ImageStreams were not copied to the target",
                      cluster="host", objects=[ref(dim)] + [ref(d) for d in disms], evidence=ev,
                      fix=[f"oc describe dim {o.name(dim)} -n {f.src.namespace}",
                           "Check the MigClusters' exposed registry paths (spec.exposedRegistryPath) and that the "
                           "migration service account token can pull from the source and push to the target registry",
                           f"oc mig-logs {o.name(f.mig)} --log-source controller --level error",
                           "Then run a new migration of the plan, or copy the images named above (oc image mirror)."])
