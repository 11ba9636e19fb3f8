#!/usr/bin/python3
# -*- coding: utf-8 -*-
# storage-hotfix: `storage-hotfix status --json` as Ansible facts.
"""Ansible module storage_hotfix_status (see DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

import json

from ansible.module_utils.basic import AnsibleModule

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r"""
---
module: storage_hotfix_status
short_description: storage-hotfix status --json as facts
description:
  - Runs C(storage-hotfix status --json) (schema 1) and sets the fact
    C(storage_hotfix): the status document as the command printed it
    (C(status)), and, for the running kernel, which fixes apply, which
    are installed, loaded, ours or stock, and which need a swap.
  - Changes nothing; runs in check mode too.
options:
  binary:
    description: The storage-hotfix command.
    type: str
    default: storage-hotfix
"""

RETURN = r"""
ansible_facts:
  description: C(storage_hotfix) with C(running_kernel), C(swap_journal),
    C(secure), C(fixes) (the running kernel's, as status printed them),
    C(affected), C(installed), C(missing), C(to_swap), C(ours),
    C(not_loaded) (lists of fix ids) and C(status).
  returned: success
  type: dict
"""

# The status --json schemas this module reads (fields are only ever added).
SCHEMAS = (1,)


def summarize(status):
    """The running kernel's fixes of a status --json document, sorted into
    what the role acts on; raises ValueError on a document it cannot read."""
    if not isinstance(status, dict) or status.get("schema") not in SCHEMAS:
        raise ValueError("storage-hotfix status --json: unknown schema %r"
                         % (status.get("schema") if isinstance(status, dict) else None))
    running = [k for k in status.get("kernels") or [] if k.get("running")]
    fixes = running[0].get("fixes") or [] if running else []
    out = {
        "running_kernel": status.get("running_kernel"),
        "swap_journal": status.get("swap_journal"),
        "secure": status.get("secure"),
        "fixes": fixes,
        "affected": [], "installed": [], "missing": [],
        "to_swap": [], "ours": [], "not_loaded": [],
        "status": status,
    }
    for fix in fixes:
        if fix.get("verdict") != "applies":
            continue
        fid = fix.get("id")
        out["affected"].append(fid)
        if not fix.get("installed"):
            out["missing"].append(fid)
            continue
        out["installed"].append(fid)
        if not fix.get("loaded"):
            out["not_loaded"].append(fid)
        elif fix.get("loaded_module") == "ours":
            out["ours"].append(fid)
        else:
            out["to_swap"].append(fid)
    return out


def main():
    """Entry point."""
    module = AnsibleModule(
        argument_spec={"binary": {"type": "str", "default": "storage-hotfix"}},
        supports_check_mode=True,
    )
    rc, out, err = module.run_command([module.params["binary"], "status", "--json"])
    if rc != 0:
        module.fail_json(msg="storage-hotfix status --json failed (exit %d)" % rc,
                         rc=rc, stdout=out, stderr=err)
    try:
        facts = summarize(json.loads(out))
    except ValueError as exc:
        module.fail_json(msg=str(exc), stdout=out, stderr=err)
    module.exit_json(changed=False, ansible_facts={"storage_hotfix": facts})


if __name__ == "__main__":
    main()
