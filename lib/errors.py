"""The one exception type for errors a user can cause, and the documented exit codes."""

from __future__ import annotations

# Exit codes shared by every plugin (README "Exit codes"). mig-verify adds 2 and 3 for verdicts.
EXIT_OK = 0
EXIT_ERROR = 1          # the thing asked for failed or does not exist
EXIT_USAGE = 64         # bad flags or arguments
EXIT_UNREACHABLE = 69   # a cluster could not be reached or answered with a server error
EXIT_FORBIDDEN = 77     # 401/403 from a cluster
EXIT_INTERRUPTED = 130


class MigError(Exception):
    """An error with a one-line message for the user and an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class UsageError(MigError):
    def __init__(self, message: str):
        super().__init__(message, EXIT_USAGE)


class ApiError(MigError):
    """An API call failed; carries the HTTP status (0 when the cluster was not reached)."""

    def __init__(self, message: str, status: int = 0, reason: str = "", cluster: str = ""):
        if status in (401, 403):
            code = EXIT_FORBIDDEN
        elif status == 0 or status >= 500 or status == 429:
            code = EXIT_UNREACHABLE
        else:
            code = EXIT_ERROR
        super().__init__(message, code)
        self.status = status
        self.reason = reason
        self.cluster = cluster

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def conflict(self) -> bool:
        return self.status == 409


class NotServed(MigError):
    """A kind the cluster does not serve (no DeploymentConfig on plain Kubernetes) and the tool does not know."""


class NotCollected(MigError):
    """What was asked for was never gathered (a must-gather without that kind, namespace or cluster):
    unknown, not absent. Checks that meet it are reported under `unchecked`."""
