"""Errors the CLI turns into one clear message (plus a hint) and exit code 2.

Anything else that escapes is a bug: it is logged with its traceback and exits 1.
"""


class AemoWhError(Exception):
    """An expected failure with a message for the user and an optional hint."""

    def __init__(self, msg: str, hint: str = "") -> None:
        super().__init__(msg)
        self.msg = msg
        self.hint = hint


class ConfigError(AemoWhError):
    """A missing or invalid setting; the message names the setting."""


class NemwebFetchError(AemoWhError):
    """A listing or file could not be fetched after retries."""


class BadSourceFile(AemoWhError):
    """A source file that cannot be parsed; it is quarantined and the run goes on."""


class ContractViolation(BadSourceFile):
    """A file about to be published whose schema is not its table's contract (the writer refuses it)."""


class EmailDeliveryError(AemoWhError):
    """An email could not be delivered (the message stays in the outbox)."""
