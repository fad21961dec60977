"""`journeys report` writes one self-contained HTML file with every chart, from a real DuckDB warehouse."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_factories import CHARTS, evaluation, sample_warehouse, simulate, write

from warehouse.db import connect
from warehouse.report import build_report
from warehouse.report.cli_support import open_read_only


class Figures(HTMLParser):
    """Collects each ``data-chart`` figure: its attributes, how many SVGs and marks it holds, its text."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, dict[str, object]] = {}
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self._current: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        self.urls += [v for k, v in attrs if k in {"src", "href", "xlink:href", "action", "srcset"} and v]
        if tag == "figure" and "data-chart" in found:
            self._current, self._depth = str(found["data-chart"]), 0
            self.figures[self._current] = {"empty": found.get("data-empty") == "true", "svg": 0, "marks": 0, "text": ""}
        if self._current is None:
            return
        if tag == "figure":
            self._depth += 1
        figure = self.figures[self._current]
        if tag == "svg":
            figure["svg"] = int(str(figure["svg"])) + 1
        if "mark" in (found.get("class") or "").split():
            figure["marks"] = int(str(figure["marks"])) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure" and self._current is not None:
            self._depth -= 1
            if self._depth == 0:
                self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self.figures[self._current]["text"] = str(self.figures[self._current]["text"]) + data


