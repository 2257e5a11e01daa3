"""The employer roster: many holders judged at once, from credential files or two CSV exports.

Pure parts (no I/O, no typer or rich): ``columns`` (CSV headers and cells -> models), ``records``
(one person's rows -> engine -> output rows), ``rows`` (row fields, flattening, the urgency key),
``summary`` (the tally and the count identity). I/O parts: ``spill`` (partition files and sorted
runs), ``runner`` (partitions over worker processes), ``output`` (csv, json, jsonl, table writers).

Every credential is judged by ``engine.evaluate``, as in ``marenew status``: the roster only builds
the same ``CredentialFile`` models from its inputs and lays the results out in rows.
"""
