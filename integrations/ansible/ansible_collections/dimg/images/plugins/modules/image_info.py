#!/usr/bin/python
# Copyright (c) dimg contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: image_info
short_description: Inspect or list images on a Docker engine, with dimg
description:
  - With O(name), inspects each named image (C(docker image inspect)); a name that is not
    there is left out of RV(images) and listed in RV(missing), not an error.
  - Without O(name), lists the images (C(docker images)) that match O(filters) in one call,
    where M(community.docker.docker_image_info) inspects every image again (N+1 requests).
  - The records have M(community.docker.docker_image_info)'s keys where they overlap
    (C(Id), C(RepoTags), C(RepoDigests), C(Created), C(Size)), plus dimg's typed fields.
version_added: 0.1.0
author: dimg contributors
extends_documentation_fragment:
  - dimg.images.connection
attributes:
  check_mode:
    support: full
    description: Changes nothing in either mode.
  diff_mode:
    support: none
options:
  name:
    description:
      - Image references (C(NAME[:TAG]), C(NAME@DIGEST) or an id) to inspect.
    type: list
    elements: str
  filters:
    description:
      - Docker's filters for the listing, as C(docker images --filter) takes them, keys
        C(label) (C(key) or C(key=value)), C(dangling) (a bool), C(reference) (C(app:*)),
        C(before), C(since) (an image) and C(until) (C(24h) or a timestamp). A key's value may
        be a list (alternatives). Not with O(name).
    type: dict
  all:
    description:
      - For the listing, include intermediate images (C(docker images --all)).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: What every host has of the application
  dimg.images.image_info:
    name:
      - registry.example.com/app:1.4
      - registry.example.com/app:1.3
  register: app

- name: Images of the core team, in one request per host
  dimg.images.image_info:
    filters:
      label: org.example.team=core
  register: core

- ansible.builtin.debug:
    msg: "{{ core.images | map(attribute='tags') | flatten }}"
"""

RETURN = r"""
images:
  description:
    - One record per image found. With O(name), the daemon's inspect answer (C(Id),
      C(RepoTags), C(RepoDigests), C(Created), C(Size), C(Config), C(Architecture), C(Os), ...);
      without, its listing (C(Id), C(RepoTags), C(RepoDigests), C(Created), C(Size),
      C(Labels), C(Containers), ...). Both add C(id), C(tags), C(digests), C(size), C(labels).
  returned: always
  type: list
  elements: dict
  sample: [{"Id": "sha256:0d2b...", "RepoTags": ["registry.example.com/app:1.4"], "Size": 7340032,
            "id": "sha256:0d2b...", "tags": ["registry.example.com/app:1.4"], "size": 7340032,
            "digests": ["registry.example.com/app@sha256:e80b..."], "labels": {}}]
missing:
  description: The names of O(name) that are not on the engine.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dimg.images.plugins.module_utils.common import (
    DimgClient,
    connection_argument_spec,
    dimg,
    image_facts,
)


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(
            name=dict(type="list", elements="str"),
            filters=dict(type="dict"),
            all=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("name", "filters")],
        supports_check_mode=True,
    )
    images, missing = [], []
    with DimgClient(module) as client:
        if module.params["name"]:
            for name in module.params["name"]:
                try:
                    images.append(image_facts(client.images.get(name)))
                except dimg.ImageNotFound:
                    missing.append(name)
        else:
            listed = client.images.list(all=module.params["all"], filters=module.params["filters"])
            images = [image_facts(image) for image in listed]
    module.exit_json(changed=False, images=images, missing=missing)


if __name__ == "__main__":
    main()
