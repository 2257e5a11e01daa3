"""marenew notify against a real SMTP server (aiosmtpd) started here: each person with an
address gets their own message with their calendar attached; a refused recipient is reported
while the rest are sent; --resume sends nothing twice; --dry-run writes .eml files; a login
comes from the environment.

The sample (examples/roster/lms/) as of 2026-11-29: seven people, all of whom need to act or are
behind pace; 1005 has no address.
"""

from __future__ import annotations

import email
import socket
from email import policy
from pathlib import Path

import pytest

from helpers import EXAMPLES
from marenew.cli import app
from marenew.cli.exitcodes import ExitCode

LMS = EXAMPLES / "roster" / "lms"
AS_OF = "2026-11-29"
SENDER = "hr@example.org"
ADDRESSES = {
    "1001": "maria.gonzalez@example.org",
    "1002": "sam.okafor@example.org",
    "1003": "ana.nunez@example.org",
    "1004": "lee.park@example.org",
    "1006": "jordan.rivera@example.org",
    "1007": "zoe.adams@example.org",
}


class Mailbox:
    """An aiosmtpd handler that keeps every message and refuses the addresses in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield box, f"127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def notify(runner, *args: str):
    return runner.invoke(
        app,
        [
            "notify",
            "--people",
            str(LMS / "people.csv"),
            "--credits",
            str(LMS / "credits.csv"),
            "--date-format",
            "%m/%d/%Y",
            "--as-of",
            AS_OF,
            "--from",
            SENDER,
            *args,
        ],
    )


@pytest.mark.slow  # a real SMTP server on a local port
def test_each_person_gets_their_own_message_with_their_calendar(runner, smtp, tmp_path):
    box, where = smtp
    state = tmp_path / "sent.jsonl"
    result = notify(runner, "--smtp", where, "--state", str(state))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "notify: 6 messages sent" in result.stderr
    assert "1 person without an e-mail address: 1005" in result.stderr
    to = {m["To"].addresses[0].addr_spec: m for m in box.messages}
    assert set(to) == set(ADDRESSES.values())
    maria = to["maria.gonzalez@example.org"]
    assert maria["From"] == SENDER
    assert maria["Subject"] == "Certification reminder: RMA expiring"
    text = maria.get_body(("plain",)).get_content()
    assert "Hello María González," in text and "RMA: EXPIRING, expires 2027-01-15" in text
    assert "Zoë" not in text  # only her own credentials
    # the next step is the engine's own sentence, once: it names the day and the price itself
    nexts = [line.strip() for line in text.splitlines() if line.strip().startswith("Next: ")]
    assert nexts and all(line.count("by 2027-01-15") <= 1 for line in nexts), nexts
    assert any(line.startswith("Next: Earn 10 more CCP points by 2027-01-15") for line in nexts), nexts
    (ics,) = [part for part in maria.iter_attachments()]
    assert ics.get_content_type() == "text/calendar" and ics.get_filename() == "certifications-1001.ics"
    calendar = ics.get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert "BEGIN:VCALENDAR" in calendar and "RMA" in calendar and "20270115" in calendar
    assert len(state.read_text(encoding="utf-8").splitlines()) == 6


@pytest.mark.slow  # a real SMTP server on a local port
def test_a_refused_recipient_is_reported_and_the_rest_sent_and_resume_sends_nothing_twice(runner, smtp, tmp_path):
    box, where = smtp
    box.refuse = {"sam.okafor@example.org"}
    state = tmp_path / "sent.jsonl"
    first = notify(runner, "--smtp", where, "--state", str(state))
    assert first.exit_code == ExitCode.INPUT
    assert "refused: 1002 <sam.okafor@example.org>: 550 5.1.1 mailbox unavailable" in first.stderr
    assert "notify: 5 messages sent" in first.stderr
    assert len(box.messages) == 5
    # a rerun without --resume would send the five again: refused, nothing sent
    again = notify(runner, "--smtp", where, "--state", str(state))
    assert again.exit_code == ExitCode.INPUT and "pass --resume" in again.stderr
    assert len(box.messages) == 5
    # the address is fixed on the server's side; --resume sends only what is missing
    box.refuse = set()
    resumed = notify(runner, "--smtp", where, "--state", str(state), "--resume")
    assert resumed.exit_code == ExitCode.OK, resumed.stderr
    assert "notify: 1 message sent" in resumed.stderr
    assert "5 messages already sent before, not sent again (--resume)" in resumed.stderr
    recipients = [m["To"].addresses[0].addr_spec for m in box.messages]
    assert sorted(recipients) == sorted(ADDRESSES.values())  # each exactly once
    nothing = notify(runner, "--smtp", where, "--state", str(state), "--resume")
    assert "notify: 0 messages sent" in nothing.stderr and len(box.messages) == 6


@pytest.mark.slow  # a real SMTP server on a local port
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_comes_from_the_environment(runner, tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    seen = []

    def check(server, session, envelope, mechanism, data):
        login, password = (v.decode() if isinstance(v, bytes) else v for v in (data.login, data.password))
        seen.append((login, password))
        return AuthResult(success=(login, password) == ("clinic", "s3cret"), handled=False)

    box = Mailbox()
    # a login without TLS only because the server is this machine's own, for the test
    controller = Controller(
        box, hostname="127.0.0.1", port=_free_port(), authenticator=check, auth_require_tls=False, auth_required=True
    )
    controller.start()
    try:
        where = f"127.0.0.1:{controller.port}"
        monkeypatch.setenv("MARENEW_SMTP_USER", "clinic")
        monkeypatch.setenv("MARENEW_SMTP_PASSWORD", "wrong")
        bad = notify(runner, "--smtp", where, "--state", str(tmp_path / "a.jsonl"))
        assert bad.exit_code == ExitCode.INPUT and "refused the login" in bad.stderr and not box.messages
        assert "wrong" not in bad.stderr  # no secret in a message
        monkeypatch.setenv("MARENEW_SMTP_PASSWORD", "s3cret")
        good = notify(runner, "--smtp", where, "--state", str(tmp_path / "b.jsonl"))
        assert good.exit_code == ExitCode.OK, good.stderr
        assert len(box.messages) == 6 and seen[-1] == ("clinic", "s3cret")
    finally:
        controller.stop()


def test_dry_run_writes_eml_files(runner, tmp_path):
    result = notify(runner, "--dry-run", str(tmp_path))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "notify: 6 messages written" in result.stderr
    files = sorted(p.name for p in Path(tmp_path).glob("*.eml"))
    assert files == [f"{pid}.eml" for pid in sorted(ADDRESSES)]
    msg = email.message_from_bytes((tmp_path / "1007.eml").read_bytes(), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "zoe.adams@example.org"
    assert msg["Subject"] == "Certification reminder: CMA lapsed"
    # nothing is overwritten without --force
    again = notify(runner, "--dry-run", str(tmp_path))
    assert again.exit_code == ExitCode.INPUT and "already exists" in again.stderr


def test_usage_errors(runner, tmp_path):
    neither = notify(runner)
    assert neither.exit_code == ExitCode.INPUT and "--smtp HOST:PORT" in neither.stderr
    bad = notify(runner, "--smtp", "localhost")
    assert bad.exit_code == ExitCode.INPUT and "write HOST:PORT" in bad.stderr
    closed = notify(runner, "--smtp", f"127.0.0.1:{_free_port()}", "--state", str(tmp_path / "s.jsonl"))
    assert closed.exit_code == ExitCode.INPUT and "cannot connect to 127.0.0.1:" in closed.stderr
