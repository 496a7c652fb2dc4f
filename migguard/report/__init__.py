"""Everything that prints: the printer (rich on a terminal, plain text, JSON), revision lines,
findings (text, JSON, GitHub annotations), the migration step printer and the git hooks'
results. The layers below return data; the CLI picks a report from here.
"""
