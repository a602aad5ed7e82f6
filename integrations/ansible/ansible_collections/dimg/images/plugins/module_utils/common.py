# Copyright (c) dimg contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every dimg.images module shares: the connection options (named like community.docker's
common arguments, so that a task ports by renaming the module), the client they make, and how
a dimg error becomes a fail_json.

Example (in a module):

    module = AnsibleModule(argument_spec=connection_argument_spec(name=dict(type="str")),
                           supports_check_mode=True)
    with DimgClient(module) as client:
        image = client.images.get(module.params["name"])
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

from ansible.module_utils.basic import env_fallback

try:
    import dimg

    DIMG_IMPORT_ERROR = None
except ImportError as error:  # reported by DimgClient, with where to install it
    dimg = None
    DIMG_IMPORT_ERROR = error


CONNECTION_OPTIONS = dict(
    # No default: without docker_host and DOCKER_HOST, dimg finds the daemon as the docker CLI
    # does (DOCKER_CONTEXT, the current context, then /var/run/docker.sock).
    docker_host=dict(type="str", aliases=["docker_url"], fallback=(env_fallback, ["DOCKER_HOST"])),
    context=dict(type="str"),
    tls=dict(type="bool", default=False, fallback=(env_fallback, ["DOCKER_TLS"])),
    validate_certs=dict(type="bool", default=False, aliases=["tls_verify"],
                        fallback=(env_fallback, ["DOCKER_TLS_VERIFY"])),
    ca_path=dict(type="path", aliases=["ca_cert", "tls_ca_cert", "cacert_path"]),
    client_cert=dict(type="path", aliases=["tls_client_cert", "cert_path"]),
    client_key=dict(type="path", aliases=["tls_client_key", "key_path"]),
    timeout=dict(type="int", default=60, fallback=(env_fallback, ["DOCKER_TIMEOUT"])),
    api_version=dict(type="str", default="auto", aliases=["docker_api_version"],
                     fallback=(env_fallback, ["DOCKER_API_VERSION"])),
)


def connection_argument_spec(**options):
    """The module's own options plus the connection options."""
    spec = dict(CONNECTION_OPTIONS)
    spec.update(options)
    return spec


def _cert_file(module, option, name):
    """The option's path, else the file NAME in DOCKER_CERT_PATH (as community.docker does)."""
    path = module.params[option]
    if path is None and os.environ.get("DOCKER_CERT_PATH"):
        candidate = os.path.join(os.environ["DOCKER_CERT_PATH"], name)
        if os.path.exists(candidate):
            path = candidate
    return path


def _tls_config(module):
    """dimg.TLSConfig for the options, or False (no TLS) as community.docker decides: TLS when
    `tls` or `validate_certs`; the daemon's certificate is checked only with `validate_certs`."""
    p = module.params
    if not (p["tls"] or p["validate_certs"]):
        return False
    cert, key = _cert_file(module, "client_cert", "cert.pem"), _cert_file(module, "client_key", "key.pem")
    if (cert is None) != (key is None):
        module.fail_json(msg="client_cert and client_key go together: give both or neither")
    ca = _cert_file(module, "ca_path", "ca.pem") if p["validate_certs"] else None
    return dimg.TLSConfig(ca_cert=ca, client_cert=(cert, key) if cert else None, verify=p["validate_certs"])


def fail_from_error(module, error, **result):
    """fail_json for a dimg error: its class and message, never a traceback. dimg's messages
    hold no credentials (they name the registry and the daemon's answer), so none can leak."""
    name = type(error).__name__
    details = dict(error_class=name, attempts=getattr(error, "attempts", 1))
    if getattr(error, "status_code", None) is not None:
        details["status_code"] = error.status_code
    details.update(result)
    module.fail_json(msg="%s: %s" % (name, error), **details)


class DimgClient:
    """A dimg.Client for the module's connection options, closed on exit; any dimg error
    raised inside the `with` becomes fail_json (see fail_from_error)."""

    def __init__(self, module):
        self.module = module
        if DIMG_IMPORT_ERROR is not None:
            module.fail_json(
                msg="The dimg Python package is not importable by %s on the managed node: install the dimg "
                "Python package on the managed node (pip install dimg), or set ansible_python_interpreter "
                "to a Python that has it (%s)" % (sys.executable, DIMG_IMPORT_ERROR),
                error_class="ImportError",
            )
        p = module.params
        host, context = p["docker_host"], p["context"]
        if context is not None and host is not None:
            if host != os.environ.get("DOCKER_HOST"):
                module.fail_json(msg="docker_host and context are mutually exclusive")
            host = None  # a context wins over DOCKER_HOST, as in the docker CLI
        version = None if p["api_version"] in (None, "auto") else p["api_version"]
        try:
            self.client = dimg.Client(host, timeout=p["timeout"], version=version, context=context,
                                      tls=_tls_config(module))
        except dimg.DockerError as error:
            fail_from_error(module, error)

    def __enter__(self):
        return self.client

    def __exit__(self, kind, error, tb):
        self.client.close()
        if error is not None and isinstance(error, dimg.DockerError):
            fail_from_error(self.module, error)
        return False


def image_facts(image):
    """The typed record the modules return for one image: community.docker's inspect keys
    (Id, RepoTags, RepoDigests, Created, Size, ...) as the daemon gave them, plus dimg's typed
    fields in snake case (id, tags, digests, size, labels)."""
    record = dict(image.attrs)
    record.update(id=image.id, tags=list(image.tags), digests=list(image.digests), size=image.size,
                  labels=dict(image.labels))
    return record
