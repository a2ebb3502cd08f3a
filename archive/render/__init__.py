"""Pure formatting of the archive's records (`archive.models`): no I/O, no Whoosh.

- `terminal`: what makes text safe for a terminal (control characters escaped), and colour;
- `results`: search results, similar articles, an article, stats and trends, as text;
- `reports`: progress, indexing, add, check, watch and alert reports, as text;
- `versions`: an article's other versions as word-level diffs (`archive show --versions`);
- `machine`: every record as JSON, JSON lines or CSV, for other programs.
"""
