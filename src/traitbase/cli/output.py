"""The only module of the CLI that prints: tables and notices through Rich, or plain JSON for scripts.

Results go to stdout; notices, errors and progress bars go to stderr, so ``--json`` output can
be piped as it is. Long values (tokens, ids) are never wrapped, so they can be copied whole.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from traitbase.client import ImportStatus, UploadProgress

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

# Columns shown for each kind of record, in order: (field, header).
VIEWS: dict[str, list[tuple[str, str]]] = {
    "org": [("id", "ID"), ("name", "Name"), ("plan", "Plan"), ("created_at", "Created")],
    "project": [
        ("id", "ID"),
        ("org_id", "Org"),
        ("name", "Name"),
        ("site_key", "Site key"),
        ("sandbox_site_key", "Sandbox site key"),
        ("timezone", "Timezone"),
        ("created_at", "Created"),
    ],
    "key": [
        ("key_id", "Key ID"),
        ("org_id", "Org"),
        ("project_id", "Project"),
        ("environment", "Environment"),
        ("name", "Name"),
        ("scopes", "Scopes"),
        ("last_used_at", "Last used"),
        ("revoked", "Revoked"),
    ],
    "user": [("user_id", "User ID"), ("attributes", "Attributes"), ("updated_at", "Updated")],
    "event_count": [("kind", "Kind"), ("name", "Name"), ("count", "Count")],
    "audience": [
        ("id", "ID"),
        ("name", "Name"),
        ("source", "Source"),
        ("identifier_type", "Ids"),
        ("device_types", "Device types"),
        ("version", "Version"),
        ("record_count", "Records"),
        ("member_count", "Members"),
        ("updated_at", "Updated"),
    ],
}


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _flush() -> None:
    # A parent process reading a pipe must see lines as soon as they are printed (e.g. the first-start token).
    sys.stdout.flush()


def json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")
    _flush()


def show_list(kind: str, rows: Sequence[Mapping[str, Any]], *, as_json: bool, title: str | None = None) -> None:
    if as_json:
        json(list(rows))
        return
    table = Table(title=title)
    for _, header in VIEWS[kind]:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(_text(row.get(name)) for name, _ in VIEWS[kind]))
    out.print(table)
    if not rows:
        err.print(f"(no {kind}s)")
    _flush()


def show_record(kind: str, row: Mapping[str, Any], *, as_json: bool, title: str | None = None) -> None:
    if as_json:
        json(row)
        return
    table = Table(show_header=False, title=title)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, header in VIEWS[kind]:
        if name != "attributes":
            table.add_row(header, _text(row.get(name)))
    out.print(table)
    attributes = row.get("attributes")
    if isinstance(attributes, dict):
        attr_table = Table(title="Attributes")
        attr_table.add_column("Name")
        attr_table.add_column("Value")
        for name, value in sorted(attributes.items()):
            attr_table.add_row(name, str(value))
        out.print(attr_table)
    _flush()


def secret_once(label: str, lines: Mapping[str, Any], *, warning: str) -> None:
    """A block holding a secret; its lines are ``Name: value`` so scripts can also read them."""
    out.rule(label)
    for name, value in lines.items():
        # Not a panel: a box would wrap a long token on a narrow terminal and break copy-paste.
        out.print(f"{name}: [bold]{value}[/]")
    out.print(f"[bold yellow]{warning}[/]")
    _flush()


def bootstrap(result: Mapping[str, Any] | None, *, as_json: bool) -> None:
    if as_json:
        json({"created": result is not None, **(result or {})})
        return
    if result is None:
        out.print("Already initialized: the admin token was shown only at the first start.")
        _flush()
        return
    secret_once(
        "First start",
        {
            "Organization ID": result["org_id"],
            "Project ID": result["project_id"],
            "Site key": result["site_key"],
            "Sandbox site key": result["sandbox_site_key"],
            "Admin key ID": result["admin_key_id"],
            "Admin token": result["admin_token"],
        },
        warning="Save the admin token now; it is shown this once and never again.",
    )


def local_admin_key(key: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        json(key)
        return
    secret_once(
        "New admin key",
        {"Organization ID": key["org_id"], "Admin key ID": key["admin_key_id"], "Admin token": key["admin_token"]},
        warning="Save the admin token now; it is shown this once. Earlier admin keys stay valid until revoked.",
    )


def issued_key(key: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        json(key)
        return
    show_record("key", key, as_json=False)
    secret_once("New key", {"Token": key["token"]}, warning="Save the token now; it is shown this once.")


def migrated(info: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        json(info)
        return
    out.print(f"Database {info['database']} is at revision {info['revision']}.")
    _flush()


def upload_result(result: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        json(result)
        return
    out.print(
        f"Uploaded {result['received']} rows in {result['batches']} requests: "
        f"{result['created']} users created, {result['updated']} updated."
    )
    _flush()


def notice(message: str) -> None:
    err.print(message)


def failure(sentence: str, *, trace: str | None = None) -> None:
    """A command that could not run: the traceback (only when asked for), then one sentence."""
    if trace:
        err.print(trace.rstrip(), markup=False)
    err.print("[bold red]Error:[/] ", end="")
    err.print(sentence, markup=False)


def version(text: str) -> None:
    out.print(text, markup=False)
    _flush()


def error(message: str, notes: Sequence[str] = ()) -> None:
    err.print(f"[bold red]Error:[/] {message}")
    for note in notes:
        err.print(f"  {note}")


@contextmanager
def upload_progress(total_bytes: int | None) -> Iterator[Callable[[UploadProgress], None]]:
    """A progress bar over the bytes of the file, with the row count; silent when stderr is not a terminal."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("0 rows", total=total_bytes)

        def report(p: UploadProgress) -> None:
            progress.update(task, completed=p.bytes_read or 0, description=f"{p.rows} rows")

        yield report


