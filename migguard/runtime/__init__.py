"""Applying a history to a database: version table, plans, transactions, locks, offline SQL."""
