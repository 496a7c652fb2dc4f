"""The git hooks' library side: what post-merge/post-rewrite and post-checkout do, and
``migguard install-hooks``. The command line prints their results.
"""
