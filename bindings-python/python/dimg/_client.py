"""The public clients, written once over the native `Connection` (dimg._native).

A `Connection` operation converts its arguments and returns a `Call`; `Client` runs it
(blocking, GIL released) and `AsyncClient` starts it (an asyncio awaitable). The async classes
take the sync classes' methods through `_awaitable`, so each operation, its signature and its
docstring are written here once.
"""

from __future__ import annotations

import builtins

# `typing` alone would make `import dimg` ten times slower (7 of 12 ms): annotations are
# strings here, and what typing gives at run time is replaced by trivial stand-ins.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
    from os import PathLike
    from types import TracebackType
    from typing import Any, ClassVar, Concatenate, Literal, ParamSpec, TypeAlias, TypeVar, cast, overload

    _T = TypeVar("_T")
    _P = ParamSpec("_P")
    _Connected = TypeVar("_Connected", bound="_ConnectedBase")

    FilterValue: TypeAlias = str | bool | int | Sequence[str | bool | int]
    """A filter's value: str as is, bool as true/false, int as digits, or a list of them."""
    PullPolicy: TypeAlias = Literal["always", "missing", "never", "newer"]
    """When a pull asks the registry: "always" (docker pull), "missing" (only when the image is
    not present locally), "never" (ImageNotFound when absent), "newer" (when the registry's
    digest differs from the local image's; Docker only)."""
    _StrPath: TypeAlias = str | PathLike[str]
    from dimg._native import _PrunedItem, _PruneReport

    PrunedItem: TypeAlias = _PrunedItem
    """One entry of a prune's "ImagesDeleted": {"Untagged": "repo:tag"} or {"Deleted": "sha256:..."}."""
    PruneReport: TypeAlias = _PruneReport
    """docker-py's answer to `images.prune()`: {"ImagesDeleted": [PrunedItem, ...], "SpaceReclaimed": int}."""
else:

    def overload(function):
        return function

    def cast(_type, value):
        return value

    FilterValue = "str | bool | int | Sequence[str | bool | int]"
    PullPolicy = 'Literal["always", "missing", "never", "newer"]'
    PrunedItem = 'TypedDict("PrunedItem", {"Untagged": str, "Deleted": str}, total=False)'
    PruneReport = 'TypedDict("PruneReport", {"ImagesDeleted": list[PrunedItem], "SpaceReclaimed": int})'

from dimg._native import (
    DEFAULT_TIMEOUT,
    Call,
    Connection,
    Endpoint,
    Image,
    Info,
    Ping,
    PullProgress,
    PullStream,
    RemovedItem,
    RemoveReport,
    SearchResult,
    TLSConfig,
    Version,
)


def _awaitable(method: Callable[Concatenate[Any, _P], _T]) -> Callable[Concatenate[Any, _P], Awaitable[_T]]:
    """The coroutine form of a sync method: the same body, called on an async object whose
    `_run` starts the call on asyncio instead of running it, so it returns an awaitable."""

    def start(self: Any, /, *args: _P.args, **kwargs: _P.kwargs) -> Awaitable[_T]:
        return cast("Awaitable[_T]", method(self, *args, **kwargs))

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(start, attribute, getattr(method, attribute))
    start.__wrapped__ = method  # type: ignore[attr-defined]
    return start


