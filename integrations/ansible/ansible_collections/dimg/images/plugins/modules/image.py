#!/usr/bin/python
# Copyright (c) dimg contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: image
short_description: Make sure an image is present (pulled) or absent on a Docker engine, with dimg
description:
  - Pulls an image when it should be present and removes it when it should be absent, through the
    C(dimg) Python package (typed pull progress and summary, API version from C(/_ping)).
  - Idempotent. With O(pull=missing) (the default) an image that is present is not pulled again
    and nothing is sent to the registry; a second run of the same task reports C(changed=false).
  - Ports from M(community.docker.docker_image_pull) and M(community.docker.docker_image_remove)
    by renaming the module; the connection options have the same names.
version_added: 0.1.0
author: dimg contributors
extends_documentation_fragment:
  - dimg.images.connection
attributes:
  check_mode:
    support: full
    description: Reports what would be pulled or removed; the engine is not changed.
  diff_mode:
    support: full
    description: Before and after, whether the image exists and its id.
options:
  name:
    description:
      - The image reference, C(NAME[:TAG]) or C(NAME@DIGEST), as C(docker pull) takes it.
    type: str
    required: true
  tag:
    description:
      - The tag (or C(sha256:) digest), when O(name) has none. Without either, C(latest).
    type: str
  platform:
    description:
      - C(os[/arch[/variant]]) to pull. A local image for another platform is not present.
    type: str
  state:
    description:
      - V(present) pulls the image when O(pull) says so; V(absent) removes it (an image that is
        not there is not an error).
    type: str
    choices: [present, absent]
    default: present
  pull:
    description:
      - When to ask the registry, for O(state=present).
      - V(missing) pulls only when the image is not present locally.
      - V(always) pulls each time (as C(docker pull)); C(changed) only when the image id changes.
      - V(newer) asks the registry and pulls when its digest differs from the local image's.
      - In check mode, V(always) and V(newer) report C(changed) only for an image that is absent
        (what the registry holds is not asked).
    type: str
    choices: [always, missing, newer]
    default: missing
  force:
    description:
      - For O(state=absent), remove the image even when containers use it or it has other tags
        (C(docker rmi --force)).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The application image is on every engine (pulled where it is missing)
  dimg.images.image:
    name: registry.example.com/app
    tag: "1.4"

- name: Over ssh, from the controller, one engine per inventory host
  dimg.images.image:
    name: registry.example.com/app:1.4
    docker_host: "ssh://deploy@{{ inventory_hostname }}"
  delegate_to: localhost

- name: Over TLS, pulling again when the registry has a newer build of the tag
  dimg.images.image:
    name: registry.example.com/app:1.4
    pull: newer
    docker_host: tcp://10.0.0.5:2376
    validate_certs: true
    ca_path: /etc/docker-certs/ca.pem
    client_cert: /etc/docker-certs/cert.pem
    client_key: /etc/docker-certs/key.pem

- name: The old release is gone
  dimg.images.image:
    name: registry.example.com/app:1.3
    state: absent
"""

RETURN = r"""
image:
  description:
    - The image after the task (for O(state=absent), before it was removed), as
      M(community.docker.docker_image_info) gives it (C(Id), C(RepoTags), C(RepoDigests),
      C(Created), C(Size), C(Config), ...), plus dimg's typed fields C(id), C(tags), C(digests),
      C(size), C(labels). Empty when there is no such image, or in check mode before a pull.
  returned: always
  type: dict
  sample: {"Id": "sha256:0d2b...", "RepoTags": ["registry.example.com/app:1.4"], "id": "sha256:0d2b...",
           "tags": ["registry.example.com/app:1.4"], "digests": ["registry.example.com/app@sha256:e80b..."],
           "size": 7340032, "labels": {}}
pull:
  description:
    - What the pull did, from dimg's typed pull summary. Absent when no pull was made.
  returned: when a pull was made
  type: dict
  contains:
    reference:
      description: The reference pulled.
      type: str
    outcome:
      description: V(downloaded), V(up_to_date), V(skipped) (the policy made no pull) or V(unknown).
      type: str
    digest:
      description: The manifest digest the registry (or the local image) has.
      type: str
    status:
      description: The daemon's last status line.
      type: str
    layers_pulled:
      description: Layers downloaded.
      type: int
    layers_existing:
      description: Layers that were already present.
      type: int
  sample: {"reference": "registry.example.com/app:1.4", "outcome": "downloaded", "digest": "sha256:e80b...",
           "status": "Downloaded newer image for registry.example.com/app:1.4", "layers_pulled": 1,
           "layers_existing": 0}
