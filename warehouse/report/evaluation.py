"""The evaluation against simulated ground truth (``evaluation.json`` from ``journeys evaluate``)."""

from __future__ import annotations

from typing import Any

from warehouse.report.svg import empty, esc, figure, fmt_int, fmt_pct, svg, title

__all__ = ["evaluation"]

PRECISION, RECALL = "#4e79a7", "#f28e2b"


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _class(value: float | None, limit: float | None) -> str:
    return "status-fail" if value is not None and limit is not None and value < limit else ""


def _rules_svg(friction: dict[str, Any], thresholds: dict[str, Any]) -> str:
    rules = sorted(r for r, v in friction.items() if isinstance(v, dict) and v)
    label_w, row, x0, x1 = 190, 24, 200, 900
    lo = 0.5  # the axis starts at 0.5: a rule below it is drawn at the edge, its number still shown

    def x(value: float) -> float:
        return x0 + (max(value, lo) - lo) / (1 - lo) * (x1 - x0)

    top = 22
    parts = [
        f'<text class="tick" x="{x(lo)}" y="14" text-anchor="middle">≤50%</text>',
        *(
            f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="18" y2="{top + len(rules) * row}"/>'
            f'<text class="tick" x="{x(t):.1f}" y="14" text-anchor="middle">{t:.0%}</text>'
            for t in (0.6, 0.7, 0.8, 0.9, 1.0)
        ),
    ]
    limits = {k: _float(thresholds.get(f"friction_{k}")) for k in ("precision", "recall")}
    lines: dict[float, list[str]] = {}
    for key, limit in limits.items():
        if limit is not None:
            lines.setdefault(limit, []).append(key)
    for limit, keys in lines.items():
        colour = "#495057" if len(keys) > 1 else PRECISION if keys == ["precision"] else RECALL
        parts.append(
            f'<line x1="{x(limit):.1f}" x2="{x(limit):.1f}" y1="18" y2="{top + len(rules) * row}" '
            f'stroke="{colour}" stroke-dasharray="4 3" stroke-width="1.5">'
            f"{title(' and '.join(keys) + f' threshold {limit:.0%}')}</line>"
        )
    for i, rule in enumerate(rules):
        stats = friction[rule]
        y = top + i * row + row / 2
        precision, recall = _float(stats.get("precision")), _float(stats.get("recall"))
        counts = ", ".join(f"{k} {fmt_int(stats[k])}" for k in ("tp", "fp", "fn", "injected") if k in stats)
        parts.append(
            f'<text class="lbl" x="{label_w}" y="{y + 4}" text-anchor="end">{esc(rule.replace("_", " "))}</text>'
        )
        parts.append(f'<line class="lane" x1="{x0}" x2="{x1}" y1="{y}" y2="{y}"/>')
        # precision a little above the line, recall a little below: both stay visible when equal
        for value, colour, name, dy in ((precision, PRECISION, "precision", -3.5), (recall, RECALL, "recall", 3.5)):
            if value is None:
                continue
            parts.append(
                f'<g class="mark">{title(f"{rule} {name} {value:.1%} ({counts})")}'
                f'<circle cx="{x(value):.1f}" cy="{y + dy}" r="5" fill="{colour}" stroke="#fff"/></g>'
            )
        shown = " · ".join(
            f'<tspan class="{_class(value, limits[key])}">{key[0].upper()} {fmt_pct(value, 1)}</tspan>'
            for key, value in (("precision", precision), ("recall", recall))
        )
        parts.append(
            f'<text class="val" x="{x1 + 14}" y="{y + 4}">{shown}<tspan class="muted"> · {esc(counts)}</tspan></text>'
        )
    legend_y = top + len(rules) * row + 18
    parts.append(
        f'<circle cx="{x0}" cy="{legend_y - 4}" r="5" fill="{PRECISION}"/><text class="tick" x="{x0 + 10}" y="{legend_y}">precision</text>'
        f'<circle cx="{x0 + 90}" cy="{legend_y - 4}" r="5" fill="{RECALL}"/><text class="tick" x="{x0 + 100}" y="{legend_y}">recall</text>'
        f'<text class="tick" x="{x0 + 170}" y="{legend_y}">dashed: the thresholds</text>'
    )
    return svg(1200, legend_y + 8, "".join(parts), label="friction precision and recall per rule")


def _kpi(label: str, value: str, ok: bool | None = None) -> str:
    state = "" if ok is None else (" ok" if ok else " bad")
    return f'<div class="kpi small{state}"><div class="v">{esc(value)}</div><div class="k">{esc(label)}</div></div>'


def evaluation(data: dict[str, Any] | None) -> str:
    heading, name = "Evaluation against ground truth", "evaluation"
    if not data:
        caption = (
            "Run <code>journeys evaluate</code> after a simulation to compare the warehouse with the ground truth."
        )
        return figure(
            name,
            heading,
            caption,
            empty("No evaluation.json found: `journeys evaluate` writes it after `journeys simulate`."),
            empty=True,
            wide=True,
        )
    thresholds = data.get("thresholds") or {}
    stitching = data.get("stitching") or {}
    score = data.get("score") or {}
    passed = data.get("passed")
    verdict = "PASSED" if passed else "FAILED" if passed is not None else "no verdict"
    caption = (
        f"From <code>{esc(data.get('truth_path', 'ground truth'))}</code>, evaluated "
        f'{esc(data.get("generated_at", ""))}: <b class="{"status-pass" if passed else "status-fail"}">{verdict}</b>. '
        "Precision and recall are per journey."
    )
    accuracy, limit = _float(stitching.get("accuracy")), _float(thresholds.get("stitching_accuracy"))
    merges, merge_limit = _float(stitching.get("wrong_merges")), _float(thresholds.get("wrong_merges"))
    spearman = _float(score.get("spearman"))
    kpis = [
        _kpi(
            "stitching accuracy", fmt_pct(accuracy, 2), None if accuracy is None or limit is None else accuracy >= limit
        ),
        _kpi(
            "wrong merges",
            fmt_int(merges) if merges is not None else "–",
            None if merges is None or merge_limit is None else merges <= merge_limit,
        ),
        _kpi("simulated people", fmt_int(stitching["people"]) if "people" in stitching else "–"),
        _kpi("warehouse customers", fmt_int(stitching["customers"]) if "customers" in stitching else "–"),
        _kpi(
            "score vs frictions (Spearman)",
            f"{spearman:+.2f}" if spearman is not None else "–",
            None if spearman is None else spearman < 0,
        ),
        _kpi(
            "mean score with / without friction",
            f"{_float(score.get('mean_with_friction')) or 0:.0f} / {_float(score.get('mean_without')) or 0:.0f}",
        ),
    ]
    ingestion = data.get("ingestion") or {}
    for done, of, what in (
        ("loaded", "events", "events loaded"),
        ("invalid_dead_lettered", "invalid_sent", "invalid events dead-lettered"),
    ):
        got, want = _float(ingestion.get(done)), _float(ingestion.get(of))
        if got is not None and want:
            kpis.append(_kpi(f"of {fmt_int(want)} {what}", fmt_pct(got / want, 1), got == want))
    friction = data.get("friction") or {}
    chart = (
        _rules_svg(friction, thresholds)
        if any(isinstance(v, dict) and v for v in friction.values())
        else empty("No per-rule figures in evaluation.json.")
    )
    return figure(name, heading, caption, f'<div class="kpis">{"".join(kpis)}</div>{chart}', wide=True)
