"""Use cases: each public method opens its own unit of work, checks the signed-in user's permission,
validates, writes the audit log, commits and returns frozen dataclasses. Nothing here imports Qt."""
