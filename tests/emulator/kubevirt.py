"""KubeVirt's `start` and `stop` subresources of a VirtualMachine (subresources.kubevirt.io/v1), as virt-api
answers them (kubevirt/kubevirt pkg/virt-api/rest/lifecycle.go StartVMRequestHandler / StopVMRequestHandler,
getRunningPatch, getChangeRequestJson; api core/v1 types.go VirtualMachine.RunStrategy). Only what mig-controller's
quiesce and unquiesce use (MTC 1.8 quiesce.go): no VirtualMachineInstance is created, no virt-controller runs; a
VM counts as running while a pod owned by its VirtualMachineInstance (same name) is neither finished nor being
deleted, as mig-controller's isVMActive judges it."""

from __future__ import annotations

GROUP, VERSION = "subresources.kubevirt.io", "v1"
VM_KEY = ("kubevirt.io", "v1", "virtualmachines")
ACTIONS = ("start", "stop")


class Refused(Exception):
    def __init__(self, code: int, reason: str, message: str):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def run_strategy(vm: dict) -> str:
    """types.go RunStrategy(): spec.running true -> Always, false -> Halted; else spec.runStrategy; else Halted."""
    spec = vm.get("spec") or {}
    if spec.get("running") is not None and spec.get("runStrategy") is not None:
        raise Refused(500, "InternalError", "running and runstrategy are mutually exclusive")
    if spec.get("running") is not None:
        return "Always" if spec["running"] else "Halted"
    return spec.get("runStrategy") or "Halted"


def _running_patch(vm: dict, running: bool) -> None:
    """getRunningPatch: spec.runStrategy Always/Halted when the VM has one, else spec.running."""
    spec = vm.setdefault("spec", {})
    if spec.get("runStrategy") is not None:
        spec["runStrategy"] = "Always" if running else "Halted"
    else:
        spec["running"] = running


def _change_request(vm: dict, action: str) -> None:
    """getChangeRequestJson for one request: added when none is pending; a stop replaces them; else refused."""
    status = vm.setdefault("status", {})
    pending = status.get("stateChangeRequests") or []
    if pending and action != "Stop":
        raise Refused(409, "Conflict", "unable to complete request: stop/start already underway")
    status["stateChangeRequests"] = [{"action": action}]
    status.pop("startFailure", None)


def _conflict(name: str, why: str) -> Refused:
    return Refused(409, "Conflict", f'Operation cannot be fulfilled on virtualmachine.kubevirt.io "{name}": {why}')


def apply(vm: dict, action: str, vmi_running: bool) -> dict:
    """The VM after `action`, or Refused with virt-api's answer. `vm` is changed in place and returned."""
    name = (vm.get("metadata") or {}).get("name", "")
    rs = run_strategy(vm)
    if action == "start":
        if vmi_running:
            raise _conflict(name, "VM is already running")
        if rs == "Halted":
            _running_patch(vm, True)
        elif rs in ("Manual", "RerunOnFailure"):
            _change_request(vm, "Start")
        else:                                       # Always, Once
            raise _conflict(name, f"{rs} does not support manual start requests")
        return vm
    if rs in ("Always", "Once"):
        _running_patch(vm, False)
    elif not vmi_running:                           # Halted, Manual, RerunOnFailure
        raise _conflict(name, "VMI is not running")
    elif rs == "Halted":
        raise _conflict(name, "Halted only supports manual stop requests with a shorter graceperiod")
    else:
        _change_request(vm, "Stop")
    return vm


def vmi_running(pods: list[dict], name: str) -> bool:
    for p in pods:
        md = p.get("metadata") or {}
        if md.get("deletionTimestamp") or (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        if any(r.get("kind") == "VirtualMachineInstance" and r.get("name") == name for r in md.get("ownerReferences") or []):
            return True
    return False
