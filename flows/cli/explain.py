"""`ladder explain`: every due date of a worker and the rule behind it, as a table or JSON."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.cli.common import out, parse_date, runtime
from tasks.explain import explain_worker


def explain(
    worker: str,
    as_json: bool = typer.Option(False, "--json"),
    as_of: str = typer.Option(None, help="YYYY-MM-DD; default today"),
) -> None:
    """Every due date of a worker, with the rule that produced it."""
    day = parse_date(as_of, "--as-of")
    rt = runtime()
    data = explain_worker(rt.engine, rt.organisation, worker, as_of=day or rt.today())
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        render_explanation(out, data)


def render_explanation(console: Console, data: dict[str, Any]) -> None:
    w = data["worker"]
    console.print(
        f"[bold]{w['id']}[/bold] {w['name']}: {w['role']}, started {w['start_date']}, "
        f"{w['status']}; manager {w['manager'] or '-'}, assessor "
        f"{w['assessor'] or 'the manager'}  (as of {data['as_of']})"
    )
    for a in data.get("programmes", []):
        leave = "; ".join(f"{p['from']}..{p['to']} ({p['reason']})" for p in a["leave"])
        done = f" on {a['completed_on']}" if a["completed_on"] else ""
        longer = f", extended by {a['extended_months']} months" if a["extended_months"] else ""
        console.print(
            escape(
                f"{a['title']} from {a['start_date']}: {a['status']}{done}"
                f"{', outcome ' + a['outcome'] if a['outcome'] else ''}"
                f"{longer}"
                f"{'; leave ' + leave if leave else ''}"
            )
        )
        for m in a["milestones"]:
            console.print(
                escape(f"  {m['title']}: {m['dated']}; closes with {m['closes_with']}"),
                highlight=False,
            )
    table = Table(show_lines=True)
    for col in ("due", "item", "status", "why this date", "reminders"):
        table.add_column(col)
    for o in data["obligations"]:
        status = o["status"] + (f" {o['closed_on']}" if o["closed_on"] else "")
        if o["overdue"]:
            status = "[red]overdue[/red] (open)"
        reminders = "\n".join(
            f"{r['send_on']} {r['step']} -> {', '.join(r['to'])}"
            + (
                ": " + ", ".join(f"{m['role']} {m['status']} ({m['via']})" for m in r["messages"])
                if r["messages"]
                else ""
            )
            for r in o["reminders"]
        )
        item = o["title"]
        if o["meeting"]:
            m = o["meeting"]
            item += f"\nmeeting {m['status']}: {m['label']}, {m['where']}"
        table.add_row(o["due"], escape(item), status, escape(o["rule"]), escape(reminders))
    console.print(table)
    training = data.get("training")
    if training and (
        training["credentials"]
        or any(p["complete"] or any(st["done"] for st in p["sets"]) for p in training["pathways"])
    ):
        console.print("[bold]Training[/bold]")
        for c in training["credentials"]:
            console.print(
                escape(
                    f"  {c['title']}: {c['status']}, {c['valid_from']} to {c['expires_on']}"
                    f" ({c['rule']})"
                ),
                highlight=False,
            )
        for p in training["pathways"]:
            state = (
                f"complete {p['completed_on']}"
                if p["complete"]
                else "; ".join(f"{st['rule']}: {st['why']}" for st in p["sets"])
            )
            console.print(escape(f"  pathway {p['title']}: {state}"), highlight=False)
        for c in training["certificates"]:
            console.print(
                escape(f"  certificate {c['serial']}: {c['title']}, {c['status']}"),
                highlight=False,
            )
        for b in training["bookings"]:
            console.print(
                escape(
                    f"  {b['status']} {b['module']} {b['held_on']} at {b['venue']} ({b['why']})"
                ),
                highlight=False,
            )
    for c in data.get("progression") or []:
        console.print(
            escape(
                f"Progression panel {c['panel']} (evidence due {c['deadline']}): "
                f"{c['status'].replace('_', ' ')}, nominated by {c['nominated_by']} on "
                f"{c['nominated_on']}"
            ),
            highlight=False,
        )
        for e in c["evidence"]:
            carried = ", carried from an earlier panel" if e["carried"] else ""
            console.print(
                escape(f"  {e['item']}: {e['file']} by {e['author']}, {e['dated']}{carried}"),
                highlight=False,
            )
        if c["missing"]:
            console.print(escape(f"  missing: {', '.join(c['missing'])}"), highlight=False)
        d = c["decision"]
        if d:
            placement = f" ({d['placement']})" if d["placement"] else ""
            console.print(
                escape(
                    f"  decision: {d['outcome']}{placement} on {d['decided_on']} by "
                    f"{d['decided_by']}" + (f"; reasons: {d['reasons']}" if d["reasons"] else "")
                ),
                highlight=False,
            )
        for n, a in enumerate(c["actions"], start=1):
            console.print(
                escape(f"  action {n}: {a['title']} ({a['owner']}, due {a['due']}): {a['status']}"),
                highlight=False,
            )
        if c["signatures"]:
            console.print(
                escape(
                    "  outcome report signed: "
                    + ", ".join(f"{k} {v}" for k, v in c["signatures"].items())
                ),
                highlight=False,
            )
    supervision = data.get("supervision")
    if supervision:
        console.print("[bold]Supervision[/bold]")
        console.print(
            escape(
                f"  in the role since {supervision['in_role_since']}: "
                f"{'; '.join(supervision['schedule'])} (now {supervision['band_now']})"
            ),
            highlight=False,
        )
        held = supervision["held"]
        console.print(
            escape(
                f"  {len(held)} held"
                + (f", the last on {held[-1]['on']} with {held[-1]['by']}" if held else "")
                + (
                    f"; next due {supervision['next_due']}"
                    + (" (overdue)" if supervision["overdue"] else "")
                    if supervision["next_due"]
                    else ""
                )
            ),
            highlight=False,
        )
    registration = data.get("registration")
    if registration:
        r, p = registration["rule"], registration["progress"]
        console.print(f"[bold]Registration ({escape(registration['regulator'])})[/bold]")
        console.print(
            escape(
                f"  cycle {registration['cycle'][0]} to {registration['cycle'][1]} (window "
                f"opens {registration['window_opens']}): {p['records']} of {r['records']} "
                f"record(s), {p['peer_reflection']} of {r['peer_reflection']} with peer "
                f"reflection, {p['hours']} of {r['hours']} hours; "
                + (
                    "meets the rule"
                    if registration["met"]
                    else "still missing: " + ", ".join(registration["missing"])
                )
            ),
            highlight=False,
        )
    if data["history"]:
        console.print("[bold]History[/bold]")
        for e in data["history"]:
            console.print(
                escape(f"  {e['on']} {e['kind']} by {e['by']} {e['details']}"), highlight=False
            )