removed:
  description:
    - For O(state=absent), what C(docker rmi) removed, in the daemon's order, each
      a dict with one key, C(Untagged) (a reference) or C(Deleted) (an image id). In check mode,
      the image's tags and id.
  returned: always
  type: list
  elements: dict
  sample: [{"Untagged": "registry.example.com/app:1.3"}, {"Deleted": "sha256:0d2b..."}]
untagged:
  description: The references of RV(removed) that were untagged (as community.docker.docker_image_remove).
  returned: always
  type: list
  elements: str
deleted:
  description: The image ids of RV(removed) that were deleted (as community.docker.docker_image_remove).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dimg.images.plugins.module_utils.common import (
    DimgClient,
    connection_argument_spec,
    dimg,
    fail_from_error,
    image_facts,
)


def reference(module):
    """NAME[:TAG|@DIGEST] from `name` and `tag`."""
    name, tag = module.params["name"], module.params["tag"]
    if tag is None:
        return name
    last = name.rsplit("/", 1)[-1]
    if ":" in last or "@" in name:
        module.fail_json(msg="name %r has a tag or digest already; leave out tag=%r" % (name, tag))
    return "%s@%s" % (name, tag) if tag.startswith("sha256:") else "%s:%s" % (name, tag)


def lookup(client, ref):
    """The local image, or None."""
    try:
        return client.images.get(ref)
    except dimg.ImageNotFound:
        return None


def summary_facts(summary):
    return dict(reference=summary.reference, outcome=summary.outcome, digest=summary.digest,
                status=summary.status, layers_pulled=summary.layers_pulled,
                layers_existing=summary.layers_existing)


def state_of(image):
    return {"exists": image is not None, "id": image.id if image is not None else None}


def for_platform(image, platform):
    """Whether the local image is for PLATFORM (os[/arch[/variant]]): with another one it is
    not present, as dimg's pull policies count it."""
    if image is None or not platform:
        return image
    wanted = platform.lower().split("/")
    have = [image.attrs.get("Os", ""), image.attrs.get("Architecture", ""), image.attrs.get("Variant", "")]
    return image if all(w == h.lower() for w, h in zip(wanted, have)) else None


def present(module, client, ref, before, result):
    policy = module.params["pull"]
    local = for_platform(before, module.params["platform"])
    if local is not None and policy == "missing":
        return before
    if module.check_mode:
        # Only an absent image is known to change without asking the registry.
        result["changed"] = local is None
        return before
    stream = client.images.pull_stream(ref, platform=module.params["platform"], policy=policy)
    for _ in stream:  # the progress is not shown; the summary is complete at the end
        pass
    result["pull"] = summary_facts(stream.summary)
    after = client.images.get(ref)
    result["changed"] = before is None or before.id != after.id
    return after


def absent(module, client, ref, before, result):
    if before is None:
        return None
    result["image"] = image_facts(before)
    result["changed"] = True
    if module.check_mode:
        result["removed"] = [{"Untagged": t} for t in before.tags] + [{"Deleted": before.id}]
    else:
        try:
            items = client.images.remove(ref, force=module.params["force"])
        except dimg.ImageNotFound:  # gone meanwhile: nothing for us to do
            result["changed"] = False
            return None
        result["removed"] = [{item.kind: item.value} for item in items]
    result["untagged"] = [i["Untagged"] for i in result["removed"] if "Untagged" in i]
    result["deleted"] = [i["Deleted"] for i in result["removed"] if "Deleted" in i]
    return None


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(
            name=dict(type="str", required=True),
            tag=dict(type="str"),
            platform=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            pull=dict(type="str", default="missing", choices=["always", "missing", "newer"]),
            force=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    ref = reference(module)
    result = dict(changed=False, image={}, removed=[], untagged=[], deleted=[])
    with DimgClient(module) as client:
        try:
            before = lookup(client, ref)
            if module.params["state"] == "present":
                after = present(module, client, ref, before, result)
                result["image"] = image_facts(after) if after is not None else {}
            else:
                after = absent(module, client, ref, before, result)
        except dimg.DockerError as error:
            fail_from_error(module, error, reference=ref)
    if module._diff:
        if module.check_mode and result["changed"]:
            # What a pull would give is not known before it.
            after_state = {"exists": module.params["state"] == "present", "id": None}
        else:
            after_state = state_of(after)
        result["diff"] = dict(before=state_of(before), after=after_state)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
