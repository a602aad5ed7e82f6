#!/usr/bin/env python3
"""Push the collection tests' own images to the test registry (scripts/engine.sh's), so that no
other suite's image is pulled, removed or pruned here. They are built by scripts/seed_registry.py
(deterministic layers and ids) and all carry the label org.dimg.suite=ansible, which the prune
tests filter on (dockerd #1 is shared with other suites).

  ansible/app:1.0, ansible/app:2.0   the playbooks' image (two tags, distinct ids)
  ansible/node:1.0                   the managed-node play's image
  ansible/bench:1.0                  the benchmark's image (1 MB layer)

Usage: seed_images.py REGISTRY (host:port). Idempotent: a manifest already there is not pushed.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), *[".."] * 7, "scripts"))
import seed_registry as seed  # noqa: E402

LABELS = {"org.dimg.suite": "ansible"}


def images():
    return [
        seed.image("ansible/app", ["1.0"], [[("app.txt", seed.text("ansible app 1.0\n"))]], LABELS),
        seed.image("ansible/app", ["2.0"], [[("app.txt", seed.text("ansible app 2.0\n"))]], LABELS),
        seed.image("ansible/node", ["1.0"], [[("node.txt", seed.text("ansible node 1.0\n"))]], LABELS),
        seed.image("ansible/bench", ["1.0"], [[("bench.bin", seed.rand("ansible-bench", 1000 * seed.KB))]], LABELS),
    ]


def main():
    registry = seed.Registry(sys.argv[1])
    for index, img in enumerate(images()):
        built = seed.build(img, 5000 + index)
        pushed = seed.push(registry, built)
        if pushed:
            print(f"seeded {img['name']}:{','.join(pushed)} {built['manifest_digest']}", file=sys.stderr)


if __name__ == "__main__":
    main()
