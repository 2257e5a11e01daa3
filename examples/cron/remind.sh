#!/usr/bin/env bash
# Alert when a certification in a credential file needs attention within N days, or when its CE
# is behind the pace it needs (long before the deadline: the time to start is now).
#
#   remind.sh FILE [DAYS] [extra marenew status options...]
#
# Runs `marenew status FILE --warn-days DAYS --fail-behind` (default DAYS: 60, or $REMIND_DAYS):
#   exit 0  every credential active and on pace: prints nothing (cron sends no mail), exits 0;
#   exit 1  something expires within DAYS, is in its late window or has lapsed, or its CE is
#           behind pace: prints an alert with the status report (its first line per credential
#           is the next step), mails it when $REMIND_MAIL_TO is set and `mail` exists, and exits 1
#           (so a CI schedule marks the run failed and notifies);
#   exit 2+ bad input or another error: says so on stderr and exits with marenew's code.
#
# Environment: MARENEW (the marenew command, default `marenew`); MARENEW_AS_OF (judge as on this
# day, YYYY-MM-DD; for tests and dry runs); REMIND_DAYS; REMIND_MAIL_TO.
set -u

if [ $# -lt 1 ]; then
  echo "usage: $0 FILE [DAYS] [marenew status options...]" >&2
  exit 2
fi
file=$1
shift
days=${REMIND_DAYS:-60}
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  days=$1
  shift
fi
marenew=${MARENEW:-marenew}
args=(status "$file" --warn-days "$days" --fail-behind)
if [ -n "${MARENEW_AS_OF:-}" ]; then
  args+=(--as-of "$MARENEW_AS_OF")
fi

report=$(NO_COLOR=1 COLUMNS=${COLUMNS:-100} "$marenew" "${args[@]}" "$@" 2>&1)
code=$?

case $code in
  0)
    exit 0
    ;;
  1)
    if printf '%s\n' "$report" | grep -Eq '(EXPIRING|GRACE \(late window\)|LAPSED) +([0-9]+ days? left|expire)'; then
      subject="marenew: a certification in $file needs attention within $days days"
    else
      subject="marenew: CE for a certification in $file is behind pace"
    fi
    if [ -n "${REMIND_MAIL_TO:-}" ] && command -v mail >/dev/null 2>&1; then
      printf '%s\n' "$report" | mail -s "$subject" "$REMIND_MAIL_TO"
    fi
    printf 'ALERT: %s\n\n%s\n' "$subject" "$report"
    exit 1
    ;;
  *)
    printf 'ERROR: marenew could not check %s (exit %s):\n%s\n' "$file" "$code" "$report" >&2
    exit "$code"
    ;;
esac
