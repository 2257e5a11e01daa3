"""The roster's worker processes and SIGTERM: a worker must end quietly when the pool stops it."""

from __future__ import annotations

import signal

import pytest

from helpers import AS_OF, d
from marenew.roster.records import Settings
from marenew.roster.runner import Job, Pool


def _sigterm_in_worker() -> tuple[object, bool]:
    return signal.getsignal(signal.SIGTERM), signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, set())


@pytest.mark.slow  # forks real worker processes
def test_workers_end_on_sigterm_whatever_the_parent_installed(ruleset):
    # The parent holds a handler that raises (as `main` installs); a worker forked with it and
    # stopped before resetting it would run it, and the pool's terminate could wait forever.
    def parents(signum, frame):
        raise SystemExit(143)

    before = signal.signal(signal.SIGTERM, parents)
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
        pool = Pool(2, ruleset, [], Job(Settings(as_of=d(AS_OF), warn_days=90, member=None), None))
        try:
            results = [res for _, res in pool.run(_sigterm_in_worker, [(), ()])]
        finally:
            pool.close()
        # the parent's mask is as it was, its handler too
        assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == mask
        assert signal.getsignal(signal.SIGTERM) is parents
    finally:
        signal.signal(signal.SIGTERM, before)
    # in each worker: the default action (end quietly), and SIGTERM not left blocked
    assert results == [(signal.SIG_DFL, False)] * 2
