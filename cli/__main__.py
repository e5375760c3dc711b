"""`python -m cli`: the same as `oms`."""

from cli.main import app

app()
