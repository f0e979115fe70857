"""Errors the CLI turns into clear messages and non-zero exit codes."""


class LakehouseError(Exception):
    """Base class: a problem the user can act on, with a message that says what and where."""

    exit_code = 1


class ConfigError(LakehouseError):
    """A setting is missing, unknown or invalid."""

    exit_code = 2


class UsageError(LakehouseError):
    """The command line asks for something malformed or contradictory (a bad date, options
    that exclude each other); exit code 2 like every other usage error."""

    exit_code = 2


class StorageError(LakehouseError):
    """The lake cannot be reached, or an object cannot be read or written."""


class LakeNotFoundError(StorageError):
    """The lake folder or bucket does not exist, or was never initialised with `init`."""

    def __init__(self, what: str, init_command: str = "lakehouse init") -> None:
        super().__init__(f"{what}: create it with `{init_command}`")
        self.what = what


class TransientStorageError(StorageError):
    """A timeout or throttling error that may succeed when retried."""


class RetriesExhaustedError(StorageError):
    """Transient errors (timeouts, throttling) outlasted the in-process retries: a longer
    outage. Not retried again in the same process; an orchestrator may run the stage again
    minutes later (the Step Functions states retry exactly this error)."""


class EngineError(LakehouseError):
    """The query engine failed (a query error, or an extension that cannot be loaded)."""


class InputFileError(LakehouseError):
    """A raw file cannot be ingested as a whole (missing column, unreadable, wrong encoding)."""
