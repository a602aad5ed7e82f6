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
    DockerError,
    Endpoint,
    Image,
    Info,
    Ping,
    PullManyProgress,
    PullProgress,
    PullStream,
    RemovedItem,
    RemoveReport,
    RetryPolicy,
    SearchResult,
    Timeouts,
    TLSConfig,
    Version,
)


class _DefaultTimeout(float):
    """The type of `timeout=`'s default: DEFAULT_TIMEOUT as a float of its own, so that a client
    can tell `timeout` left out (and `timeouts=` may be given) from `timeout=120` given."""


_DEFAULT_TIMEOUT = _DefaultTimeout(DEFAULT_TIMEOUT)


class _Unchanged:
    """The default of `with_timeouts`' arguments: that limit stays the client's."""

    def __repr__(self) -> str:
        return "<unchanged>"


_UNCHANGED = _Unchanged()


def _given(timeout: float | None) -> bool:
    """Whether `timeout=` was given (with `timeouts=` too, the client refuses both)."""
    return not isinstance(timeout, _DefaultTimeout)


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
    """What ImageCollection and AsyncImageCollection share: the connection, the one place a
    call's own `timeouts=` / `retry=` apply, and `pull_stream`, which returns the stream at
    once for both."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _via(self, timeouts: Timeouts | None, retry: RetryPolicy | None = None) -> Connection:
        """The connection one call runs on: the client's, or the same pool under the limits and
        retries the call gives (None keeps the client's)."""
        if timeouts is None and retry is None:
            return self._connection
        return self._connection.with_limits(timeouts, retry)

    def pull_stream(
        self,
        repository: str,
        tag: str | None = None,
        all_tags: bool = False,
        platform: str | None = None,
        auth_config: Mapping[str, str] | None = None,
        policy: PullPolicy = "always",
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> PullStream:
        """`docker pull` as a stream of PullProgress (`for` on a Client's, `async for` on an
        AsyncClient's); its `summary` is complete at the end. A pull the policy skips is a
        stream without events whose summary's outcome is "skipped". `timeouts` and `retry`
        are this pull's (None: the client's); each retry is a PullProgress whose phase is
        "retry", after which the pull starts again."""
        connection = self._via(timeouts, retry)
        return connection.pull_stream(repository, tag, all_tags, platform, auth_config, policy)


class ImageCollection(_ImagesBase):
    """`client.images`: what `docker images / image inspect / search / pull / rmi / tag / image
    prune` do. Every method takes `timeouts=` (a Timeouts: this call's limits instead of the
    client's); pull, pull_stream, pull_many, search and get take `retry=` (a RetryPolicy: this
    call's retries; RetryPolicy(1) makes none)."""

    def _run(self, call: Call[_T]) -> _T:
        return call.run()

    def list(
        self,
        name: str | None = None,
        all: bool = False,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        timeouts: Timeouts | None = None,
    ) -> builtins.list[Image]:
        """`docker images`, newest first.

        Args:
            name: a REPOSITORY[:TAG] pattern.
            all: include intermediate images.
            filters: {"dangling": bool, "label": "k" | "k=v" | [...], "before": ..., "since": ...,
                "reference": ..., "until": ...}.
            timeouts: this call's limits (None: the client's).
        """
        return self._run(self._via(timeouts).list_images(name, all, filters))

    def get(self, name: str, *, timeouts: Timeouts | None = None, retry: RetryPolicy | None = None) -> Image:
        """`docker image inspect NAME`: the image, or `ImageNotFound`.

        Example:
            >>> client.images.get("alpine:3.19", timeouts=dimg.Timeouts(total=2))  # DockerTimeoutError after 2 s
        """
        return self._run(self._via(timeouts, retry).inspect_image(name))

    def search(
        self,
        term: str,
        limit: int | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> builtins.list[SearchResult]:
        """`docker search TERM`: at most `limit` (1 to 100) hits; filters are
        {"stars": int, "is-official": bool, "is-automated": bool}."""
        return self._run(self._via(timeouts, retry).search_images(term, limit, filters))

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
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
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
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
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
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> Image | builtins.list[Image]:
        """`docker pull`: returns the pulled Image (with `all_tags`, every Image of the repository).

        Args:
            repository: NAME[:TAG|@DIGEST].
            tag: a tag (or `sha256:` digest) replacing the one in `repository`.
            all_tags: pull every tag (`docker pull -a`).
            platform: os[/arch[/variant]].
            progress: called with each PullProgress; an exception from it stops the pull and
                propagates unchanged. A retry (see `retry`) is a PullProgress whose phase is
                "retry"; the pull's messages start again after it.
            auth_config: docker-py's credentials dict (username, password, serveraddress, ...);
                None looks them up in the docker CLI's config.json.
            policy: when to ask the registry (podman's pull policies; docker pull has none):
                "always" (default, what docker pull does), "missing" (pull only when the image
                is not present locally; nothing is sent to the registry otherwise), "never"
                (the local image, or ImageNotFound), "newer" (pull when the registry's digest
                differs from the local image's; Docker only, UnsupportedOption on Podman). Only
                "always" goes with `all_tags`. With a `platform`, a local image for another
                platform is not present.
            timeouts: this pull's limits (None: the client's): `idle` is the longest silence
                between two progress messages, `total` bounds what is asked before they start.
            retry: this pull's RetryPolicy (None: the client's): after a transient failure the
                whole pull starts again.

        Raises:
            ImageNotFound: no such image (for "never": not present locally).
            RateLimited: the registry's rate limit refused the pull (never retried).
            DockerTimeoutError: the daemon was silent for longer than `timeouts.idle`.

        Example:
            >>> client.images.pull("registry.example.com/app", tag="1.4",
            ...                    retry=dimg.RetryPolicy(3), timeouts=dimg.Timeouts(idle=30))
            <Image 5f2c3a1b9d0e registry.example.com/app:1.4 7.2MB 2 days ago>
        """
        connection = self._via(timeouts, retry)
        return self._run(connection.pull_image(repository, tag, all_tags, platform, progress, auth_config, policy))

    def pull_many(
        self,
        references: Iterable[str],
        *,
        concurrency: int = 4,
        progress: Callable[[PullManyProgress], object] | None = None,
        raise_on_error: bool = False,
        policy: PullPolicy = "always",
        platform: str | None = None,
        auth_config: Mapping[str, str] | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> builtins.list[Image | DockerError]:
        """`docker pull A B C ...` at once: at most `concurrency` pulls run together, with one
        progress over all of them (a layer several images share counts once). Every pull runs
        to its end whatever the others do.

        Args:
            references: NAME[:TAG|@DIGEST] each. Every one is checked first: an invalid one
                raises InvalidReference and nothing is pulled.
            concurrency: how many pulls run at once (at least 1).
            progress: called with a PullManyProgress for each update of each image: its
                `index` and `reference`, `kind` ("started", "event" with the pull's
                PullProgress as `event`, "finished" with `error` the exception when it failed)
                and `totals`, a PullTotals over all images (images, images_done,
                images_failed, layers, layers_done, bytes_done, bytes_total, elapsed, rate,
                eta). An exception from it stops every pull and propagates unchanged.
            raise_on_error: once every pull ended, raise the first failure (in the order of
                `references`) instead of returning the list.
            policy, platform, auth_config, timeouts, retry: as `pull`'s, for each image.

        Returns:
            One entry per reference, in their order: the pulled Image (as `pull` returns it),
            or the exception its pull failed with (ImageNotFound, RateLimited, ...), not
            raised.

        Raises:
            InvalidReference: a reference is not valid; nothing was sent.
            InvalidArgument: a concurrency below 1.

        Example:
            >>> def show(update):
            ...     t = update.totals
            ...     print(f"{t.images_done}/{t.images} images, {t.bytes_done}/{t.bytes_total} bytes")
            >>> results = client.images.pull_many(["alpine:3.19", "busybox:1.36", "nosuch:1"], progress=show)
            >>> [type(r).__name__ for r in results]
            ['Image', 'Image', 'ImageNotFound']
        """
        if isinstance(references, str):
            raise TypeError("references must be an iterable of names, not one str")
        connection = self._via(timeouts, retry)
        call = connection.pull_many(
            builtins.list(references), concurrency, progress, raise_on_error, platform, auth_config, policy
        )
        return self._run(call)

    def remove(
        self, image: str, force: bool = False, noprune: bool = False, *, timeouts: Timeouts | None = None
    ) -> builtins.list[RemovedItem]:
        """`docker rmi IMAGE`: returns the RemovedItems (Untagged, then Deleted)."""
        return self._run(self._via(timeouts).remove_image(image, force, noprune))

    def remove_many(
        self, images: Iterable[str], force: bool = False, noprune: bool = False, *, timeouts: Timeouts | None = None
    ) -> RemoveReport:
        """`docker rmi A B C`: goes on after failures; returns a RemoveReport."""
        if isinstance(images, str):
            raise TypeError("images must be an iterable of names, not one str")
        return self._run(self._via(timeouts).remove_images(builtins.list(images), force, noprune))

    def tag(self, image: str, repository: str, tag: str | None = None, *, timeouts: Timeouts | None = None) -> bool:
        """`docker tag IMAGE REPOSITORY[:TAG]`. Returns True."""
        return self._run(self._via(timeouts).tag_image(image, repository, tag))

    def prune(
        self, filters: Mapping[str, FilterValue] | None = None, *, all: bool = False, timeouts: Timeouts | None = None
    ) -> PruneReport:
        """`docker image prune`: removes the dangling images (with `all`, every image no
        container uses) that match `filters`; docker-py's `prune(filters)`.

        Args:
            filters: {"until": "24h" | timestamp, "label": "k" | "k=v" | [...], "label!": ...,
                "dangling": bool}. Filters of one key are alternatives, of different keys all
                apply. `dangling` is docker-py's way to choose: False means `all=True`, True
                (the default) dangling images only. Any other key is an InvalidArgument, raised
                before anything is sent.
            all: every unused image, not only dangling ones (`docker image prune -a`).
            timeouts: this call's limits (None: the client's).

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
        return self._run(self._via(timeouts).prune_images(filters, all))


class AsyncImageCollection(_ImagesBase):
    """`AsyncClient.images`: the ImageCollection methods as coroutines."""

    def _run(self, call: Call[_T]) -> Awaitable[_T]:
        return call.start()

    list = _awaitable(ImageCollection.list)
    get = _awaitable(ImageCollection.get)
    search = _awaitable(ImageCollection.search)
    pull = _awaitable(ImageCollection.pull)
    pull_many = _awaitable(ImageCollection.pull_many)
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
        timeout: float | None = _DEFAULT_TIMEOUT,
        version: str | None = None,
        *,
        context: str | None = None,
        config_dir: _StrPath | None = None,
        tls: TLSConfig | bool = False,
        credential_helper_timeout: float | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
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
            timeout: seconds a call may take (and a pull may be silent between two progress
                messages); None waits forever. The default is dimg's, DEFAULT_TIMEOUT. Not with
                `timeouts`, which says all three limits (connecting keeps its 5 s here).
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
            timeouts: a Timeouts (connect, total, idle) instead of `timeout`; giving both is
                an InvalidArgument. Each image method's `timeouts=` overrides it for one call.
            retry: a RetryPolicy for pulls, searches and gets (None: no retries); each of
                those methods' `retry=` overrides it for one call.

        Raises:
            InvalidArgument: an address dimg does not speak, a context that cannot be read,
                `base_url` with `context`, `tls` with a context or a non-tcp:// address, a
                timeout that is not a positive number of seconds, `timeout` with `timeouts`.
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
            >>> dimg.Client(timeouts=dimg.Timeouts(connect=2, total=30, idle=600), retry=dimg.RetryPolicy(3))
            <dimg.Client unix:///var/run/docker.sock>
        """
        self._connection = Connection(
            base_url,
            timeout,
            _given(timeout),
            timeouts,
            version,
            self._asynchronous,
            context,
            config_dir,
            tls,
            credential_helper_timeout,
            retry,
        )

    @classmethod
    def from_env(
        cls: type[_Connected],
        timeout: float | None = _DEFAULT_TIMEOUT,
        version: str | None = None,
        *,
        context: str | None = None,
        config_dir: _StrPath | None = None,
        tls: TLSConfig | bool = False,
        credential_helper_timeout: float | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
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
            timeouts=timeouts,
            retry=retry,
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
        """The total limit of a call in seconds (`timeouts.total`); None waits forever."""
        return self._connection.timeout

    @property
    def timeouts(self) -> Timeouts:
        """The limits this client's calls run under (connect, total, idle).

        Example:
            >>> dimg.Client(timeout=300).timeouts
            Timeouts(connect=5.0, total=300.0, idle=300.0)
        """
        return self._connection.timeouts

    @property
    def retry(self) -> RetryPolicy | None:
        """The RetryPolicy of this client's pulls, searches and gets; None: no retries."""
        return self._connection.retry

    def with_timeouts(
        self: _Connected,
        *,
        connect: float | None | _Unchanged = _UNCHANGED,
        total: float | None | _Unchanged = _UNCHANGED,
        idle: float | None | _Unchanged = _UNCHANGED,
    ) -> _Connected:
        """A client of the same kind on the same connections (no new connection, the same
        negotiated API version, retry policy and settings) whose calls run under other limits:
        each one given (seconds, or None for no limit) replaces this client's, the others
        stay. Closing either client closes both.

        Raises:
            InvalidArgument: a limit that is not None or a positive number of seconds.

        Example:
            >>> quick = client.with_timeouts(total=3)
            >>> quick.timeouts, client.timeouts
            (Timeouts(connect=5.0, total=3.0, idle=120.0), Timeouts(connect=5.0, total=120.0, idle=120.0))
        """
        current = self._connection.timeouts
        limits = Timeouts(
            connect=current.connect if isinstance(connect, _Unchanged) else connect,
            total=current.total if isinstance(total, _Unchanged) else total,
            idle=current.idle if isinstance(idle, _Unchanged) else idle,
        )
        other = object.__new__(type(self))
        other._connection = self._connection.with_limits(limits, None)
        return other

    def __repr__(self) -> str:
        context = self._connection.endpoint.context
        suffix = "" if context == "default" else f" context={context}"
        return f"<dimg.{type(self).__name__} {self.host}{suffix}>"


class Client(_ConnectedBase):
    """A connection to a Docker (or Podman) daemon; every call blocks, with the GIL released,
    and Ctrl-C interrupts it. `dimg.Client(base_url=None, timeout=DEFAULT_TIMEOUT, version=None,
    *, context=None, config_dir=None, tls=False, credential_helper_timeout=None, timeouts=None,
    retry=None)`; without `base_url` it connects where the docker CLI would (DOCKER_HOST,
    DOCKER_CONTEXT, the current context, ...)."""

    _asynchronous = False

    def _run(self, call: Call[_T]) -> _T:
        return call.run()

    @property
    def images(self) -> ImageCollection:
        """Image operations (list, get, search, pull, pull_stream, pull_many, remove, remove_many, tag, prune)."""
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
    timeout: float | None = _DEFAULT_TIMEOUT,
    version: str | None = None,
    *,
    context: str | None = None,
    config_dir: _StrPath | None = None,
    tls: TLSConfig | bool = False,
    credential_helper_timeout: float | None = None,
    timeouts: Timeouts | None = None,
    retry: RetryPolicy | None = None,
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
        >>> dimg.from_env(retry=dimg.RetryPolicy(3)).retry
        RetryPolicy(attempts=3, initial_backoff=0.5, multiplier=2.0, max_backoff=30.0, max_elapsed=None, jitter=0.2)
    """
    return Client.from_env(
        timeout,
        version,
        context=context,
        config_dir=config_dir,
        tls=tls,
        credential_helper_timeout=credential_helper_timeout,
        timeouts=timeouts,
        retry=retry,
    )
