"""examples/cron/remind.sh: alerts exactly when marenew status says a deadline is within N days."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, REPO

SCRIPT = REPO / "examples" / "cron" / "remind.sh"
# cma-short.yaml: the CMA expires 2027-02-28. On 2026-11-29 that is 91 days away, and its 20
# points still needed are behind the cycle's pace of 1 a month (the day to start was 2025-06-28).
FILE = EXAMPLES / "cma-short.yaml"
# cma-on-track.yaml: expires 2030-06-30 with 35 points to go, on pace on 2026-11-29.
ON_PACE = EXAMPLES / "cma-on-track.yaml"

pytestmark = [
    pytest.mark.slow,  # real processes: bash, the console script
    pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash"),
]


def remind(*args: str, as_of: str | None = "2026-11-29", **env: str) -> subprocess.CompletedProcess:
    # The marenew installed next to this Python (the test venv's console script).
    path = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    environ = {**os.environ, "PATH": path, **env}
    environ.pop("REMIND_MAIL_TO", None)
    if as_of is not None:
        environ["MARENEW_AS_OF"] = as_of
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=environ, timeout=60)


def test_quiet_when_on_pace_and_the_deadline_is_further_than_n_days():
    result = remind(str(ON_PACE), "90")
    assert result.returncode == 0
    assert result.stdout == "" and result.stderr == ""


def test_alerts_when_behind_pace_long_before_the_deadline():
    result = remind(str(FILE), "90")  # 91 days left > 90, but behind pace
    assert result.returncode == 1
    assert result.stdout.startswith(f"ALERT: marenew: CE for a certification in {FILE} is behind pace")
    assert "Behind pace: about 6.67 points a month from now to 2027-02-28" in " ".join(result.stdout.split())
    assert "Next step" in result.stdout


def test_alerts_when_the_deadline_is_within_n_days():
    result = remind(str(FILE), "91")  # 91 days left <= 91: expiring
    assert result.returncode == 1
    assert result.stdout.startswith(f"ALERT: marenew: a certification in {FILE} needs attention within 91 days")
    assert "EXPIRING" in result.stdout and "2027-02-28" in result.stdout


def test_days_from_the_environment():
    # the on-pace CMA expires 2030-06-30: 1309 days after 2026-11-29
    assert remind(str(ON_PACE), REMIND_DAYS="1309").returncode == 1
    assert remind(str(ON_PACE), REMIND_DAYS="1308").returncode == 0


def test_extra_args_pass_through():
    # quiet on 2026-11-29; the extra --as-of comes last and wins: 2030-06-01 is 29 days before expiry
    assert remind(str(ON_PACE), "30").returncode == 0
    assert remind(str(ON_PACE), "30", "--as-of", "2030-06-01").returncode == 1


def test_alerts_in_the_late_window_whatever_n():
    # 2027-03-15: expired, in the late window (to 2027-05-31): grace, needs action.
    result = remind(str(FILE), "0", as_of="2027-03-15")
    assert result.returncode == 1 and "GRACE" in result.stdout


def test_bad_input_is_an_error_not_an_alert(tmp_path):
    result = remind(str(tmp_path / "missing.yaml"), "30")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "ERROR: marenew could not check" in result.stderr and "missing.yaml" in result.stderr
