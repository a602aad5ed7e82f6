"""dimg: Docker images from Python, typed and fast.

    import dimg
    client = dimg.from_env()                    # where `docker` connects: DOCKER_HOST, the context, ...
    client.images.list(all=True, filters={"dangling": False})
    client.images.search("tomcat", limit=10, filters={"stars": 3})
    image = client.images.pull("zookeeper", tag="3.9", progress=print)
    client.images.remove("zookeeper:3.9")
    client.images.prune(filters={"label": "stage=build"})   # {"ImagesDeleted": [...], "SpaceReclaimed": N}
    client.images.pull_many(["alpine:3.19", "busybox:1.36"], concurrency=4)  # [Image | exception, ...]
    patient = dimg.Client(timeouts=dimg.Timeouts(idle=600), retry=dimg.RetryPolicy(3))
    client.images.get("alpine:3.19", timeouts=dimg.Timeouts(total=2))       # this call's own limit

Every rule (host parsing, reference parsing, version negotiation, error mapping) lives in the
Rust core; the native module converts types and errors, and `_client` defines the public
clients once over it.
"""

from dimg._client import (
    AsyncClient,
    AsyncImageCollection,
    Client,
    FilterValue,
    ImageCollection,
    PrunedItem,
    PruneReport,
    PullPolicy,
    from_env,
)
from dimg._native import (
    DEFAULT_TIMEOUT,
    APIError,
    AuthenticationError,
    Conflict,
    ConnectError,
    CredentialsError,
    SSHError,
    TLSError,
    DockerError,
    DockerTimeoutError,
    Endpoint,
    Image,
    ImageNotFound,
    Info,
    InvalidArgument,
    InvalidReference,
    NotFound,
    Ping,
    ProtocolError,
    PullError,
    PullManyProgress,
    PullProgress,
    PullStream,
    PullSummary,
    PullTotals,
    RateLimited,
    RemovedItem,
    RemoveReport,
    RetryPolicy,
    SearchResult,
    Timeouts,
    TLSConfig,
    UnsupportedOption,
    MirrorChange,
    Version,
    __version__,
    add_registry_mirror,
    registry_mirrors,
    remove_registry_mirror,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "APIError",
    "AsyncClient",
    "AsyncImageCollection",
    "AuthenticationError",
    "Client",
    "Conflict",
    "ConnectError",
    "CredentialsError",
    "SSHError",
    "TLSError",
    "DockerError",
    "DockerTimeoutError",
    "Endpoint",
    "FilterValue",
    "Image",
    "ImageCollection",
    "ImageNotFound",
    "Info",
    "InvalidArgument",
    "InvalidReference",
    "NotFound",
    "Ping",
    "ProtocolError",
    "PrunedItem",
    "PruneReport",
    "PullError",
    "PullManyProgress",
    "PullProgress",
    "PullStream",
    "PullSummary",
    "PullTotals",
    "PullPolicy",
    "RateLimited",
    "RemovedItem",
    "RemoveReport",
    "RetryPolicy",
    "SearchResult",
    "Timeouts",
    "TLSConfig",
    "UnsupportedOption",
    "MirrorChange",
    "Version",
    "__version__",
    "add_registry_mirror",
    "from_env",
    "registry_mirrors",
    "remove_registry_mirror",
]
