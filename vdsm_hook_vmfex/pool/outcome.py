"""What `define` and `remove` did, or would do with --dry-run: one record,
said as JSON for scripts (docs/json-host.md) or as lines for people.

Pure: a plan and what became of it in, a dict or text out.
"""
from vdsm_hook_vmfex.host.netxml import FORWARD_MODE
from vdsm_hook_vmfex.pool.plan import STEP_DONE, STEP_TODO, Plan

# `action` values: what became (or would become) of the network.
DEFINED = "defined"        # it did not exist
REDEFINED = "redefined"    # its definition changed
REPAIRED = "repaired"      # same definition: started and/or autostart set
REMOVED = "removed"
UNCHANGED = "unchanged"    # already as asked (remove: there was none)
REFUSED = "refused"


def describe_steps(steps: "list", names: dict) -> str:
    return ", ".join(names[step] for step in steps)


class Outcome(object):
    """A plan, whether it ran (`dry_run` False) or was `refused` (a reason),
    and the warnings the run gave."""

    def __init__(self, command: str, plan: Plan, dry_run: bool, force: bool,
                 refused: "str | None", warnings: "list") -> None:
        self.command = command
        self.plan = plan
        self.dry_run = dry_run
        self.force = force
        self.refused = refused
        self.warnings = warnings

    @property
    def changed(self) -> bool:
        """The network was changed, or would be (dry run)."""
        return bool(self.plan.steps) and self.refused is None

    @property
    def action(self) -> str:
        plan = self.plan
        if self.refused is not None:
            return REFUSED
        if not plan.steps:
            return UNCHANGED
        if plan.action == "remove":
            return REMOVED
        if plan.current is None:
            return DEFINED
        return REDEFINED if "define" in plan.steps else REPAIRED

    def devices(self) -> "list":
        """define: the devices asked for; remove: those the definition held."""
        plan = self.plan
        if plan.action == "change":
            return list(plan.devices)
        if plan.current is None:
            return []
        return list(plan.current.config.devices)

    def as_dict(self) -> dict:
        plan = self.plan
        return {
            "command": self.command,
            "network": plan.name,
            "dry_run": self.dry_run,
            "force": self.force,
            "changed": self.changed,
            "action": self.action,
            "steps": list(plan.steps),
            "devices": self.devices(),
            "xml": plan.xml if plan.action == "change" else None,
            "refused": self.refused,
            "users": [nic.as_dict() for nic in plan.users],
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """The line for stdout after a run that went ahead."""
        plan = self.plan
        if plan.action == "remove":
            if not plan.steps:
                return "%s: not defined, nothing to remove" % plan.name
            return "%s: %s" % (plan.name, describe_steps(plan.steps, STEP_DONE))
        done = describe_steps(plan.steps, STEP_DONE) if plan.steps else UNCHANGED
        return "%s: %s (%s over %s)" % (plan.name, done, FORWARD_MODE, " ".join(plan.devices))

    def dry_run_line(self) -> str:
        """The line for stderr after a dry run that would go ahead."""
        plan = self.plan
        if not plan.steps:
            nothing = ("is unchanged" if plan.action == "change"
                       else "is not defined; nothing to remove")
            return "dry run: network %r %s" % (plan.name, nothing)
        return "dry run: would %s on network %r" % (describe_steps(plan.steps, STEP_TODO),
                                                   plan.name)