def parse(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return sample_warehouse(tmp_path / "journeys.duckdb", journeys=40)


def report(path: Path, tmp_path: Path, *, with_evaluation: bool = True) -> str:
    con = open_read_only(path)
    try:
        out = build_report(
            con, evaluation=evaluation() if with_evaluation else None, out=tmp_path / "r" / "report.html"
        )
    finally:
        con.close()
    return out.read_text(encoding="utf-8")


def test_every_chart_renders_marks_from_a_realistic_warehouse(warehouse: Path, tmp_path: Path) -> None:
    figures = parse(report(warehouse, tmp_path)).figures
    assert set(figures) == CHARTS
    for name, figure in figures.items():
        assert not figure["empty"], name
        assert int(str(figure["svg"])) >= 1, name
        assert int(str(figure["marks"])) >= 1, name


def test_the_report_is_self_contained_and_fetches_nothing(warehouse: Path, tmp_path: Path) -> None:
    html = report(warehouse, tmp_path)
    parsed = parse(html)
    assert not [u for u in parsed.urls if re.match(r"\s*(https?:)?//", u)]
    assert "script" not in parsed.tags
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "Content-Security-Policy" in html
    assert len(html.encode()) < 1_000_000


def test_headline_numbers_match_the_warehouse(warehouse: Path, tmp_path: Path) -> None:
    con = connect(warehouse)
    journeys, customers, touchpoints = con.execute(
        "select count(*), count(distinct customer_id), sum(touchpoint_count) from journeys"
    ).fetchone() or (0, 0, 0)
    flagged = (con.execute("select count(distinct journey_id) from friction_points").fetchone() or (0,))[0]
    con.close()
    html = report(warehouse, tmp_path)
    kpis = dict(re.findall(r'<div class="v">([^<]+)</div><div class="k">([^<]+)</div>', html))
    by_label = {label: value for value, label in kpis.items()}
    assert by_label["journeys"] == f"{journeys:,}"
    assert by_label["customers"] == f"{customers:,}"
    assert by_label["touchpoints"] == f"{touchpoints:,}"
    assert by_label["friction rate"] == f"{flagged / journeys * 100:.1f}%"


def test_worst_journeys_are_the_lowest_scores_with_their_friction_evidence_ringed(
    warehouse: Path, tmp_path: Path
) -> None:
    con = connect(warehouse)
    lowest = [r[0] for r in con.execute("select journey_id from journey_scores order by score, journey_id").fetchall()]
    con.close()
    html = report(warehouse, tmp_path)
    shown = re.findall(r'data-journey="([^"]+)"', html)
    assert len(shown) == 8
    assert set(shown) <= set(lowest[:12])  # ties at the cut may order either way
    con = connect(warehouse)
    evidence = con.execute(
        "select count(distinct e) from (select unnest(touchpoint_ids) as e from friction_points where journey_id = ?)",
        [shown[0]],
    ).fetchone()
    con.close()
    block = html.split(f'data-journey="{shown[0]}"')[1].split('class="journey"')[0]
    assert block.count('class="mark friction"') == (evidence or (0,))[0] > 0


def test_an_empty_warehouse_renders_every_chart_with_a_no_data_message(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    connect(path).close()
    html = report(path, tmp_path, with_evaluation=False)
    figures = parse(html).figures
    assert set(figures) == CHARTS
    for name, figure in figures.items():
        if name == "channel-preference":  # the shipped preference table still has data
            assert not figure["empty"]
            continue
        assert figure["empty"], name
        assert "No " in str(figure["text"]), name
    assert "no journeys loaded yet" in html


def test_without_evaluation_the_section_says_how_to_get_one(warehouse: Path, tmp_path: Path) -> None:
    figure = parse(report(warehouse, tmp_path, with_evaluation=False)).figures["evaluation"]
    assert figure["empty"]
    assert "journeys evaluate" in str(figure["text"])


def test_the_evaluation_shows_every_rule_and_the_verdict(warehouse: Path, tmp_path: Path) -> None:
    figure = parse(report(warehouse, tmp_path)).figures["evaluation"]
    text = str(figure["text"])
    assert "PASSED" in text
    for rule in evaluation()["friction"]:
        assert rule.replace("_", " ") in text
    assert "99.50%" in text  # stitching accuracy
    assert "of 597 invalid events dead-lettered" in text


def test_preferences_come_from_the_csv_until_the_table_is_loaded(warehouse: Path, tmp_path: Path) -> None:
    assert "warehouse/channel_preferences.csv" in report(warehouse, tmp_path)
    con = connect(warehouse)
    con.execute("insert into channel_preferences values ('US', 'sms', 0.77, 'test')")
    con.close()
    html = report(warehouse, tmp_path)
    assert "table channel_preferences" in html
    assert "US · sms: 77.0% prefer it" in html


def test_merged_journeys_count_only_in_their_survivor(warehouse: Path, tmp_path: Path) -> None:
    before = re.search(r'<div class="v">([^<]+)</div><div class="k">journeys', report(warehouse, tmp_path))
    con = connect(warehouse)
    con.execute("update journeys set status = 'merged' where journey_id = 'j0000'")
    con.close()
    after = re.search(r'<div class="v">([^<]+)</div><div class="k">journeys', report(warehouse, tmp_path))
    assert before and after
    assert int(after.group(1).replace(",", "")) == int(before.group(1).replace(",", "")) - 1


def test_text_from_the_warehouse_is_escaped(warehouse: Path, tmp_path: Path) -> None:
    con = connect(warehouse)
    worst = (con.execute("select journey_id from journey_scores order by score limit 1").fetchone() or ("",))[0]
    con.execute(
        "update friction_points set detail = '<img src=x onerror=alert(1)>' where journey_id = ?",
        [worst],
    )
    con.close()
    html = report(warehouse, tmp_path)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def _journeys(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"JOURNEYS_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-c", "from journeys.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_report_command_writes_the_default_path_and_reads_evaluation_json(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    sample_warehouse(data_dir / "journeys.duckdb", journeys=12)
    (data_dir / "evaluation.json").write_text(json.dumps(evaluation(passed=False)))
    done = _journeys("report", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    out = data_dir / "report.html"
    assert done.stdout.strip() == str(out)
    assert "FAILED" in out.read_text(encoding="utf-8")


def test_report_command_on_a_missing_warehouse_says_what_to_run(tmp_path: Path) -> None:
    done = _journeys("report", "--warehouse", str(tmp_path / "nope.duckdb"), data_dir=tmp_path)
    assert done.returncode == 1
    assert "nope.duckdb" in done.stderr
    assert "journeys flows run" in done.stderr


def test_a_broken_evaluation_json_is_named_in_the_error(tmp_path: Path) -> None:
    sample_warehouse(tmp_path / "journeys.duckdb", journeys=5)
    (tmp_path / "evaluation.json").write_text("{not json")
    done = _journeys("report", data_dir=tmp_path)
    assert done.returncode == 1
    assert "evaluation.json" in done.stderr
    assert "journeys evaluate" in done.stderr


def test_worst_journeys_show_points_of_the_most_possible_and_why(warehouse: Path, tmp_path: Path) -> None:
    block = parse(report(warehouse, tmp_path)).figures["worst-journeys"]
    text = str(block["text"])
    assert "/ 45" in text and "/ 35" in text and "/ 20" in text  # from scoring_configs
    assert "(typical 7)" in text  # the effort inputs from journey_scores.components
    con = connect(warehouse)
    con.execute("delete from scoring_configs")
    con.close()
    text = str(parse(report(warehouse, tmp_path)).figures["worst-journeys"]["text"])
    assert "/ 45" not in text
    assert "outcome" in text


def test_report_command_on_a_warehouse_held_by_a_writer_says_what_to_do(tmp_path: Path) -> None:
    path = sample_warehouse(tmp_path / "journeys.duckdb", journeys=5)
    writer = connect(path)  # like a running `journeys flows serve`
    try:
        done = _journeys("report", "--warehouse", str(path), data_dir=tmp_path)
    finally:
        writer.close()
    assert done.returncode == 1
    assert "holds it open for writing" in done.stderr


def test_a_warehouse_spanning_a_day_gets_hourly_volume_bars(tmp_path: Path) -> None:
    con = connect(tmp_path / "day.duckdb")
    write(con, simulate(30, seed=3, days=1))
    con.close()
    figure = parse(report(tmp_path / "day.duckdb", tmp_path, with_evaluation=False)).figures["volume"]
    assert "per hour" in str(figure["text"])
    assert int(str(figure["marks"])) >= 10


def test_report_command_draws_as_many_timelines_as_asked(tmp_path: Path) -> None:
    sample_warehouse(tmp_path / "journeys.duckdb", journeys=20)
    done = _journeys("report", "--worst", "3", "--out", str(tmp_path / "three.html"), data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "three.html").read_text(encoding="utf-8").count("data-journey=") == 3


def test_each_channel_switch_says_how_often_it_came_with_friction(warehouse: Path, tmp_path: Path) -> None:
    html = report(warehouse, tmp_path)
    sankey = html.split('data-chart="channel-sankey"')[1].split("</figure>")[0]
    tips = re.findall(r"<title>([^<]*→[^<]*)</title>", sankey)
    assert tips
    assert all(re.search(r"\d+% of these journeys had friction", tip) for tip in tips)
