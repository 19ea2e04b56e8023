"""The daily digest as a mail: plain text, and the same as simple HTML (one column, large
type, no images) for mail apps on phones. Jinja2 templates; the HTML one autoescapes every
value (item names are the family's own text)."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from query.planning.rules import LOW, OUT, REORDER_NOW, Expiry, Forecast

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)
HEADINGS = {OUT: "Out of stock", REORDER_NOW: "Reorder now", LOW: "Critical and running low"}


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str
    items: int  # how many items it reports


def day(d: date) -> str:
    """As a person reads it on a phone: Tue 8 Dec."""
    return f"{d:%a} {d.day} {d:%b}"


def forecast_line(f: Forecast) -> str:
    s = f.supply
    parts = [f"{s.name}: {s.quantity} {s.unit} left" if s.quantity else f"{s.name}: none left"]
    if f.run_out_on is not None and s.quantity:
        parts.append(f"runs out {day(f.run_out_on)}")
    if f.reorder_by is not None and f.status == REORDER_NOW:
        parts.append(f"order by {day(f.reorder_by)}")
    if s.quantity < s.minimum_stock:
        parts.append(f"minimum {s.minimum_stock}")
    if f.suggested_quantity:
        parts.append(f"suggested order {f.suggested_quantity} {s.unit}")
    return ", ".join(parts)


def expiry_line(e: Expiry) -> str:
    n, when = e.days_to_expiry, day(e.supply.expiry_date or date.min)
    if n < 0:
        return f"{e.supply.name}: expired {when} ({-n} day{'s' * (n != -1)} ago)"
    if n == 0:
        return f"{e.supply.name}: expires today"
    return f"{e.supply.name}: expires {when} (in {n} day{'s' * (n != 1)})"


def digest_mail(
    household: str, member: str, today: date, reported: list[Forecast], expiring: list[Expiry]
) -> Mail:
    sections = [
        (heading, [forecast_line(f) for f in reported if f.status == status])
        for status, heading in HEADINGS.items()
    ]
    if expiring:
        sections.append(("Expiring within 7 days", [expiry_line(e) for e in expiring]))
    values = {
        "household": household,
        "member": member,
        "today": day(today),
        "sections": [(heading, lines) for heading, lines in sections if lines],
    }
    count = len(reported) + len(expiring)
    subject = f"{household}: {count} suppl{'ies' if count != 1 else 'y'} to see to today"
    subject = " ".join(subject.split())  # a header is one line, whatever the name holds
    text = _templates.get_template("digest.txt").render(values)
    html = _templates.get_template("digest.html").render(values)
    return Mail(subject, text, html, count)
