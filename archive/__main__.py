"""`python -m archive`: the `archive` command."""

from .cli import main

main()
