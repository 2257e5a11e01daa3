"""One person's reminder as an e-mail: their credentials, what to do by when and what it costs,
with their calendar (.ics) attached. Built from roster rows; sending is the CLI's. Pure: no I/O
(``email.message`` only builds the message in memory).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

from marenew.core.words import STATUS_WORD, and_join, plural
from marenew.report.safe import without_controls

from .digest import need
from .rows import Row, is_error
from .sheet import slug

EMAIL_COLUMN = "email"
_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


@dataclass(frozen=True)
class Person:
    """Everything one reminder needs: the person's rows (results only) and address."""

    person_id: str
    holder: str
    email: str | None
    rows: tuple[Row, ...]

    @property
    def needs_attention(self) -> bool:
        return any(r["status"] != "active" or r.get("behind_pace") for r in self.rows)


def people_of(rows: list[Row]) -> tuple[list[Person], list[Row]]:
    """Result rows grouped by person, in the order their first row comes (most urgent first),
    and the error rows apart (nobody is reminded from a record that could not be read)."""
    by_id: dict[str, list[Row]] = {}
    errors = []
    for row in rows:
        if is_error(row):
            errors.append(row)
        else:
            by_id.setdefault(row["source"], []).append(row)
    people = []
    for pid, mine in by_id.items():
        address = next((v for r in mine if (v := (r.get("kept") or {}).get(EMAIL_COLUMN, "").strip())), None)
        people.append(Person(pid, mine[0]["holder"], address, tuple(mine)))
    return people, errors


def address_problem(address: str) -> str | None:
    """Why marenew cannot send to ``address``, or None. A line break or control character could
    add headers (Bcc:) to the message, so only one plain ASCII address passes; an address with
    other letters needs SMTPUTF8, which marenew does not speak."""
    if not address.isascii():
        return "has letters outside ASCII, which marenew cannot send to (write the domain in its xn-- form)"
    if not address.isprintable() or not _ADDRESS.fullmatch(address):
        return "not an e-mail address"
    return None


def greeting_name(person: Person) -> str:
    """The holder's name as a message shows it: no control character (a header may hold none)."""
    return without_controls(person.holder)


def body(person: Person, as_of: dt.date) -> str:
    lines = [
        f"Hello {greeting_name(person)},",
        "",
        f"This is where your certifications stand as of {as_of.isoformat()}:",
        "",
    ]
    for row in person.rows:
        what, _, _ = need(row)
        lines.append(
            f"- {row['cert']}: {STATUS_WORD[row['status']]}, expires {row['expires_on']}"
            + (" (behind the pace of CE)" if row.get("behind_pace") else "")
        )
        lines.append(f"  Next: {what}")  # the engine's sentence: what, by when, at what cost
    lines += [
        "",
        "The attached calendar file (.ics) holds your key dates; open it to add them to your calendar.",
        "Figures marked unconfirmed or unknown need checking with the certifying body.",
        "",
        "Sent by marenew for your employer's certification records.",
    ]
    return "\n".join(lines) + "\n"


def subject(person: Person) -> str:
    urgent = [r for r in person.rows if r["status"] != "active"]
    if urgent:
        certs = and_join([f"{r['cert']} {r['status']}" for r in urgent])
        return f"Certification reminder: {certs}"
    if any(r.get("behind_pace") for r in person.rows):
        return "Certification reminder: CE behind pace"
    return f"Certification status: {plural(len(person.rows), 'credential')} active"


def message(
    person: Person, as_of: dt.date, sender: str, calendar: bytes | None, *, message_id: str | None = None
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((greeting_name(person), person.email or ""))
    msg["Subject"] = subject(person)
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body(person, as_of))
    if calendar is not None:
        msg.add_attachment(
            calendar, maintype="text", subtype="calendar", filename=f"certifications-{slug(person.person_id)}.ics"
        )
    return msg
