"""The digest as a mail: what each line says, escaped HTML, a one-line subject."""

import uuid
from datetime import UTC, date, datetime, timedelta

from query.planning import rules
from query.planning.mail import digest_mail
from query.planning.rules import Settings, Supply

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 8, tzinfo=UTC)


def supply(name: str, quantity: int, **fields: object) -> Supply:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "name": name,
        "category_id": uuid.uuid4(),
        "quantity": quantity,
        "unit": "ml",
        "minimum_stock": 0,
        "is_critical": False,
        "lead_time_days": None,
        "created_at": NOW - timedelta(days=2),
        **fields,
    }
    return Supply(**values)  # type: ignore[arg-type]


def test_each_line_says_what_to_do_and_the_html_escapes_the_familys_text() -> None:
    shelf = [
        supply("Saline", 0),
        supply("Tubes & <caps>", 6, used_day=TODAY, used=(14,)),
        supply("Oxygen", 1, minimum_stock=3, is_critical=True),
    ]
    reported = rules.plan(shelf, NOW, TODAY, Settings(), 3)
    expiring = rules.expiring([supply("Insulin", 2, expiry_date=date(2026, 12, 5))], TODAY, 7)
    mail = digest_mail("Rao home", "Asha", TODAY, reported, expiring)
    assert mail.subject == "Rao home: 4 supplies to see to today"
    assert mail.items == 4
    assert "- Saline: none left" in mail.text
    assert "- Tubes & <caps>: 6 ml left, runs out Thu 10 Dec, order by Mon 7 Dec" in mail.text
    assert "- Oxygen: 1 ml left, minimum 3, suggested order 2 ml" in mail.text
    assert "- Insulin: expired Sat 5 Dec (2 days ago)" in mail.text
    assert "Tubes &amp; &lt;caps&gt;" in mail.html and "<caps>" not in mail.html
    assert "<img" not in mail.html


def test_a_name_with_a_line_break_keeps_the_subject_on_one_line() -> None:
    mail = digest_mail("Rao\nhome", "Asha", TODAY, [], [])
    assert mail.subject == "Rao home: 0 supplies to see to today"
