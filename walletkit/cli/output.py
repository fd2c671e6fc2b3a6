"""Tables that never cut a value: a table when it fits the width, records when it does not.

A value is never shortened (no ``0.…``, no ``ch…``): a table is drawn only when every
column fits at full width; otherwise each row becomes a block of ``label  value`` lines,
which reads at any width. On a terminal the table is drawn by rich; piped (a log, ``| less``,
CI) it is plain aligned text with no escape codes. The width is the terminal's, or
``$COLUMNS``, or 80 when piped.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence

import click

_GAP = 2


def output_width() -> int:
    """Return the width to lay out for: the terminal's, else ``$COLUMNS``, else 80 (never below 20)."""
    return max(20, shutil.get_terminal_size((80, 24)).columns)


def _is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


def render_rows(rows: Sequence[dict[str, str]], title: str, width: int) -> str:
    """Return ``rows`` as plain text for ``width`` columns: an aligned table if it fits, else records.

    Every header and value appears whole; a value longer than the width is on its own line.

    >>> print(render_rows([{"chain": "eth", "address": "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"}], "Addresses", 80))
    Addresses
    chain  address
    eth    0x9858EfFD232B4033E47d90003D41EC34EcaEda94
    >>> print(render_rows([{"chain": "eth", "address": "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"}], "Addresses", 40))
    Addresses
    <BLANKLINE>
    chain: eth
      address  0x9858EfFD232B4033E47d90003D41EC34EcaEda94
    """
    if not rows:
        return f"{title}\n(none)"
    columns = list(rows[0])
    widths = [max(len(column), *(len(str(r[column])) for r in rows)) for column in columns]
    lines = [title]
    if sum(widths) + _GAP * (len(columns) - 1) <= width:
        for cells in [columns, *([str(r[c]) for c in columns] for r in rows)]:
            lines.append((" " * _GAP).join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip())
        return "\n".join(lines)
    label_width = max(len(c) for c in columns[1:]) if len(columns) > 1 else 0
    for r in rows:
        lines.append("")
        lines.append(f"{columns[0]}: {r[columns[0]]}")
        for column in columns[1:]:
            lines.append(f"  {column.ljust(label_width)}  {r[column]}".rstrip())
    return "\n".join(lines)


def print_rows(rows: Sequence[dict[str, str]], title: str, *, as_json: bool = False) -> None:
    """Print ``rows`` as JSON, a rich table (terminal, fits), or :func:`render_rows` text.

    Args:
        rows: one dict per row, the same keys (the column headers) in the same order; values are text.
        title: a line above the table.
        as_json: print the rows as a JSON array instead.
    """
    if as_json:
        click.echo(json.dumps(list(rows), indent=2, ensure_ascii=False))
        return
    width = output_width()
    if rows and _is_terminal():
        columns = list(rows[0])
        widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
        # rich's box: a border and a space each side per column.
        if sum(widths) + 3 * len(columns) + 1 <= width:
            from rich.console import Console
            from rich.table import Table

            table = Table(title=title)
            for column, w in zip(columns, widths):
                table.add_column(column, no_wrap=True, overflow="fold", min_width=w)
            for r in rows:
                table.add_row(*(str(r[c]) for c in columns))
            Console(width=width).print(table)
            return
    click.echo(render_rows(rows, title, width))


class SummaryGroup(click.Group):
    """A command group whose help lists each command's whole first sentence, wrapped, never cut."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with each one's whole first sentence, wrapped to the terminal's width.

        click cuts a summary to fit one line (``Print addresses derived from a mnemonic (or...``);
        here the definition list wraps it instead, so it reads at 80 columns and in logs.
        """
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
