"""`ladder cpd`: record continuing professional development for registration renewal."""

from __future__ import annotations

import typer

from definitions.calendar import human_date
from flows.cli.common import command_group, out, required_date, runtime
from tasks.registration.cpd import record_cpd

app = command_group("CPD for registration renewal: record it, and see what is still missing.")


@app.command("record")
def record(
    worker: str,
    on: str = typer.Option(..., help="YYYY-MM-DD, the day the CPD was done"),
    title: str = typer.Option(..., help="what it was, e.g. 'Reflective log: court work'"),
    hours: float = typer.Option(0, help="time spent, for a rule counted in hours"),
    peer_reflection: bool = typer.Option(False, help="reflected on with a peer"),
    by: str = typer.Option(..., help="your roster id: the worker, their manager, or a lead"),
) -> None:
    """Record a piece of CPD; the renewal item closes once the regulator's rule is met."""
    done_on = required_date(on, "--on")
    rt = runtime()
    with rt.transaction() as session:
        result = record_cpd(
            session,
            rt.organisation,
            worker=worker,
            done_on=done_on,
            title=title,
            hours=hours,
            peer_reflection=peer_reflection,
            by=by,
            today=rt.today(),
        )
    p, locale = result.progress, rt.organisation.profile.locale
    said = "recorded" if result.new else "was already recorded; nothing changed"
    line = (
        f"{worker}: CPD on {human_date(done_on, locale)} {said}; this cycle "
        f"({human_date(p.cycle_start, locale)} to {human_date(p.cycle_end, locale)}): "
        f"{p.records} record(s), {p.peer_reflection} with peer reflection, {p.hours} hours; "
    )
    line += "meets the rule" if result.met else "still missing: " + ", ".join(result.missing)
    out.print(line, highlight=False, soft_wrap=True)
