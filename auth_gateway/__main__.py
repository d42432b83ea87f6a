"""``python -m auth_gateway`` = the ``entrepairs`` command (what the indexing thread runs
to rebuild the search index in a process of its own)."""

from auth_gateway.cli import main

main(prog_name="entrepairs")
