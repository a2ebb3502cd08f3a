"""The connection to a cluster: opensearch-py, imported only here and only when called.

Credentials never come from the command line: a URL with a user or password in it
is refused. They come from `ARCHIVE_OPENSEARCH_USER` and
`ARCHIVE_OPENSEARCH_PASSWORD`, else from the `~/.netrc` entry of the host (or the
file named by `NETRC`). TLS certificates are verified; `ARCHIVE_OPENSEARCH_CA`
names a CA bundle for a cluster with its own certificate authority.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from ..errors import ArchiveError

INSTALL = "pip install 'french-news-archive[opensearch]'"


class ClusterError(ArchiveError):
    """The cluster cannot be reached, refused us, or answered an error."""


def check_url(url: str) -> str:
    """The URL, checked: http(s), a host, no credentials in it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ArchiveError(f"Not a cluster URL: {url!r}. Give one such as https://search.example.org:9200.")
    if parts.username or parts.password:
        raise ArchiveError(
            f"The URL {parts.hostname} carries credentials: never put them on the command line. Set"
            " ARCHIVE_OPENSEARCH_USER and ARCHIVE_OPENSEARCH_PASSWORD, or add a ~/.netrc entry"
            f" (machine {parts.hostname} login USER password PASSWORD), and give the URL without them."
        )
    return url.strip().rstrip("/")


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) from the environment, else from netrc, else None."""
    user, password = os.environ.get("ARCHIVE_OPENSEARCH_USER"), os.environ.get("ARCHIVE_OPENSEARCH_PASSWORD")
    if user and password is not None:
        return user, password
    host = urlsplit(url).hostname or ""
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.exists(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        raise ArchiveError(f"Cannot read the credentials file {path} ({exc}). Fix or remove it.") from None
    if entry is None:
        return None
    login, _, password = entry
    return (login or "", password or "")


def connect(url: str, timeout: float = 30.0) -> Any:
    """An `opensearchpy.OpenSearch` client for `url` (credentials and TLS as above)."""
    url = check_url(url)
    try:
        from opensearchpy import OpenSearch
    except ImportError:
        raise ArchiveError(f"Talking to a cluster needs opensearch-py: {INSTALL}") from None
    kwargs: dict[str, Any] = {"hosts": [url], "timeout": timeout, "max_retries": 3, "retry_on_timeout": True}
    if url.startswith("https"):
        kwargs["verify_certs"] = True
        ca = os.environ.get("ARCHIVE_OPENSEARCH_CA")
        if ca:
            if not os.path.isfile(ca):
                raise ArchiveError(f"ARCHIVE_OPENSEARCH_CA names {ca}, which is not a file: give a CA bundle (PEM).")
            kwargs["ca_certs"] = ca
    auth = credentials(url)
    if auth is not None:
        kwargs["http_auth"] = auth
    return OpenSearch(**kwargs)


@contextmanager
def cluster_errors(url: str, index: str) -> Iterator[None]:
    """opensearch-py's exceptions as `ClusterError`s whose message says what to do."""
    try:
        from opensearchpy import exceptions as E
    except ImportError:  # pragma: no cover (connect has said it)
        yield
        return
    where = f"the cluster at {url}"
    try:
        yield
    except E.AuthenticationException:
        raise ClusterError(
            f"{where} refused our credentials. Set ARCHIVE_OPENSEARCH_USER and ARCHIVE_OPENSEARCH_PASSWORD"
            " or a ~/.netrc entry for its host."
        ) from None
    except E.AuthorizationException as exc:
        raise ClusterError(f"{where} does not let this user work on the index {index} ({_reason(exc)}).") from None
    except E.NotFoundError as exc:
        raise ClusterError(f"No index {index} on {where} ({_reason(exc)}). Send the archive first: archive push"
                           f" --url {url} --index-name {index}") from None  # fmt: skip
    except E.SSLError as exc:
        raise ClusterError(f"Cannot verify the TLS certificate of {where} ({_reason(exc)}). Point"
                           " ARCHIVE_OPENSEARCH_CA at the CA bundle that signed it.") from None  # fmt: skip
    except E.ConnectionError as exc:
        raise ClusterError(
            f"Cannot reach {where} ({_reason(exc)}). Check the URL and that the cluster is up."
        ) from None
    except E.TransportError as exc:
        raise ClusterError(f"{where} answered an error on the index {index}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        err = info.get("error")
        if isinstance(err, dict):
            return str(err.get("reason") or err.get("type") or err)
        if err:
            return str(err)
    return str(getattr(exc, "error", "") or exc)
