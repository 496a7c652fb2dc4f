"""Helpers shared by the test modules: fixtures (registered in tests/conftest.py) and plain
functions. A test module imports from here, never from another test module or a conftest."""
