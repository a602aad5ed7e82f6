"""dimg: Docker images from Python, typed and fast.

    import dimg
    client = dimg.Client()                      # DOCKER_HOST or /var/run/docker.sock
    client.images.list(all=True, filters={"dangling": False})
    client.images.search("tomcat", limit=10, filters={"stars": 3})
    image = client.images.pull("zookeeper", tag="3.9", progress=print)
    client.images.remove("zookeeper:3.9")

Every rule (reference parsing, version negotiation, error mapping) lives in the Rust core;
this package only re-exports the native module.
"""

from dimg._native import (
    APIError,
    AsyncClient,
    AsyncImageCollection,
    AuthenticationError,
    Client,
    Conflict,
    ConnectError,
    DockerError,
    DockerTimeoutError,
    Image,
    ImageCollection,
    ImageNotFound,
    Info,
    InvalidArgument,
    InvalidReference,
    Ping,
    ProtocolError,
    PullError,
    PullProgress,
    PullStream,
    PullSummary,
    RemovedItem,
    RemoveReport,
    SearchResult,
    UnsupportedOption,
    MirrorChange,
    Version,
    __version__,
    add_registry_mirror,
    registry_mirrors,
    remove_registry_mirror,
)

__all__ = [
    "APIError",
    "AsyncClient",
    "AsyncImageCollection",
    "AuthenticationError",
    "Client",
    "Conflict",
    "ConnectError",
    "DockerError",
    "DockerTimeoutError",
    "Image",
    "ImageCollection",
    "ImageNotFound",
    "Info",
    "InvalidArgument",
    "InvalidReference",
    "Ping",
    "ProtocolError",
    "PullError",
    "PullProgress",
    "PullStream",
    "PullSummary",
    "RemovedItem",
    "RemoveReport",
    "SearchResult",
    "UnsupportedOption",
    "MirrorChange",
    "Version",
    "__version__",
    "add_registry_mirror",
    "registry_mirrors",
    "remove_registry_mirror",
]
