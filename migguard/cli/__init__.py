"""The command line: argument parsing and one small function per command.

Only this package (with :mod:`migguard.report`) writes to the terminal or chooses exit codes.
"""
