#!/bin/sh
# Check and test a folder of marenew rule files, for any CI: ./check-rules.sh [FOLDER]
# FOLDER (default: rules) holds the rule files, and their worked cases in FOLDER/cases/.
# Install marenew first from its repository at the ref your rules were checked with (a release
# tag or a full commit SHA), never by a bare package name:
#   python -m pip install "marenew @ git+https://github.com/<owner>/marenew@<ref>"
# Both commands always run, so one CI log shows every problem and every failed case; a rule
# without a worked case fails the run (--require-cases).
# Exit 0 when the rule files are clean and every case passes, 1 otherwise (each command's own
# output says what failed). Add --strict to `rules check` to fail on warnings too.
set -u
folder=${1:-rules}

failed=0
marenew rules check "$folder" || failed=1
marenew rules test --require-cases "$folder" || failed=1
exit "$failed"
