"""The same archive on an OpenSearch (or Elasticsearch) cluster.

Beyond one machine the archive is served by an existing distributed engine, not a
home-made one. This subpackage owns everything about it; the rest of the house
talks to it through a few functions:

- `template.index_template()`: the index template (settings, analyzers, mappings),
  generated from `archive.schema` and the constants of `archive.analysis`;
- `dsl.translate()`: our query language → the engine's query DSL (a pure function);
- `push.push()` / `push.dry_run()`: send the archive (and then only what changed);
- `remote.RemoteSearcher`: search through the cluster, `SearchResult` out, so hits
  render exactly as the local engine's.

opensearch-py is an optional extra (`pip install 'french-news-archive[opensearch]'`):
only `push` and `remote` need it, and they import it when called
(`client.connect`), so the core install neither needs nor imports it.
"""
