"""The schema the migrations build, for the model checks: the history replayed into a scratch
database (``build``, ``scratch``, ``sqlite_replay``, ``postgresql_replay``), incrementally from
the states of earlier replays (``chain``: what names a state, ``store``: where states are kept,
``sqlite_changes``: which tables to reflect again), and what comparing with it needs
(``judges``)."""
