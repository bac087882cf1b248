"""casework service."""
