"""Search spaces (generators), campaigns, ranking, the run store, queries and the CLI.

The top layer: it may import every other anionscreen package.
"""
