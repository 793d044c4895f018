"""Carry out a plan step by step; after a failed step, recover what matters."""
from vdsm_hook_vmfex.common.errors import LibvirtFailure
from vdsm_hook_vmfex.host.virt import change_network
from vdsm_hook_vmfex.pool.plan import STEP_DONE, Plan, Refused, refusal


def apply_plan(conn, plan: Plan, force: bool = False) -> None:
    """Run the plan's steps in order; Refused, changing nothing, if running
    domains use the network or it is not a passthrough network, unless `force`."""
    reason = refusal(plan, force)
    if reason:
        raise Refused(reason)
    done = []
    for step in plan.steps:
        try:
            change_network(conn, plan.name, step, plan.xml if step == "define" else None)
        except LibvirtFailure as err:
            raise LibvirtFailure("%s%s" % (err, _recover(conn, plan, done))) from None
        done.append(step)


def _recover(conn, plan: Plan, done: "list") -> str:
    """After a failed step: restart a network we stopped, and say what was done."""
    if not done:
        return "; nothing was changed"
    text = "; already done: %s" % ", ".join(STEP_DONE[s] for s in done)
    if "destroy" not in done or "start" in done or "undefine" in plan.steps:
        return text
    # A network left stopped fails every VM start on this host: bring it back
    # with whatever definition libvirt now holds.
    try:
        change_network(conn, plan.name, "start")
    except LibvirtFailure as err:
        return text + "; the network is stopped (%s)" % err
    return text + "; started the network again with its current definition"
