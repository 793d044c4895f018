"""Service profiles (lsServer) and dynamic vNIC connection policies
(vnicDynamicConPolicy) for the UCS Manager stand-in.

Attributes as ucsmsdk 0.9.27's class metadata names them
(mometa/ls/LsServer.py, mometa/vnic/VnicDynamicConPolicy.py). UCS Manager
resolves a service profile's dynamicConPolicyName in its org, then in each
parent org up to org-root, and shows the result's DN in the read-only
operDynamicConPolicyName (empty when nothing resolves).
"""
from collections import namedtuple

from lxml import etree

CLASSES = ("lsServer", "vnicDynamicConPolicy")

#: blade: the pnDn it is bound to ("" for none); policy: dynamicConPolicyName.
SimServiceProfile = namedtuple("SimServiceProfile",
                               "name uuid blade policy org assoc_state")
SimServiceProfile.__new__.__defaults__ = ("", "org-root", "associated")
#: dynamic_eth: "0".."256" or "off".
SimDynamicPolicy = namedtuple("SimDynamicPolicy", "name dynamic_eth org")
SimDynamicPolicy.__new__.__defaults__ = ("org-root",)


def _resolved(profile, policies):
    if not profile.policy:
        return ""
    org = profile.org
    while org:
        for policy in policies:
            if policy.org == org and policy.name == profile.policy:
                return "%s/dynamic-con-%s" % (org, policy.name)
        org = org.rpartition("/")[0] if "/" in org else ""
    return ""


def add_objects(configs, class_id, profiles, policies):
    """Append the class's objects (as UCS Manager lists them) to outConfigs."""
    if class_id == "vnicDynamicConPolicy":
        for policy in policies:
            etree.SubElement(
                configs, "vnicDynamicConPolicy",
                dn="%s/dynamic-con-%s" % (policy.org, policy.name),
                rn="dynamic-con-%s" % policy.name, name=policy.name,
                dynamicEth=str(policy.dynamic_eth), protection="protected",
                adaptorProfileName="Linux", descr="", policyOwner="local")
        return
    for profile in profiles:
        etree.SubElement(
            configs, "lsServer", dn="%s/ls-%s" % (profile.org, profile.name),
            rn="ls-%s" % profile.name, name=profile.name, type="instance",
            uuid=profile.uuid, uuidSuffix=profile.uuid[-17:] if len(profile.uuid) > 17 else "0",
            pnDn=profile.blade, assocState=profile.assoc_state if profile.blade
            else "unassociated", operState="ok" if profile.blade else "unassociated",
            dynamicConPolicyName=profile.policy,
            operDynamicConPolicyName=_resolved(profile, policies), descr="",
            policyOwner="local")
