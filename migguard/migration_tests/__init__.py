"""Migration tests for a project's own test suite: the pytest plugin's built-in tests
(:mod:`migguard.migration_tests.builtin`), the scratch databases they run on, and the
``migguard_runner`` fixture's runner for data-migration tests."""
