"""Configuration: every setting (environment variables, validated at start) and config files."""
