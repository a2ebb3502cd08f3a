"""The `archive` command line: options, one library call, render, exit codes.

No Whoosh here, and the library modules are imported inside the commands, so
`archive --help` and each command start fast. Read top-down:

- `app`: the command group, the list of its commands, and `main` (the entry point);
- the commands, by job: `indexing` (index, add, check), `searching` (search,
  similar, show, stats, trend), `watching` (watch, alert), `pushing` (push);
- what they share: `options` (folders, durations, dates, recurring flags),
  `output` (formats, colour, streamed stdout), `exits` (exit statuses, errors as
  messages), `progress` (the progress reporter) and `query_arg` (the query as
  one argument).
"""

from .app import cli, main
from .exits import EXIT_BROKEN_PIPE, EXIT_NO_MATCH, EXIT_OUT_OF_STEP, EXIT_SEARCH_ERROR, EXIT_SKIPPED

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_NO_MATCH", "EXIT_OUT_OF_STEP", "EXIT_SEARCH_ERROR", "EXIT_SKIPPED", "cli", "main"]
