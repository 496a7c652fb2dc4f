"""The suite's shared fixtures and markers, from the helper modules of tests/testing/ (test
modules import helpers from there, never from one another or from a conftest)."""

pytest_plugins = [
    "tests.testing.project",
    "tests.testing.postgres",
    "tests.testing.mariadb",
    "tests.testing.precommit",
    "tests.testing.listener",
    "tests.testing.markers",
    # The pytest plugin's tests run pytest on generated projects (tests/pytest_plugin_test.py).
    "pytester",
]
