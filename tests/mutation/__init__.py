"""Mutation testing of the verdict core (ledger, channels, redact): see run.py, docs/mutation.md."""
