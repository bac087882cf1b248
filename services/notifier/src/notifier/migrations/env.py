from notifier.adapters.tables import metadata
from shouwang_kit.migrations import run_env

run_env(metadata)
