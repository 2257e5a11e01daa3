"""Defaults and tolerances, each decided here once."""

# A credential is `expiring` within this many days of its expiry (`--warn-days`).
WARN_DAYS = 90
# A rule file whose `last_verified` is older than this is flagged as stale.
STALE_AFTER_DAYS = 365
# Points are decimals (0.25, 1.5): two amounts closer than this are equal.
EPS = 1e-9
# When a body publishes no processing time for a renewal application: how long `submitted` lasts
# before marenew suggests contacting the body (marenew's own default, not a body's figure).
PROCESSING_FALLBACK_DAYS = 60
