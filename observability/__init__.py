"""What an operator watches from outside: structured logs (and, with them, metrics and traces)."""
