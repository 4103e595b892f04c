"""The project's one error tree.

    AteraMcpError                    base of everything this package raises on purpose
    ├── ConfigError                  a bad ATERA_* setting; names the variable
    ├── AteraError                   something went wrong talking to Atera (raised by client/)
    │   ├── AuthError                401/403: the key was rejected; retrying will not help
    │   ├── NotFoundError            404: the ticket, contact or customer does not exist
    │   ├── AteraRefusedError        400/409/422: Atera refused the request; carries its reason
    │   ├── RateLimitedError         429 after the retries ran out; carries the wait in seconds
    │   └── UpstreamError            5xx, timeouts, connection failures, unreadable answers
    │       ├── AmbiguousWriteError  a write got no clear answer (dropped, timeout, 5xx,
    │       │                        unreadable 2xx): never replayed blindly; settled by tools
    │       └── SharedStateUnavailable  the replicas' shared rate budget or write locks
    │                                (Redis), or the ticket index, cannot be reached: the
    │                                request was not sent
    └── LocalRefusal                 refused here, before anything was sent to Atera
        ├── InvalidRequestError      arguments the client cannot send (a page out of range,
        │                            an empty update, a period that ends before it starts)
        ├── RuleError                a service-desk rule forbids the change (status
        │                            transition, duplicate, overlap, ...)
        └── WriteInProgress          the same write is being made by another call (on any
                                     replica) for longer than a caller waits

`AteraRefusedError` was once called `ValidationError`; the name collided with pydantic's and
was also raised for local checks, so "Atera said no" and "we never asked" could not be told
apart. Anything under `LocalRefusal` is certain to have written nothing.
`SharedStateUnavailable` is an `UpstreamError`, not a refusal: a replica that cannot reach Redis
cannot reach Atera safely either, and the code that copes with Atera being unreachable (a retry
that may follow a lost answer, a look for a write, a read-back) must cope with it the same way.

Messages are written for the model and the technician: one or two plain sentences, never a
raw upstream body, never a credential. `server.py` turns every `AteraMcpError` into an MCP tool
error in one place; anything else is a bug and stays one.

This module imports nothing from the package.
"""

from __future__ import annotations

from typing import Self


class AteraMcpError(Exception):
    """Base of every error this package raises deliberately."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def after(self, done: str) -> Self:
        """This error, its message led by what was done before it happened."""
        self.message = f"{done} {self.message}"
        self.args = (self.message,)
        return self


class ConfigError(AteraMcpError):
    """A setting is missing or invalid. The message names the environment variable."""


class AteraError(AteraMcpError):
    """A failure talking to Atera. `status` is the HTTP status when there was an answer."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(AteraError):
    """Atera rejected the credential (401) or the operation is forbidden (403)."""


class NotFoundError(AteraError):
    """The addressed object does not exist in Atera."""


class AteraRefusedError(AteraError):
    """Atera refused the request as invalid (400/409/422); the message carries its reason."""


class RateLimitedError(AteraError):
    """Atera kept answering 429 until the retry budget ran out."""

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class UpstreamError(AteraError):
    """Atera failed (5xx), could not be reached, timed out, or answered something unreadable."""


class AmbiguousWriteError(UpstreamError):
    """A write reached Atera but no clear answer came back: it may or may not have been applied.

    Such a request is never replayed automatically (Atera has no idempotency keys); the caller
    must look for it in Atera before sending it again (`tools/settle.py` does). `cause` says in
    a few words what went wrong ("a dropped connection", "HTTP 502"), for notes and the audit.
    """

    def __init__(self, message: str, *, cause: str, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.cause = cause


class SharedStateUnavailable(UpstreamError):
    """Redis, which holds the rate budget and write locks the server's replicas share, did not
    answer in time: the request was not sent (unbudgeted requests would draw Atera's 429s).
    Also raised when a search cannot read the ticket index (PostgreSQL down, a busy file)."""


class LocalRefusal(AteraMcpError):
    """Refused before anything was sent to Atera: nothing was written."""


class InvalidRequestError(LocalRefusal):
    """The client was asked for a request it cannot send (bad page, empty update, ...)."""


class RuleError(LocalRefusal):
    """A service-desk rule forbids the requested change; nothing was sent to Atera."""


class WriteInProgress(LocalRefusal):
    """Another call, on this replica or another, is making the same write (holds its lock)
    and did not finish within the wait; nothing was sent, the caller may try again."""
