"""The query as one positional argument: a query may start with `-`, and words
given as separate arguments get a usage error that shows how to quote them."""

from __future__ import annotations

import click


def shell_quoted(text: str) -> str:
    """`text` quoted for a shell, readably: 'gilets jaunes', "bombardements d'Alep"."""
    if "'" not in text:
        return f"'{text}'"
    if not set(text) & set('"$`\\!'):
        return f'"{text}"'
    import shlex

    return shlex.quote(text)


class QueryCommand(click.Command):
    """A command whose one positional, the query, may start with `-`.

    `archive search '-Damas Lavrov'` and `archive search '-"Casques blancs"'` are
    queries, not options: an argument that starts with one `-` and is not one of
    the command's options (`-n`, `-n5`, `-h`) is the query when no query came
    before it. `--` still ends the options; `-` alone is the query read from
    standard input. A second word that starts with `-` (`archive search Lavrov
    -Damas`, unquoted) is a usage error that says to quote the query.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.resilient_parsing:  # shell completion: never fail
            return super().parse_args(ctx, args)
        takes_value = self._takes_value(ctx)
        positionals, query_at, unknown = self._scan(ctx, args, takes_value)
        if query_at is None:
            if len(positionals) > 1 and not unknown and not set(args) & set(ctx.help_option_names):
                raise click.UsageError(
                    f"Got {len(positionals)} words as separate arguments. A query is one argument: quote it"
                    f" whole, e.g. archive {self.name} {shell_quoted(' '.join(positionals))}",
                    ctx,
                )
            return super().parse_args(ctx, args)
        query = args[query_at]
        if positionals:
            raise click.UsageError(
                f"Got two queries, {query!r} and {positionals[0]!r}. A query is one argument: quote it whole,"
                f" e.g. archive {self.name} '{query} {positionals[0]}'",
                ctx,
            )
        rest = super().parse_args(ctx, args[:query_at] + args[query_at + 1 :])
        ctx.params["query"] = query
        return rest

    def _takes_value(self, ctx: click.Context) -> dict[str, bool]:
        """Each option name of the command (help's too): whether a value follows it."""
        takes_value: dict[str, bool] = {name: False for name in ctx.help_option_names}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        return takes_value

    def _scan(
        self, ctx: click.Context, args: list[str], takes_value: dict[str, bool]
    ) -> tuple[list[str], int | None, bool]:
        """The positional arguments; where a query that starts with `-` stands (None:
        nowhere); and whether an unknown `--option` came (click then says so, first)."""
        positionals: list[str] = []
        query_at = None
        unknown = False
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                positionals += args[i + 1 :]
                break
            if arg.startswith("--"):
                name = arg.split("=", 1)[0]
                unknown = unknown or name not in takes_value
                if takes_value.get(name) and "=" not in arg:
                    i += 1  # its value, whatever it starts with
            elif arg.startswith("-") and arg != "-":
                if arg in takes_value:
                    if takes_value[arg]:
                        i += 1
                elif not (takes_value.get(arg[:2]) and arg[2:].isdigit()):  # `-n5` is `-n 5`
                    if positionals or query_at is not None:
                        raise self._unquoted(ctx, args, i, positionals, takes_value)
                    query_at = i
            else:
                positionals.append(arg)
            i += 1
        return positionals, query_at, unknown

    def _unquoted(self, ctx: click.Context, args: list[str], at: int, positionals: list[str],
                  takes_value: dict[str, bool]) -> click.UsageError:  # fmt: skip
        """The error for a second word that starts with `-`: the query's words, up to an option, quoted whole."""
        words = [*positionals, args[at]]
        for more in args[at + 1 :]:
            if more in takes_value or more.split("=", 1)[0] in takes_value or more == "--":
                break
            words.append(more)
        return click.UsageError(
            f"{args[at]!r} is not an option of archive {self.name}. A query is one argument: to"
            f" leave a word out, quote the whole query, e.g. archive {self.name}"
            f" '{' '.join(words)}'",
            ctx,
        )
