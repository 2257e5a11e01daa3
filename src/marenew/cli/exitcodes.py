"""Exit codes: one place decides them (docs/reference.md, "Exit codes")."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # every credential active / rule files clean
    ATTENTION = 1  # a credential is expiring, in grace or lapsed; rule problems or failed cases found
    INPUT = 2  # usage error or bad input (a file that is missing, unparsable or invalid)
    INTERNAL = 3  # a bug in marenew: an unexpected error (please report it)
    INTERRUPTED = 130  # stopped with Ctrl-C (SIGINT)
    PIPE = 141  # the output's reader went away and the command could not finish (128 + SIGPIPE)
    TERMINATED = 143  # stopped with SIGTERM (128 + 15, as a shell reports it)
