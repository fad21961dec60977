"""Data quality: every check over the latest runs, and what the dead-letter topic holds."""

from __future__ import annotations

from collections.abc import Sequence

from warehouse.report.bars import Bar, hbars
from warehouse.report.data import DeadLetterCount, DqResult, LinkCount
from warehouse.report.palette import STATUS_COLOURS
from warehouse.report.svg import empty, esc, figure, fmt_int, fmt_time, svg, title

__all__ = ["dead_letters", "dq_grid", "identity_links"]


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:,.4g}"


def dq_grid(results: Sequence[DqResult]) -> str:
    heading, name = "Data quality", "data-quality"
    if not results:
        caption = "Checks of the data-quality flow, per run."
        return figure(
            name,
            heading,
            caption,
            empty("No data-quality run yet: `journeys flows run` ends with the checks."),
            empty=True,
            wide=True,
        )
    runs = list(dict.fromkeys(r.run_id for r in results))  # the query orders by run time
    run_time = {r.run_id: r.run_time for r in results}
    checks = sorted({r.check_name for r in results})
    cell = {(r.check_name, r.run_id): r for r in results}
    latest = runs[-1]
    failing = sum(1 for c in checks if (c, latest) in cell and cell[c, latest].status != "pass")
    caption = (
        f"Each check (row) in the last {len(runs)} run(s) (columns, oldest first); the latest run "
        f"({esc(fmt_time(run_time[latest]))} UTC) has {failing} check(s) not passing."
    )
    label_w, size, row = 230, 20, 24
    grid_w = len(runs) * (size + 4)
    text_x = label_w + grid_w + 16
    parts = []
    for i, check in enumerate(checks):
        y = 6 + i * row
        parts.append(f'<text class="lbl" x="{label_w - 10}" y="{y + 15}" text-anchor="end">{esc(check)}</text>')
        for j, run in enumerate(runs):
            result = cell.get((check, run))
            x = label_w + j * (size + 4)
            if result is None:
                parts.append(f'<rect x="{x}" y="{y + 2}" width="{size}" height="{size}" rx="4" fill="#f1f3f5"/>')
                continue
            tip = (
                f"{check} · {result.status} · run {run} at {fmt_time(result.run_time)}\n"
                f"observed {_number(result.observed)}, threshold {_number(result.threshold)}\n{result.message}"
            )
            parts.append(
                f'<g class="mark">{title(tip)}<rect x="{x}" y="{y + 2}" width="{size}" height="{size}" rx="4" '
                f'fill="{STATUS_COLOURS.get(result.status, "#adb5bd")}"/></g>'
            )
        now = cell.get((check, latest))
        if now is not None:
            head = f"{now.status.upper()} {_number(now.observed)} / {_number(now.threshold)} · "
            room = int((1200 - text_x) / 6.2) - len(head)  # 11.5px text is ~6.2px a character
            message = now.message if len(now.message) <= room else now.message[: max(room - 1, 10)] + "…"
            parts.append(
                f'<text class="val" x="{text_x}" y="{y + 15}"><tspan class="status-{esc(now.status)}">'
                f"{esc(now.status.upper())}</tspan> {_number(now.observed)}"
                f'<tspan class="muted"> / {_number(now.threshold)} · {esc(message)}</tspan></text>'
            )
    height = 12 + len(checks) * row
    return figure(name, heading, caption, svg(1200, height, "".join(parts), label=heading), wide=True)


def dead_letters(counts: Sequence[DeadLetterCount]) -> str:
    heading, name = "Dead letters", "dead-letters"
    total = sum(c.dead_letters for c in counts)
    caption = (
        f"{fmt_int(total)} events were rejected (latest attempt of each), by error kind and source; "
        "<code>journeys dlq inspect</code> shows them."
    )
    if not total:
        return figure(name, heading, "Events rejected at the collector or SDK.", empty("No dead letters."), empty=True)
    bars = [
        Bar(
            f"{c.error_kind} · {c.source}",
            c.dead_letters,
            "#868e96",
            f"{c.error_kind} from {c.source}: {fmt_int(c.dead_letters)}",
            fmt_int(c.dead_letters),
        )
        for c in counts[:12]
    ]
    return figure(name, heading, caption, hbars(bars, label=heading, width=588, label_width=250))


LINK_COLOURS = {"observed": "#4e79a7", "merged": "#59a14f", "refused": "#e8590c", "split": "#b07aa1"}


def _identifiers(per_customer: Sequence[tuple[int, int]]) -> str:
    """Columns: customers stitched from 1, 2, ... 6+ identifiers."""
    total = sum(c for _, c in per_customer)
    if not total:
        return ""
    width, height, left, bottom = 588, 150, 280, 22
    counts = dict(per_customer)
    top = max(counts.values())
    slot = (width - left - 20) / 6
    parts = [
        f'<text class="lbl" x="{left - 8}" y="{(height - bottom) / 2 + 4}" text-anchor="end">'
        "customers by identifiers</text>"
    ]
    for i, n in enumerate(range(1, 7)):
        x = left + i * slot
        label = f"{n}+" if n == 6 else str(n)
        parts.append(f'<text class="tick" x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle">{label}</text>')
        customers = counts.get(n, 0)
        if not customers:
            continue
        h = customers / top * (height - bottom - 20)
        y = height - bottom - h
        tip = f"{fmt_int(customers)} customers ({customers / total:.0%}) stitched from {label} identifier(s)"
        parts.append(
            f'<g class="mark">{title(tip)}<rect x="{x + 4:.1f}" y="{y:.1f}" width="{slot - 8:.1f}" height="{h:.1f}" '
            f'rx="2" fill="#59a14f" fill-opacity="{0.35 + 0.65 * (n - 1) / 5:.2f}"/>'
            f'<text class="val" x="{x + slot / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{fmt_int(customers)}</text></g>'
        )
    return svg(width, height, "".join(parts), label="customers by number of identifiers")


def identity_links(counts: Sequence[LinkCount], per_customer: Sequence[tuple[int, int]] = ()) -> str:
    heading, name = "Identity stitching", "identity-links"
    total = sum(c.links for c in counts)
    caption = (
        f"{fmt_int(total)} identity links the stitcher published (merges of two customers, refusals with "
        "the reason, splits), and how many identifiers each customer was stitched from."
    )
    if not total:
        return figure(
            name, heading, "Identity links the stitcher published.", empty("No identity links yet."), empty=True
        )
    bars = [
        Bar(
            f"{c.kind} · {c.reason}" if c.reason else c.kind,
            c.links,
            LINK_COLOURS.get(c.kind, "#868e96"),
            f"{c.kind}{' (' + c.reason + ')' if c.reason else ''}: {fmt_int(c.links)} links",
            fmt_int(c.links),
        )
        for c in counts[:12]
    ]
    body = hbars(bars, label=heading, width=588, label_width=280) if bars else ""
    return figure(name, heading, caption, body + _identifiers(per_customer))
