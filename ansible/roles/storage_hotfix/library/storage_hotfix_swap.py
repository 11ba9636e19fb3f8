#!/usr/bin/python3
# -*- coding: utf-8 -*-
# storage-hotfix: swap, rollback or recover the running modules.
"""Ansible module storage_hotfix_swap (see DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

import time

from ansible.module_utils.basic import AnsibleModule

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r"""
---
module: storage_hotfix_swap
short_description: storage-hotfix swap, rollback or recover, judged by its swap-result lines
description:
  - Runs C(storage-hotfix swap FIX) (or C(rollback FIX), or C(recover)) for
    each fix and reads the command's machine-readable lines,
    C(swap-result fix=F module=M result=R downtime_s=S from=ID to=ID).
  - Changed when a module was replaced (swapped, rolled-back, recovered);
    C(already) changes nothing. Fails when the command fails or a line says
    refused, failed, or (for a swap) rolled-back, or no line came.
  - In check mode the swap runs with C(--dry-run) (the CLI plans and
    refuses, nothing stops); changed when it would swap.
options:
  fixes:
    description: Fix ids (or modules) to act on; ignored by recover.
    type: list
    elements: str
    default: []
  action:
    description: swap, rollback or recover.
    type: str
    choices: [swap, rollback, recover]
    default: swap
  binary:
    description: The storage-hotfix command.
    type: str
    default: storage-hotfix
"""

RETURN = r"""
results:
  description: One dict per swap-result line (fix, module, result, downtime_s, from, to).
  returned: always
  type: list
seconds:
  description: Wall time of the commands on the host.
  returned: always
  type: float
"""

CHANGED = {"swapped", "rolled-back", "recovered"}
GOOD = {
    "swap": {"swapped", "already"},
    "rollback": {"rolled-back", "already"},
    "recover": {"recovered", "already"},
}


def parse_results(text):
    """The swap-result lines of the CLI's output, as dicts."""
    results = []
    for line in text.splitlines():
        if not line.startswith("swap-result "):
            continue
        fields = {}
        for word in line.split()[1:]:
            key, sep, value = word.partition("=")
            if sep:
                fields[key] = value
        results.append(fields)
    return results


def main():
    """Entry point."""
    module = AnsibleModule(
        argument_spec={
            "fixes": {"type": "list", "elements": "str", "default": []},
            "action": {"type": "str", "choices": ["swap", "rollback", "recover"], "default": "swap"},
            "binary": {"type": "str", "default": "storage-hotfix"},
        },
        supports_check_mode=True,
    )
    action = module.params["action"]
    check = module.check_mode
    if check and action != "swap":
        module.exit_json(changed=True, results=[], seconds=0.0,
                         msg="check mode: would run storage-hotfix %s" % action)
    targets = [None] if action == "recover" else module.params["fixes"]
    results, outputs, failed = [], [], []
    start = time.time()
    for fix in targets:
        cmd = [module.params["binary"], action] + ([fix] if fix else []) + (["--dry-run"] if check else [])
        rc, out, err = module.run_command(cmd)
        outputs.append({"cmd": " ".join(cmd), "rc": rc, "stdout": out, "stderr": err})
        lines = parse_results(out)
        results.extend(lines)
        good = GOOD[action] | ({"dry-run"} if check else set())
        bad = [r for r in lines if r.get("result") not in good]
        # A rollback with no swap recorded says so and prints no line.
        if rc != 0 or bad or (action == "swap" and not lines):
            failed.append("%s: exit %d, %s" % (" ".join(cmd), rc,
                                               ", ".join("%s result=%s" % (r.get("module"), r.get("result"))
                                                         for r in lines) or "no swap-result line"))
    seconds = round(time.time() - start, 3)
    changed = any(r.get("result") in CHANGED or (check and r.get("result") == "dry-run") for r in results)
    if failed:
        module.fail_json(msg="; ".join(failed), changed=changed, results=results, outputs=outputs,
                         seconds=seconds)
    module.exit_json(changed=changed, results=results, outputs=outputs, seconds=seconds)


if __name__ == "__main__":
    main()
