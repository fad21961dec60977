"""The report's stylesheet, inlined into every report (a Python string, so it ships with the code)."""

__all__ = ["CSS"]

CSS = """
:root { --ink: #212529; --muted: #868e96; --line: #e9ecef; --bg: #f6f7f9; --card: #fff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 28px 28px 40px; }
header { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px; margin-bottom: 18px; }
header h1 { margin: 0; font-size: 26px; letter-spacing: -0.01em; }
header .sub { color: var(--muted); margin-top: 4px; }
header .legend { display: flex; flex-wrap: wrap; gap: 4px 12px; justify-content: flex-end; max-width: 640px;
  font-size: 12px; color: #495057; }
header .legend span { white-space: nowrap; }
header .legend i, .chip i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px; vertical-align: -1px; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: 0.08em; color: var(--muted); margin: 30px 0 10px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
.kpi { background: var(--card); border-radius: 10px; padding: 14px 18px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
.kpi .v { font-size: 30px; font-weight: 650; letter-spacing: -0.02em; font-variant-numeric: tabular-nums; }
.kpi .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .06em; }
.kpi .s { color: #495057; font-size: 12px; margin-top: 2px; min-height: 1em; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 8px; vertical-align: -1px; }
.kpi.small { box-shadow: none; background: #f8f9fa; padding: 10px 14px; }
.kpi.small .v { font-size: 20px; }
.kpi.ok .v { color: #2f9e44; } .kpi.bad .v { color: #e03131; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.grid.three { grid-template-columns: 1.15fr 1fr 0.85fr; }
.grid.lead { grid-template-columns: 1.8fr 1fr; }
@media (max-width: 1000px) { .grid, .grid.three, .grid.lead { grid-template-columns: minmax(0, 1fr); } header { display: block; } }
@media print { body { background: #fff; } .card, .kpi { box-shadow: none; border: 1px solid var(--line); break-inside: avoid; } }
.card { background: var(--card); border-radius: 10px; padding: 16px 18px 14px; margin: 0;
  box-shadow: 0 1px 2px rgba(0,0,0,.06); min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.card h3 { margin: 0; font-size: 16px; }
.card .caption { margin: 2px 0 10px; color: var(--muted); font-size: 12.5px; }
.card svg { width: 100%; height: auto; display: block; overflow: visible; }
.empty { padding: 36px 0; text-align: center; color: var(--muted); border: 1px dashed #dee2e6; border-radius: 8px; }
.note { margin: 8px 0 0; color: #495057; font-size: 12.5px; }
svg text { font-size: 12px; fill: #343a40; }
svg .tick, svg .axis { font-size: 11px; fill: var(--muted); }
svg .axis { text-transform: uppercase; letter-spacing: .08em; }
svg .panel { font-size: 13px; font-weight: 600; }
svg .cell { font-size: 11px; font-variant-numeric: tabular-nums; }
svg .val { font-size: 11.5px; fill: #495057; font-variant-numeric: tabular-nums;
  paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .muted, .muted { fill: var(--muted); color: var(--muted); }
svg line.grid { stroke: var(--line); }
svg line.lane { stroke: #f1f3f5; stroke-width: 8; stroke-linecap: round; }
svg line.gap { stroke: #ced4da; stroke-dasharray: 2 3; }
svg polyline.path { fill: none; stroke: #ced4da; stroke-width: 1.2; }
svg .ref { stroke: #495057; stroke-dasharray: 3 3; }
svg text.evt { font-size: 9.5px; fill: #868e96; }
svg .link { fill-opacity: .42; transition: fill-opacity .15s; }
svg .link:hover { fill-opacity: .8; }
svg g.mark:hover rect, svg g.mark:hover circle { filter: brightness(0.9); }
.status-pass { fill: #2f9e44; color: #2f9e44; font-weight: 600; }
.status-warn { fill: #e8590c; color: #e8590c; font-weight: 600; }
.status-fail { fill: #e03131; color: #e03131; font-weight: 600; }
.journey { border-top: 1px solid var(--line); padding: 12px 0 8px; }
.journey:first-of-type { border-top: 0; }
.jhead { display: flex; gap: 14px; align-items: flex-start; margin-bottom: 6px; }
.score { flex: none; width: 46px; height: 46px; border-radius: 50%; color: #fff; font-weight: 700; font-size: 17px;
  display: flex; align-items: center; justify-content: center; cursor: help; }
.jid { font-weight: 600; } .jid code { font-size: 12px; font-weight: 500; background: #f1f3f5; padding: 1px 5px; border-radius: 4px; }
.meta { color: var(--muted); font-size: 12.5px; }
.components, .chips { margin-top: 4px; display: flex; flex-wrap: wrap; gap: 6px; font-size: 12px; }
.pts { padding: 1px 8px; border-radius: 10px; background: #f1f3f5; }
.pts.pos b { color: #2f9e44; } .pts.neg b { color: #e03131; }
.pts i { font-style: normal; color: var(--muted); }
.why { color: #495057; padding: 1px 4px; }
.chip { border: 1.5px solid; border-radius: 10px; padding: 0 8px; cursor: help; }
footer { margin-top: 30px; color: var(--muted); font-size: 12px; text-align: center; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
"""
