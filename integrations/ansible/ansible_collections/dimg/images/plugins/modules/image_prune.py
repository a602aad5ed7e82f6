#!/usr/bin/python
# Copyright (c) dimg contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: image_prune
short_description: Remove unused images from a Docker engine, with dimg
description:
  - C(docker image prune) - dangling images, or with O(all) every image no container uses, that
    match O(filters).
  - In check mode, lists what would go (the same selection, made from the image listing) and
    removes nothing. It reports the images' ids and tags; the daemon's report of a real prune
    also names the layers it deleted.
  - The results have M(community.docker.docker_prune)'s names (RV(images), RV(images_space_reclaimed)).
version_added: 0.1.0
author: dimg contributors
extends_documentation_fragment:
  - dimg.images.connection
attributes:
  check_mode:
    support: full
    description: Reports the images that would be removed, and their size.
  diff_mode:
    support: none
options:
  all:
    description:
      - Every unused image, not only dangling ones (C(docker image prune --all)).
    type: bool
    default: false
  filters:
    description:
      - C(until) (a duration such as C(24h), or a timestamp) and C(label) / C(label!)
        (C(key) or C(key=value), or a list of them), as C(docker image prune --filter).
    type: dict
"""

EXAMPLES = r"""
- name: Unused images of the build stage older than a day go, on every host
  dimg.images.image_prune:
    all: true
    filters:
      until: 24h
      label: stage=build
  register: pruned

- ansible.builtin.debug:
    msg: "{{ pruned.images_space_reclaimed }} bytes freed"
"""

RETURN = r"""
images:
  description:
    - The ids the daemon deleted, images and their layers, as community.docker.docker_prune
      returns them (in check mode, the ids of the images that would be).
  returned: always
  type: list
  elements: str
  sample: ["sha256:0d2b..."]
untagged:
  description: The references untagged on the way (in check mode, that would be).
  returned: always
  type: list
  elements: str
deleted:
  description:
    - The daemon's report in its order, each a dict with one key, C(Untagged) (a reference) or
      C(Deleted) (an image id).
  returned: always
  type: list
  elements: dict
images_space_reclaimed:
  description: Bytes freed (in check mode, the size of the images that would go).
  returned: always
  type: int
space_reclaimed:
  description: The same as RV(images_space_reclaimed).
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dimg.images.plugins.module_utils.common import (
    DimgClient,
    connection_argument_spec,
)


def would_go(client, all_images, filters):
    """The images a prune would remove: the listing's unused images that match the filters
    (dangling ones only without `all`), as the daemon selects them."""
    selection = dict(filters or {})
    if not all_images:
        selection["dangling"] = True
    # The listing counts containers only when asked to (-1 or None otherwise): an image it does
    # not count is taken as unused, as the daemon takes it when it has no container.
    unused = [image for image in client.images.list(filters=selection) if not image.containers or image.containers < 0]
    report = []
    for image in unused:
        report.extend({"Untagged": tag} for tag in image.tags)
        report.extend({"Untagged": digest} for digest in image.digests)
        report.append({"Deleted": image.id})
    return report, sum(image.size for image in unused)


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(
            all=dict(type="bool", default=False),
            filters=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    with DimgClient(module) as client:
        if module.check_mode:
            report, space = would_go(client, module.params["all"], module.params["filters"])
        else:
            pruned = client.images.prune(filters=module.params["filters"], all=module.params["all"])
            report, space = pruned["ImagesDeleted"], pruned["SpaceReclaimed"]
    images = [item["Deleted"] for item in report if "Deleted" in item]
    module.exit_json(
        changed=bool(report),
        images=images,
        untagged=[item["Untagged"] for item in report if "Untagged" in item],
        deleted=report,
        images_space_reclaimed=space,
        space_reclaimed=space,
    )


if __name__ == "__main__":
    main()
