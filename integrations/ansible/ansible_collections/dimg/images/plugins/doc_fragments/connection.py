# Copyright (c) dimg contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options every dimg.images module takes (module_utils/common.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The daemon's address, as C(DOCKER_HOST) takes it, C(unix:///path/to/docker.sock),
        C(tcp://host:port) or C(ssh://[user@]host[:port]) (the C(ssh) program of the node that
        runs the module, with its configuration, runs C(docker system dial-stdio) on the host).
      - Without it (and without C(DOCKER_HOST)), the daemon is found as the docker CLI finds it
        without flags, C(DOCKER_CONTEXT), then the current context, then
        C(/var/run/docker.sock). This is how a module run on the managed node itself uses
        that node's engine.
      - If the value is not given, the environment variable C(DOCKER_HOST) is used.
    type: str
    aliases: [docker_url]
  context:
    description:
      - A docker context's name, as C(docker --context NAME); not with O(docker_host) (an
        O(docker_host) that comes from C(DOCKER_HOST) gives way to it, as in the docker CLI).
    type: str
  tls:
    description:
      - Use TLS to a C(tcp://) daemon without checking its certificate. O(validate_certs)
        checks it.
      - If the value is not given, the environment variable C(DOCKER_TLS) is used.
    type: bool
    default: false
  validate_certs:
    description:
      - Use TLS to a C(tcp://) daemon and check its certificate against O(ca_path) (else the
        system's roots) and its address.
      - If the value is not given, the environment variable C(DOCKER_TLS_VERIFY) is used.
    type: bool
    default: false
    aliases: [tls_verify]
  ca_path:
    description:
      - The CA certificate (PEM) that signed the daemon's certificate. Default
        C($DOCKER_CERT_PATH/ca.pem) when that file exists.
    type: path
    aliases: [ca_cert, tls_ca_cert, cacert_path]
  client_cert:
    description:
      - The client certificate (PEM) presented to the daemon, with O(client_key). Default
        C($DOCKER_CERT_PATH/cert.pem) when that file exists.
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - The key (PEM) of O(client_cert). Default C($DOCKER_CERT_PATH/key.pem) when that file
        exists.
    type: path
    aliases: [tls_client_key, key_path]
  timeout:
    description:
      - Seconds a call to the daemon may take; for a pull, the longest silence between two
        progress messages.
      - If the value is not given, the environment variable C(DOCKER_TIMEOUT) is used.
    type: int
    default: 60
  api_version:
    description:
      - The Engine API version to use, such as C(1.41), or C(auto) to negotiate it (dimg
        reads it from the C(/_ping) answer, no extra C(GET /version)).
      - If the value is not given, the environment variable C(DOCKER_API_VERSION) is used.
    type: str
    default: auto
    aliases: [docker_api_version]
requirements:
  - The C(dimg) Python package on the node that runs the module (the managed node, or the
    controller with C(delegate_to) or a local connection).
notes:
  - A failure reports the dimg error class (RV(ignore:error_class)) and its message; a call
    that was retried reports RV(ignore:attempts).
"""
