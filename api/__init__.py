"""The REST API: thin. It starts, updates and queries workflows and reads the store."""