class _ImagesBase:
    """What ImageCollection and AsyncImageCollection share: the connection, and `pull_stream`,
    which returns the stream at once for both."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def pull_stream(
        self,
        repository: str,
        tag: str | None = None,
        all_tags: bool = False,
        platform: str | None = None,
        auth_config: Mapping[str, str] | None = None,
        policy: PullPolicy = "always",
    ) -> PullStream:
        """`docker pull` as a stream of PullProgress (`for` on a Client's, `async for` on an
        AsyncClient's); its `summary` is complete at the end. A pull the policy skips is a
        stream without events whose summary's outcome is "skipped"."""
        return self._connection.pull_stream(repository, tag, all_tags, platform, auth_config, policy)


class ImageCollection(_ImagesBase):
    """`client.images`: what `docker images / image inspect / search / pull / rmi / tag / image
    prune` do."""

    def _run(self, call: Call[_T]) -> _T:
        return call.run()

    def list(
        self, name: str | None = None, all: bool = False, filters: Mapping[str, FilterValue] | None = None
    ) -> builtins.list[Image]:
        """`docker images`, newest first.

        Args:
            name: a REPOSITORY[:TAG] pattern.
            all: include intermediate images.
            filters: {"dangling": bool, "label": "k" | "k=v" | [...], "before": ..., "since": ...,
                "reference": ..., "until": ...}.
        """
        return self._run(self._connection.list_images(name, all, filters))

    def get(self, name: str) -> Image:
        """`docker image inspect NAME`: the image, or `ImageNotFound`."""
        return self._run(self._connection.inspect_image(name))

    def search(
        self, term: str, limit: int | None = None, filters: Mapping[str, FilterValue] | None = None
    ) -> builtins.list[SearchResult]:
        """`docker search TERM`: at most `limit` (1 to 100) hits; filters are
        {"stars": int, "is-official": bool, "is-automated": bool}."""
        return self._run(self._connection.search_images(term, limit, filters))

    @overload
    def pull(
        self,
        repository: str,
        tag: str | None = None,
        all_tags: Literal[False] = False,
        platform: str | None = None,
        progress: Callable[[PullProgress], object] | None = None,
        auth_config: Mapping[str, str] | None = None,
        policy: PullPolicy = "always",
    ) -> Image: ...
    @overload
    def pull(
        self,
        repository: str,
        tag: str | None = None,
        *,
        all_tags: Literal[True],
        platform: str | None = None,
        progress: Callable[[PullProgress], object] | None = None,
        auth_config: Mapping[str, str] | None = None,
        policy: PullPolicy = "always",
    ) -> builtins.list[Image]: ...
    def pull(
        self,
        repository: str,
        tag: str | None = None,
        all_tags: bool = False,
        platform: str | None = None,
        progress: Callable[[PullProgress], object] | None = None,
        auth_config: Mapping[str, str] | None = None,
        policy: PullPolicy = "always",
    ) -> Image | builtins.list[Image]:
        """`docker pull`: returns the pulled Image (with `all_tags`, every Image of the repository).

        Args:
            repository: NAME[:TAG|@DIGEST].
            tag: a tag (or `sha256:` digest) replacing the one in `repository`.
            all_tags: pull every tag (`docker pull -a`).
            platform: os[/arch[/variant]].
            progress: called with each PullProgress; an exception from it stops the pull and
                propagates unchanged.
            auth_config: docker-py's credentials dict (username, password, serveraddress, ...);
                None looks them up in the docker CLI's config.json.
            policy: when to ask the registry (podman's pull policies; docker pull has none):
                "always" (default, what docker pull does), "missing" (pull only when the image
                is not present locally; nothing is sent to the registry otherwise), "never"
                (the local image, or ImageNotFound), "newer" (pull when the registry's digest
                differs from the local image's; Docker only, UnsupportedOption on Podman). Only
                "always" goes with `all_tags`. With a `platform`, a local image for another
                platform is not present.

        Raises:
            ImageNotFound: no such image (for "never": not present locally).
            RateLimited: the registry's rate limit refused the pull.
        """
        call = self._connection.pull_image(repository, tag, all_tags, platform, progress, auth_config, policy)
        return self._run(call)

    def remove(self, image: str, force: bool = False, noprune: bool = False) -> builtins.list[RemovedItem]:
        """`docker rmi IMAGE`: returns the RemovedItems (Untagged, then Deleted)."""
        return self._run(self._connection.remove_image(image, force, noprune))

    def remove_many(self, images: Iterable[str], force: bool = False, noprune: bool = False) -> RemoveReport:
        """`docker rmi A B C`: goes on after failures; returns a RemoveReport."""
        if isinstance(images, str):
            raise TypeError("images must be an iterable of names, not one str")
        return self._run(self._connection.remove_images(builtins.list(images), force, noprune))

    def tag(self, image: str, repository: str, tag: str | None = None) -> bool:
        """`docker tag IMAGE REPOSITORY[:TAG]`. Returns True."""
        return self._run(self._connection.tag_image(image, repository, tag))

    def prune(self, filters: Mapping[str, FilterValue] | None = None, *, all: bool = False) -> PruneReport:
        """`docker image prune`: removes the dangling images (with `all`, every image no
        container uses) that match `filters`; docker-py's `prune(filters)`.

        Args:
            filters: {"until": "24h" | timestamp, "label": "k" | "k=v" | [...], "label!": ...,
                "dangling": bool}. Filters of one key are alternatives, of different keys all
                apply. `dangling` is docker-py's way to choose: False means `all=True`, True
                (the default) dangling images only. Any other key is an InvalidArgument, raised
                before anything is sent.
            all: every unused image, not only dangling ones (`docker image prune -a`).

        Returns:
            docker-py's dict, a PruneReport: {"ImagesDeleted": [{"Untagged": "repo:tag"} |
            {"Deleted": "sha256:..."}, ...], "SpaceReclaimed": bytes}, in the daemon's order;
            "ImagesDeleted" is [] when nothing went.

        Raises:
            InvalidArgument: an unknown filter or an empty value, `all=True` with
                `dangling=True`.
            UnsupportedOption: on Podman, `all` (or `dangling=False`), which its compatible API
                cannot do, and `label!`, which it ignores; nothing is removed.
            APIError: the daemon refused, e.g. a bad `until` value.

        Example:
            >>> client.images.prune(filters={"label": "stage=build"})
            {'ImagesDeleted': [{'Deleted': 'sha256:5f2c...'}], 'SpaceReclaimed': 18}
            >>> client.images.prune(filters={"dangling": False, "until": "24h"})  # = all=True
            {'ImagesDeleted': [{'Untagged': 'app:old'}, {'Deleted': 'sha256:9b1e...'}], 'SpaceReclaimed': 7340032}
        """
        return self._run(self._connection.prune_images(filters, all))


class AsyncImageCollection(_ImagesBase):
    """`AsyncClient.images`: the ImageCollection methods as coroutines."""

    def _run(self, call: Call[_T]) -> Awaitable[_T]:
        return call.start()

    list = _awaitable(ImageCollection.list)
    get = _awaitable(ImageCollection.get)
    search = _awaitable(ImageCollection.search)
    pull = _awaitable(ImageCollection.pull)
    remove = _awaitable(ImageCollection.remove)
    remove_many = _awaitable(ImageCollection.remove_many)
    tag = _awaitable(ImageCollection.tag)
    prune = _awaitable(ImageCollection.prune)


class _ConnectedBase:
    """What Client and AsyncClient share: where the daemon is, and how long to wait."""

    _asynchronous: ClassVar[bool]

    def __init__(
        self,
        base_url: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: str | None = None,
        *,
        context: str | None = None,
        config_dir: _StrPath | None = None,
        tls: TLSConfig | bool = False,
        credential_helper_timeout: float | None = None,
    ) -> None:
        """
        Args:
            base_url: the daemon's address as DOCKER_HOST takes it: "unix:///path/to/docker.sock",
                "tcp://host[:port]", "ssh://[user@]host[:port]", "host:port" or a socket path,
                used as given (no DOCKER_* variable is read, as in docker-py). None finds the
                daemon as the docker CLI does without flags, exactly as `from_env()`:
                DOCKER_HOST, else DOCKER_CONTEXT, else the current context of config.json,
                else /var/run/docker.sock; DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH for
                TLS; DOCKER_API_VERSION.
            timeout: seconds to wait for an answer (and between pull progress messages); None
                waits forever. The default is dimg's, DEFAULT_TIMEOUT.
            version: an API version such as "1.41" to pin, or None / "auto" to negotiate.
            context: a docker context's name (`docker --context NAME`), which wins over
                DOCKER_HOST and DOCKER_CONTEXT; "default" is the built-in one. Not with
                `base_url`. A context that does not exist is an InvalidArgument naming it.
            config_dir: the docker CLI's configuration directory (`docker --config DIR`), which
                holds config.json and the contexts; default DOCKER_CONFIG, else ~/.docker.
            tls: a TLSConfig for a tcp:// daemon (not with a context, which has its own); True
                is `docker --tlsverify`: verify the daemon with ca.pem and present cert.pem /
                key.pem from DOCKER_CERT_PATH (read only when `base_url` is None), else
                DOCKER_CONFIG, else ~/.docker; False uses TLS only where the environment or
                the context says so.
            credential_helper_timeout: seconds a credential helper (a `docker-credential-*`
                program named by credHelpers or credsStore in config.json) may take to answer;
                None follows `timeout`. A helper still running then is killed, with what it
                started, and the call raises CredentialsError naming it.

        Raises:
            InvalidArgument: an address dimg does not speak, a context that cannot be read,
                `base_url` with `context`, `tls` with a context or a non-tcp:// address, a
                timeout that is not a positive number of seconds.
            TLSError: TLS files that cannot be read or used.

        Example:
            >>> dimg.Client()                                     # as `docker` would connect
            <dimg.Client unix:///var/run/docker.sock>
            >>> dimg.Client(context="remote")                     # `docker --context remote`
            <dimg.Client ssh://deploy@build-host context=remote>
            >>> dimg.Client("ssh://deploy@build-host:2222")       # the system ssh, one process per connection
            <dimg.Client ssh://deploy@build-host:2222>
            >>> tls = dimg.TLSConfig(ca_cert="ca.pem", client_cert=("cert.pem", "key.pem"))
            >>> dimg.Client("tcp://10.0.0.5:2376", tls=tls).endpoint.kind
            'tls'
            >>> dimg.Client(timeout=300, credential_helper_timeout=10)  # slow pulls, not a stuck keychain
            <dimg.Client unix:///var/run/docker.sock>
        """
        self._connection = Connection(
            base_url, timeout, version, self._asynchronous, context, config_dir, tls, credential_helper_timeout
        )

    @classmethod
    def from_env(
        cls: type[_Connected],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: str | None = None,
        *,
        context: str | None = None,
        config_dir: _StrPath | None = None,
        tls: TLSConfig | bool = False,
        credential_helper_timeout: float | None = None,
    ) -> _Connected:
        """A client that finds the daemon as the docker CLI does: `cls(None, ...)`, see its
        arguments. `version` overrides DOCKER_API_VERSION, `context` DOCKER_HOST and
        DOCKER_CONTEXT, `tls` the TLS variables.

        Example:
            >>> dimg.AsyncClient.from_env(credential_helper_timeout=5)
            <dimg.AsyncClient unix:///var/run/docker.sock>
        """
        return cls(
            None,
            timeout,
            version,
            context=context,
            config_dir=config_dir,
            tls=tls,
            credential_helper_timeout=credential_helper_timeout,
        )

    @property
    def host(self) -> str:
        """The daemon's address in DOCKER_HOST form ("unix:///var/run/docker.sock", "tcp://host:2375")."""
        return self._connection.host

    @property
    def socket_path(self) -> str | None:
        """The Unix socket path; None for tcp:// and ssh:// addresses."""
        return self._connection.socket_path

    @property
    def endpoint(self) -> Endpoint:
        """The daemon endpoint that was resolved: `kind` ("unix", "tcp", "tls", "ssh"),
        `address` (as `host`), `context` ("default" or the context's name), `socket_path`, `tls`.

        Example:
            >>> dimg.Client(context="remote").endpoint
            <Endpoint ssh ssh://deploy@build-host context=remote>
        """
        return self._connection.endpoint

    @property
    def timeout(self) -> float | None:
        """The answer timeout in seconds; None waits forever."""
        return self._connection.timeout

    def __repr__(self) -> str:
        context = self._connection.endpoint.context
        suffix = "" if context == "default" else f" context={context}"
        return f"<dimg.{type(self).__name__} {self.host}{suffix}>"


class Client(_ConnectedBase):
    """A connection to a Docker (or Podman) daemon; every call blocks, with the GIL released,
    and Ctrl-C interrupts it. `dimg.Client(base_url=None, timeout=DEFAULT_TIMEOUT, version=None,
    *, context=None, config_dir=None, tls=False, credential_helper_timeout=None)`; without
    `base_url` it connects where the docker CLI would (DOCKER_HOST, DOCKER_CONTEXT, the current
    context, ...)."""

    _asynchronous = False

    def _run(self, call: Call[_T]) -> _T:
        return call.run()

    @property
    def images(self) -> ImageCollection:
        """Image operations (list, get, search, pull, pull_stream, remove, remove_many, tag, prune)."""
        return ImageCollection(self._connection)

    def ping(self) -> Ping:
        """`GET /_ping` (truthy); also negotiates the API version."""
        return self._run(self._connection.ping())

    def api_version(self) -> str:
        """The API version in use ("1.41"), negotiating it if needed."""
        return self._run(self._connection.api_version())

    def version(self) -> Version:
        """`GET /version`."""
        return self._run(self._connection.version())

    def info(self) -> Info:
        """`GET /info`: storage driver, root dir, registry mirrors, insecure registries."""
        return self._run(self._connection.info())

    def close(self) -> None:
        """Closes the pooled connections (for ssh://, kills and reaps their ssh processes) once
        the calls already made have finished; later calls raise RuntimeError. `with` (`async
        with`) calls it."""
        self._connection.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient(_ConnectedBase):
    """`dimg.AsyncClient`: the Client API as coroutines (asyncio)."""

    _asynchronous = True

    def _run(self, call: Call[_T]) -> Awaitable[_T]:
        return call.start()

    @property
    def images(self) -> AsyncImageCollection:
        """Image operations as coroutines (pull_stream is read with `async for`)."""
        return AsyncImageCollection(self._connection)

    ping = _awaitable(Client.ping)
    api_version = _awaitable(Client.api_version)
    version = _awaitable(Client.version)
    info = _awaitable(Client.info)

    async def close(self) -> None:
        """Closes the pooled connections (for ssh://, kills and reaps their ssh processes) once
        the calls already made have finished; later calls raise RuntimeError. `with` (`async
        with`) calls it."""
        self._connection.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()


def from_env(
    timeout: float | None = DEFAULT_TIMEOUT,
    version: str | None = None,
    *,
    context: str | None = None,
    config_dir: _StrPath | None = None,
    tls: TLSConfig | bool = False,
    credential_helper_timeout: float | None = None,
) -> Client:
    """docker-py's `docker.from_env()`: a Client that finds the daemon as the docker CLI does
    without flags (DOCKER_HOST, else DOCKER_CONTEXT, else config.json's current context, else
    /var/run/docker.sock; the TLS variables; DOCKER_API_VERSION). The same as `dimg.Client()`.

    Example:
        >>> dimg.from_env().endpoint                      # after `docker context use remote`
        <Endpoint ssh ssh://deploy@build-host context=remote>
        >>> dimg.from_env(context="default", timeout=10)  # `docker --context default`
        <dimg.Client unix:///var/run/docker.sock>
        >>> dimg.from_env(credential_helper_timeout=10)  # a stuck keychain fails in 10 s
        <dimg.Client unix:///var/run/docker.sock>
    """
    return Client.from_env(
        timeout,
        version,
        context=context,
        config_dir=config_dir,
        tls=tls,
        credential_helper_timeout=credential_helper_timeout,
    )
