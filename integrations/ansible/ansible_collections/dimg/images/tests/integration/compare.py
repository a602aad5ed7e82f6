#!/usr/bin/env python3
"""Compare, field by field, what dimg.images and community.docker returned for the same
pull / no-op / remove cycle (playbooks/cycle.yml -e out=DIR) on the same hosts.

Usage: compare.py DIR HOST...   exit status 1 when an overlapping field differs.

Compared: `changed` of every phase; of the pulled image (the pull's `image` and the
image_info record), every top-level key both return (Id, RepoTags, RepoDigests, Created, Size,
Config, Architecture, Os, ...); of the removal, the untagged references and deleted ids.
"""

import json
import os
import sys


def load(base, modules, host, phase):
    with open(os.path.join(base, modules, f"{host}-{phase}.json")) as f:
        return json.load(f)


# Known, accepted differences: dimg's Image.attrs is its typed model of the inspect answer, so
# its Config has only Cmd, Entrypoint, Env, Labels and WorkingDir, and an Entrypoint the daemon
# gives as null is [] there. Every other overlapping value must be equal.
ACCEPTED = {("Config", "Entrypoint"): ([], None)}
notes = set()


def compare_dicts(where, a, b, problems, path=()):
    common = sorted(set(a) & set(b))
    for key in common:
        x, y = a[key], b[key]
        if isinstance(x, dict) and isinstance(y, dict):
            compare_dicts(f"{where}.{key}", x, y, problems, path + (key,))
            if set(y) - set(x):
                notes.add(f"{'.'.join(path + (key,))}: dimg omits {', '.join(sorted(set(y) - set(x)))}")
        elif x != y:
            if ACCEPTED.get(path + (key,)) == (x, y):
                notes.add(f"{'.'.join(path + (key,))}: dimg {x!r}, community {y!r} (accepted)")
            else:
                problems.append(f"{where}.{key}: dimg {x!r} != community {y!r}")
    return common


def main():
    base, hosts = sys.argv[1], sys.argv[2:]
    problems, compared = [], set()
    for host in hosts:
        for phase in ["pull", "noop", "remove"]:
            d, c = load(base, "dimg", host, phase), load(base, "community", host, phase)
            where = f"{host}/{phase}"
            if d["result"]["changed"] != c["result"]["changed"]:
                problems.append(f"{where}.changed: dimg {d['result']['changed']} != community {c['result']['changed']}")
            compared.add("changed")
            if phase in ("pull", "noop"):
                keys = compare_dicts(f"{where}.image", d["result"]["image"], c["result"]["image"], problems)
                compared.update(f"image.{k}" for k in keys)
                di, ci = d["info"]["images"], c["info"]["images"]
                if len(di) != len(ci):
                    problems.append(f"{where}.info: dimg {len(di)} images != community {len(ci)}")
                for a, b in zip(di, ci):
                    keys = compare_dicts(f"{where}.info", a, b, problems)
                    compared.update(f"image_info.{k}" for k in keys)
            else:
                for key in ("untagged", "deleted"):
                    if sorted(d["result"][key]) != sorted(c["result"][key]):
                        problems.append(f"{where}.{key}: dimg {d['result'][key]} != community {c['result'][key]}")
                    compared.add(f"remove.{key}")
    print(f"compared on {len(hosts)} hosts x 3 phases: {', '.join(sorted(compared))}")
    for n in sorted(notes):
        print("note:", n)
    for p in problems:
        print("DIFFERS:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
