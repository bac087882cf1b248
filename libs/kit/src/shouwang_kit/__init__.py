"""Shared plumbing for Shouwang services (no domain logic lives here)."""
