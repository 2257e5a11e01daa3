"""`marenew calendar`: parsed back with icalendar; dates, alarms, stable UIDs, byte-identical
re-runs, and never overwriting a file without --force."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from helpers import AS_OF, EXAMPLES, cli, d
from ruledata import money, recurring_fee

MULTI = EXAMPLES / "multi-credential.yaml"
# the AMT annual fee as the RMA rule file gives it
AMT_FEE_EVENT = f"RMA (AMT): AMT annual fee due ({money(recurring_fee('RMA'))})"


def run(runner, *args, env=None):
    return cli("calendar", *args, env=env)


def events(data: bytes) -> list:
    cal = icalendar.Calendar.from_ical(data)
    return list(cal.walk("VEVENT"))


def by_summary(evs) -> dict[str, list]:
    out: dict[str, list] = {}
    for ev in evs:
        out.setdefault(str(ev.get("summary")), []).append(ev)
    return out


def start(ev) -> dt.date:
    return ev.decoded("dtstart")


def triggers(ev) -> list[dt.timedelta]:
    return [a.decoded("trigger") for a in ev.walk("VALARM")]


@pytest.fixture
def multi(runner) -> bytes:
    result = run(runner, MULTI, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def test_stdout_by_default_and_events_per_key_date(multi):
    assert multi.startswith(b"BEGIN:VCALENDAR\r\n")
    evs = by_summary(events(multi))
    # CCMA: 2025-03-02 -> 2027-03-02, no late window, CE met: the expiry only.
    # RMA: due 2027-05-01; annual fee on 2025-05-01, 2026-05-01, 2027-05-01; 2 points short:
    #      start by 2027-02-28 (see test_plan).
    # CMA: 2023-01-20 -> 2028-01-31, late window to 2028-04-30; 36 points short and behind the
    #      sustainable pace: start on the as-of date.
    assert [start(e) for e in evs["CCMA (NHA) expires: last day to renew"]] == [d("2027-03-02")]
    assert [start(e) for e in evs["RMA (AMT) expires: last day to renew"]] == [d("2027-05-01")]
    assert [start(e) for e in evs[AMT_FEE_EVENT]] == [d("2025-05-01"), d("2026-05-01"), d("2027-05-01")]
    assert [start(e) for e in evs["RMA (AMT): start the renewal CE (2 CCP points to go)"]] == [d("2027-02-28")]
    assert [start(e) for e in evs["CMA (AAMA) expires"]] == [d("2028-01-31")]
    assert [start(e) for e in evs["CMA (AAMA): last day of the late window"]] == [d("2028-04-30")]
    assert [start(e) for e in evs["CMA (AAMA): start the renewal CE (36 points to go)"]] == [d(AS_OF)]
    assert not any(s.startswith("CCMA (NHA): start") for s in evs)  # no shortfall, no start event
    assert sum(len(v) for v in evs.values()) == 9


def test_events_are_all_day(multi):
    for ev in events(multi):
        begin, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert type(begin) is dt.date and type(end) is dt.date
        assert end - begin == dt.timedelta(days=1)
        assert ev.decoded("dtstamp") == dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


def test_descriptions_say_what_to_do(multi):
    evs = by_summary(events(multi))
    cma = str(evs["CMA (AAMA) expires"][0].get("description"))
    assert "36 points still needed by 2028-01-31" in cma
    # the engine's next step, the same sentence `status` prints; the file lists an AAMA membership
    assert "Next step: Earn 36 more points" in cma and "($65 for members)" in cma
    assert "Behind pace: about 2.56 points a month from now to 2028-01-31" in cma
    assert "https://www.aama-ntl.org/cma-aama-exam/recertification-policies" in cma
    deadline = str(evs["CMA (AAMA): last day of the late window"][0].get("description"))
    assert "Next step: Earn 36 more points" in deadline and "after expiry does not count" not in deadline
    fee = str(evs[AMT_FEE_EVENT][0].get("description"))
    assert f"AMT annual fee due for RMA (AMT): {money(recurring_fee('RMA'))}" in fee
    assert str(evs["CMA (AAMA) expires"][0].get("url")).startswith("https://www.aama-ntl.org/")


def test_default_alarms_90_60_30_7(multi):
    for ev in events(multi):
        assert triggers(ev) == [dt.timedelta(days=-n) for n in (90, 60, 30, 7)]
        assert all(str(a.get("action")) == "DISPLAY" for a in ev.walk("VALARM"))


def test_alarm_option_replaces_the_defaults(runner):
    result = run(runner, MULTI, "--as-of", AS_OF, "--alarm", "14", "--alarm", "0", "--alarm", "14")
    assert result.exit_code == 0
    for ev in events(result.stdout_bytes):
        assert triggers(ev) == [dt.timedelta(days=-14), dt.timedelta(0)]


def test_negative_alarm_is_a_usage_error(runner):
    result = run(runner, MULTI, "--as-of", AS_OF, "--alarm", "-3")
    assert result.exit_code == 2


def test_uids_stable_unique_and_hashed(runner, multi):
    uids = [str(e.get("uid")) for e in events(multi)]
    assert len(set(uids)) == len(uids)
    assert all(u.endswith("@marenew") and len(u.split("@")[0]) == 32 for u in uids)
    text = multi.decode().lower()
    assert "alex" not in text and "morgan" not in text  # the holder's name is nowhere in clear
    # Importing the same export twice: the same UIDs, so a calendar replaces instead of duplicating.
    assert [str(e.get("uid")) for e in events(multi)] == uids


def test_a_newer_export_keeps_the_uids(runner, write):
    # A month later, with 3 more points: every event of the newer export has a UID of the older
    # one, so importing it updates them. Dates stay, except the CMA's start-renewal day, which
    # moves to the new as-of date (still behind pace); the RMA's 2-point shortfall is closed, so
    # its start-renewal event is gone. The newer export has a higher SEQUENCE.
    newer = write("newer.yaml", MULTI.read_text() + "  - {title: New one, date: 2026-12-10, points: 3}\n")
    old = {str(e.get("uid")): e for e in events(run(runner, MULTI, "--as-of", AS_OF).stdout_bytes)}
    new = {str(e.get("uid")): e for e in events(run(runner, newer, "--as-of", "2026-12-29").stdout_bytes)}
    assert set(new) < set(old)
    (gone,) = set(old) - set(new)
    assert str(old[gone].get("summary")).startswith("RMA (AMT): start the renewal CE")
    for uid, ev in new.items():
        summary = str(ev.get("summary"))
        assert summary.split(" (")[0] == str(old[uid].get("summary")).split(" (")[0]
        if summary.startswith("CMA (AAMA): start"):
            assert start(ev) == d("2026-12-29")
        else:
            assert start(ev) == start(old[uid])
        assert int(ev.get("sequence")) > int(old[uid].get("sequence"))


def test_uid_depends_on_holder(runner, write):
    other = write("other.yaml", MULTI.read_text().replace("holder: Alex Morgan", "holder: Someone Else"))
    a = {str(e.get("uid")) for e in events(run(runner, MULTI, "--as-of", AS_OF).stdout_bytes)}
    b = {str(e.get("uid")) for e in events(run(runner, other, "--as-of", AS_OF).stdout_bytes)}
    assert not a & b


def test_rerun_is_byte_identical(runner, multi):
    again = run(runner, MULTI, "--as-of", AS_OF).stdout_bytes
    assert again == multi


def test_output_file_refused_without_force(runner, tmp_path, multi):
    out = tmp_path / "renewals.ics"
    first = run(runner, MULTI, "--as-of", AS_OF, "-o", out)
    assert first.exit_code == 0
    assert out.read_bytes() == multi
    assert first.stdout == ""
    out.write_bytes(b"mine")
    refused = run(runner, MULTI, "--as-of", AS_OF, "-o", out)
    assert refused.exit_code == 2
    assert str(out) in refused.stderr and "--force" in refused.stderr
    assert out.read_bytes() == b"mine"
    forced = run(runner, MULTI, "--as-of", AS_OF, "-o", out, "--force")
    assert forced.exit_code == 0
    assert out.read_bytes() == multi
    assert sorted(p.name for p in tmp_path.iterdir()) == ["renewals.ics"]  # no temporary file left


def test_output_into_a_missing_folder_is_bad_input(runner, tmp_path):
    result = run(runner, MULTI, "--as-of", AS_OF, "-o", tmp_path / "nope" / "r.ics")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_bad_credential_file_exits_2(runner, write):
    f = write("bad.yaml", "holder: X\ncredentials: []\n")
    result = run(runner, f, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert result.stderr.startswith(str(f))
    assert result.stdout == ""


def test_output_to_a_folder_or_dash(runner, tmp_path, multi):
    folder = run(runner, MULTI, "--as-of", AS_OF, "-o", tmp_path, "--force")
    assert folder.exit_code == 2 and "is a folder" in folder.stderr
    dash = run(runner, MULTI, "--as-of", AS_OF, "-o", "-")
    assert dash.exit_code == 0 and dash.stdout_bytes == multi
