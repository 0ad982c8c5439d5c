"""Aya Ops, the staff's automation assistant: allow-listed commands, test runs, browsing, research, MCP management and
store insights, run as tasks (persisted, concurrent, cancellable, retryable) with approvals and an audit log."""