def confirm(question: str) -> bool:
    """Ask on stderr (stdout stays clean for --json); no answer (end of input) counts as no."""
    try:
        return typer.confirm(question, err=True)
    except typer.Abort:
        err.print()  # end the prompt's line: no answer was typed
        return False


@contextmanager
def import_progress(file_lines: int | None) -> Iterator[Callable[[ImportStatus], None]]:
    """A bar of records read by the import job out of the file's lines, fed by each status answer.

    Its length is the newline count of the uploaded file (unknown for a gzip'd file: no bar length).
    """
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("Pending", total=file_lines)

        def report(st: ImportStatus) -> None:
            s = st.upload_statistics
            done = s.total_number_of_imports
            total = file_lines
            if st.done:
                # Empty lines and a CSV header are not records: the finished job fills the bar.
                total = done
            elif total is not None and done > total:
                total = done
            progress.update(
                task,
                completed=done,
                total=total,
                description=f"{st.status}: {s.parsed_imports} parsed, {s.failed_imports} failed",
            )

        yield report


def import_result(st: ImportStatus, *, as_json: bool) -> None:
    data = {
        "activity_id": st.activity_id,
        "status": st.status,
        "target": st.target,
        "upload_statistics": asdict(st.upload_statistics),
        "error_log": st.error_log,
    }
    if as_json:
        json(data)
        return
    s = st.upload_statistics
    target = ", ".join(f"{k}={v}" for k, v in st.target.items())
    out.print(f"Import {st.activity_id} ({target}): {st.status}")
    table = Table(show_header=False)
    table.add_column("statistic", style="bold")
    table.add_column("value", justify="right")
    table.add_row("Records read", str(s.total_number_of_imports))
    table.add_row("Parsed", str(s.parsed_imports))
    table.add_row("Imported", str(s.successful_imports))
    table.add_row("Failed", str(s.failed_imports))
    out.print(table)
    if st.error_log:
        # The signed link expires (imports_error_log_url_seconds); printed whole so it can be copied.
        out.print(f"Error log: {st.error_log}")
    else:
        out.print("Error log: none (no failed lines)")
    _flush()


def sandbox_wiped(result: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        json(result)
        return
    deleted = result["deleted"]
    out.print(f"Wiped the sandbox of project {result['project_id']}.")
    table = Table()
    table.add_column("Table")
    table.add_column("Rows deleted", justify="right")
    for name, count in deleted.items():
        table.add_row(name, str(count))
    out.print(table)
    _flush()


# --- web collection (cli/pages.py) ---------------------------------------------------------
VIEWS["page"] = [
    ("id", "ID"),
    ("url", "URL"),
    ("match", "Match"),
    ("device", "Device"),
    ("environment", "Environment"),
    ("updated_at", "Updated"),
]
VIEWS["goal"] = [("name", "Name"), ("type", "Type"), ("match", "Match"), ("environment", "Environment")]


def page_config(page: Mapping[str, Any], *, as_json: bool) -> None:
    """A page configuration: its identity, then its blocks and tracked elements in page order."""
    if as_json:
        json(page)
        return
    show_record("page", page, as_json=False)
    table = Table(title="Blocks and tracked elements")
    for header in ("Kind", "Name", "Selector / band", "CTA"):
        table.add_column(header)
    for b in page.get("blocks") or []:
        table.add_row("block", str(b["name"]), str(b.get("selector") or f"{b.get('top')}-{b.get('bottom')} px"), "")
    for e in page.get("elements") or []:
        table.add_row("element", str(e["name"]), str(e["selector"]), "yes" if e.get("cta") else "")
    out.print(table)
    _flush()
