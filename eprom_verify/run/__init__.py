"""The run side: what `eprom-verify run` does between the command and the report.

The harness the suites call, the run-wide ledger and its verdict, the evidence trail,
manual steps and attestations, the callback listener, pre-flight checks.
"""
