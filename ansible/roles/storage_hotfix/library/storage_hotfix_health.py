#!/usr/bin/python3
# -*- coding: utf-8 -*-
# storage-hotfix: the storage services' state, and whether it is as before.
"""Ansible module storage_hotfix_health (see DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

import os

from ansible.module_utils.basic import AnsibleModule

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r"""
---
module: storage_hotfix_health
short_description: state of nvmet, NVMe controllers and nfsd, compared with a snapshot
description:
  - Reads the services the swapped modules carry, from the kernel's own
    files, and returns them as C(state)
    - nvmet (configfs) - subsystems, their namespaces' enable, ports with
      transport, address and the subsystems linked to them (a port with no
      subsystem linked is disabled);
    - NVMe controllers (/sys/class/nvme) - transport, subsystem NQN, state;
    - nfsd (/proc/fs/nfsd) - threads, and the exports (/proc/fs/nfs/exports).
  - With C(expect) (an earlier C(state)), C(healthy) says whether every
    subsystem, namespace and port is there as before, every controller that
    was live is live again (same transport and subsystem), and nfsd runs the
    same threads with the same exports; C(problems) names what differs.
    The module never fails on that: use C(until) and C(failed_when).
  - Changes nothing.
options:
  expect:
    description: An earlier C(state) to compare with.
    type: dict
  configfs:
    description: Where configfs is mounted.
    type: path
    default: /sys/kernel/config
  sysfs:
    description: Where sysfs is mounted.
    type: path
    default: /sys
  procfs:
    description: Where procfs is mounted.
    type: path
    default: /proc
"""

RETURN = r"""
state:
  description: nvmet, controllers and nfsd as read now.
  returned: always
  type: dict
healthy:
  description: With expect, true when nothing differs that matters.
  returned: always
  type: bool
problems:
  description: What differs from expect.
  returned: always
  type: list
"""


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def _ls(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def nvmet_state(cfs):
    """Subsystems (namespace enables) and ports of the nvmet configfs tree, or None."""
    root = os.path.join(cfs, "nvmet")
    if not os.path.isdir(root):
        return None
    subsystems = {}
    for nqn in _ls(os.path.join(root, "subsystems")):
        nsdir = os.path.join(root, "subsystems", nqn, "namespaces")
        subsystems[nqn] = {ns: _read(os.path.join(nsdir, ns, "enable")) for ns in _ls(nsdir)}
    ports = {}
    for port in _ls(os.path.join(root, "ports")):
        pdir = os.path.join(root, "ports", port)
        ports[port] = {
            "trtype": _read(os.path.join(pdir, "addr_trtype")),
            "traddr": _read(os.path.join(pdir, "addr_traddr")),
            "trsvcid": _read(os.path.join(pdir, "addr_trsvcid")),
            "subsystems": _ls(os.path.join(pdir, "subsystems")),
        }
    return {"subsystems": subsystems, "ports": ports}


def controllers_state(sysfs):
    """Every NVMe controller: name -> transport, subsystem NQN, state."""
    out = {}
    base = os.path.join(sysfs, "class", "nvme")
    for name in _ls(base):
        out[name] = {
            "transport": _read(os.path.join(base, name, "transport")),
            "subsysnqn": _read(os.path.join(base, name, "subsysnqn")),
            "state": _read(os.path.join(base, name, "state")),
        }
    return out


def nfsd_state(procfs):
    """nfsd's threads and exports, or None when nfsd's files are not there."""
    threads = _read(os.path.join(procfs, "fs", "nfsd", "threads"))
    if threads is None:
        return None
    exports = _read(os.path.join(procfs, "fs", "nfs", "exports")) or ""
    return {
        "threads": int(threads) if threads.isdigit() else threads,
        "exports": sorted(l for l in exports.splitlines() if l.strip() and not l.startswith("#")),
    }


def live_paths(ctrls):
    """Sorted "transport subsysnqn" of the live controllers (names change on reconnect)."""
    return sorted("%s %s" % (c["transport"], c["subsysnqn"]) for c in ctrls.values() if c["state"] == "live")


def compare(before, now):
    """What differs in now from before, as sentences."""
    problems = []
    bn, nn = before.get("nvmet"), now.get("nvmet")
    if bn:
        if not nn:
            problems.append("nvmet: no configfs tree (it had %d subsystems)" % len(bn["subsystems"]))
        else:
            for nqn, nss in sorted(bn["subsystems"].items()):
                if nqn not in nn["subsystems"]:
                    problems.append("nvmet: subsystem %s is gone" % nqn)
                elif nn["subsystems"][nqn] != nss:
                    problems.append("nvmet: subsystem %s namespaces %s, before %s" % (nqn, nn["subsystems"][nqn], nss))
            for port, conf in sorted(bn["ports"].items()):
                cur = nn["ports"].get(port)
                if cur is None:
                    problems.append("nvmet: port %s is gone" % port)
                elif cur != conf:
                    problems.append("nvmet: port %s is %s, before %s" % (port, cur, conf))
    missing = list(live_paths(before.get("controllers") or {}))
    for path in live_paths(now.get("controllers") or {}):
        if path in missing:
            missing.remove(path)
    for path in missing:
        problems.append("controller %s: not live" % path)
    bf, nf = before.get("nfsd"), now.get("nfsd")
    if bf and bf["threads"]:
        if not nf or nf["threads"] != bf["threads"]:
            problems.append("nfsd: %s threads, before %s" % (nf and nf["threads"], bf["threads"]))
        elif nf["exports"] != bf["exports"]:
            problems.append("nfsd: exports differ: %s, before %s" % (nf["exports"], bf["exports"]))
    return problems


def main():
    """Entry point."""
    module = AnsibleModule(
        argument_spec={
            "expect": {"type": "dict"},
            "configfs": {"type": "path", "default": "/sys/kernel/config"},
            "sysfs": {"type": "path", "default": "/sys"},
            "procfs": {"type": "path", "default": "/proc"},
        },
        supports_check_mode=True,
    )
    params = module.params
    state = {
        "nvmet": nvmet_state(params["configfs"]),
        "controllers": controllers_state(params["sysfs"]),
        "nfsd": nfsd_state(params["procfs"]),
    }
    problems = compare(params["expect"], state) if params["expect"] else []
    module.exit_json(changed=False, state=state, healthy=not problems, problems=problems)


if __name__ == "__main__":
    main()
