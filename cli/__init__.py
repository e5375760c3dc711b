"""The `oms` command line: worker, API, the local stack, fallout and operations commands."""
