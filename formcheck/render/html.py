"""The report as one self-contained HTML page: inline CSS, inline SVG plots, key frames as
base64 images; no script, no font, nothing fetched from anywhere.

`report_html(report, key_images, plots)` reads only the neutral `ReportModel`,
so every analysis mode gets the same page.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Sequence
from html import escape

from formcheck import __version__
from formcheck.render.model import Activity, KeyFrame, MetricRow, ReportModel
from formcheck.render.strip import activity_strip_svg, span_edges_s

EVIDENCE_TEXT = {
    "E": "published evidence",
    "H": "engineering heuristic, no published threshold",
    "W": "weak or indirect evidence",
    "": "not graded",
}
_DIGITS = {"deg": 1, "leg lengths": 3, "hip widths": 2, "ms": 0, "steps/min": 1, "%": 1, "reps": 0, "pts": 0}

CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d1d1f;background:#f5f5f7}
main{max-width:1040px;margin:0 auto;padding:16px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .5em;border-bottom:1px solid #ccc}
section{background:#fff;border-radius:10px;padding:4px 16px 14px;margin:12px 0;box-shadow:0 1px 2px #0001}
table{border-collapse:collapse;width:100%;font-size:.93em}th,td{padding:5px 8px;text-align:left;
border-bottom:1px solid #e5e5e5;vertical-align:top}th{background:#fafafa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tablewrap{overflow-x:auto}.muted{color:#666;font-size:.9em}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:.8em;font-weight:600;color:#fff}
.ev-E{background:#2e7d32}.ev-H{background:#8d6e00}.ev-W{background:#b23c17}.ev-{background:#777}
.sev-check{border-left:5px solid #d32f2f}.sev-note{border-left:5px solid #f0a000}.sev-info{border-left:5px solid #aaa}
.cue{padding:6px 10px;margin:8px 0;background:#fafafa;border-radius:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:12px}
.grid.wide{grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr))}
figure{margin:0}figure img{width:100%;height:auto;border-radius:6px;background:#000}
figcaption{font-size:.85em;color:#444}.plots svg{display:block;margin:8px 0;background:#fff}
.plotgrid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:8px}
.low{color:#b23c17;font-size:.85em}
.ask{background:#fff4e0;border-left:5px solid #f0a000;padding:6px 10px;border-radius:4px}.ask code{white-space:nowrap}
.activity-strip{display:block;margin:8px 0}details summary{cursor:pointer;color:#444}
@media (max-width:600px){main{padding:6px}section{padding:2px 10px 10px}
table.stack td,table.stack th{display:block;border:0;padding:2px 4px}table.stack tr{display:block;
border-bottom:1px solid #e5e5e5;padding:4px 0}table.stack thead{display:none}}
"""


_CONFIDENCE_OF = {"running": "view and context", "exercise": "exercise and view"}


def _num(v: float, unit: str) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.{_DIGITS.get(unit, 2)}f}"


def _unit(unit: str) -> str:
    return "°" if unit == "deg" else unit


def _badge(evidence: str) -> str:
    return (f'<span class="badge ev-{escape(evidence)}" title="{escape(EVIDENCE_TEXT.get(evidence, ""))}">'
            f'{escape(evidence or "?")}</span>')


def _metric_row(m: MetricRow) -> str:
    ci = (f"{_num(m.ci95[0], m.unit)} – {_num(m.ci95[1], m.unit)}"
          if all(math.isfinite(v) for v in m.ci95) else "—")
    frames = f"{m.frames[0]}–{m.frames[1]}" if m.frames else "—"
    low = ' <span class="low">low confidence</span>' if m.low_confidence else ""
    return (f'<tr title="{escape(m.describe)}"><td>{escape(m.label)}{low}</td>'
            f'<td class="num"><b>{_num(m.value, m.unit)}</b>{"" if m.unit in ("deg", "%") else " "}'
            f'{escape(_unit(m.unit))}</td>'
            f'<td class="num">{ci}</td><td class="num">{_num(m.spread, m.unit)}</td>'
            f'<td class="num">{_num(m.left, m.unit)}</td><td class="num">{_num(m.right, m.unit)}</td>'
            f'<td class="num">{m.n}</td><td>{escape(m.view)}</td><td class="num">{frames}</td>'
            f'<td>{_badge(m.evidence)}</td></tr>')


def _table(headers: Sequence[str], rows: Sequence[str], table_id: str = "", stack: bool = False) -> str:
    """stack: on a narrow screen each row becomes a block (for tables of prose)."""
    ident = (f' id="{table_id}"' if table_id else "") + (' class="stack"' if stack else "")
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f'<div class="tablewrap"><table{ident}><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _where(cue, word: str) -> str:
    if not cue.frames:
        return "whole clip"
    parts = []
    for k, (a, b) in enumerate(cue.frames):
        n = cue.intervals[k] + 1 if cue.intervals and cue.intervals[k] >= 0 else None
        parts.append(f"{word} {n} (frames {a}–{b})" if n else f"frames {a}–{b}")
    shown = ", ".join(parts[:6]) + (f" and {len(parts) - 6} more" if len(parts) > 6 else "")
    return shown


def _options_as_code(text: str) -> str:
    """Command-line options in a sentence as unbroken code: "--mode run", "--exercise NAME"."""
    return re.sub(r"--[a-z_]+(?: (?:[a-z_]+|[A-Z]+)\b)?", lambda m: f"<code>{m.group(0)}</code>", text)


def _activity_section(activity: Activity, report: ReportModel) -> str:
    """The decision, the question when unsure, the strip and the table of its spans."""
    ask = activity.ask_text
    rows = [f"<tr><td class=\"num\">{a:.1f}–{b:.1f} s</td><td>{escape(sp.title)}</td>"
            f"<td class=\"num\">{sp.confidence:.2f}</td><td>{escape(sp.view or '—')}</td>"
            f"<td class=\"num\">{sp.first}–{sp.last}</td><td class=\"muted\">{escape(sp.why)}</td></tr>"
            for sp, (a, b) in zip(activity.spans, span_edges_s(activity, report.track.t_s))]
    table = (f"<details><summary>The {len(rows)} part{'s' if len(rows) != 1 else ''} of the clip, with why"
             + (f" ({len(activity.cuts)} shot cut{'s' if len(activity.cuts) != 1 else ''})" if activity.cuts else "")
             + "</summary>" + _table(["time", "activity", "confidence", "view", "frames", "why"], rows,
                                     "activity-spans", stack=True) + "</details>") if rows else ""
    return ("<section id=\"activity\"><h2>What happens when</h2>"
            f"<p class=\"decision\">{escape(activity.decision)}</p>"
            + (f"<p class=\"ask\"><b>{_options_as_code(escape(ask))}</b></p>" if ask else "")
            + (activity_strip_svg(activity, report.track.t_s) if activity.spans else "") + table + "</section>")


def image_data_uri(data: bytes, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _cue_html(report: ReportModel) -> str:
    """The cues: observations first, then what filming again would tell, then options."""
    word = report.interval_word
    observations = [c for c in report.cues if c.kind != "suggestion"]
    film_again = [c for c in report.cues if c.kind == "suggestion" and c.film_again]
    suggestions = [c for c in report.cues if c.kind == "suggestion" and not c.film_again]
    cue_html = [f'<div class="cue sev-{escape(c.severity)}">{_badge(c.evidence)} <b>{escape(c.severity)}</b> '
                f'{escape(c.message)}<div class="muted">where: {escape(_where(c, word))}</div></div>'
                for c in observations]
    if not observations:
        cue_html.append(f"<p>{escape(report.quiet_cues())}</p>")
    if film_again:
        cue_html.append("<h3>To know more, film again</h3>")
        cue_html += [f'<div class="cue sev-info">{_badge(c.evidence)} {escape(c.message)}</div>' for c in film_again]
    if suggestions:
        cue_html.append("<h3>Options (only if you want to experiment)</h3>")
        cue_html += [f'<div class="cue sev-info">{_badge(c.evidence)} {escape(c.message)}</div>' for c in suggestions]
    return "".join(cue_html) + ("<p class=\"muted\">Evidence: " + " · ".join(
        f"{_badge(k)} {escape(v)}" for k, v in EVIDENCE_TEXT.items() if k) + "</p>")


def _metrics_html(report: ReportModel, table_id: str = "metrics") -> str:
    word = report.interval_word
    rows = [_metric_row(m) for m in report.metrics]
    return (f"<p class=\"muted\">Value = median over {word}s; 95% CI = bootstrap "
            f"interval of the median; spread = interquartile range; n = {word}s measured; frames = first–last "
            "frame used. Hover a row for its definition.</p>"
            + _table(["metric", "value", "95% CI", "spread", "left", "right", f"n {word}s", "view", "frames",
                      "evidence"], rows, table_id))


def _routine_section(report: ReportModel) -> str:
    """The routine first: one row per exercise, then the breaks between sets."""
    routine = report.routine
    rows = [f"<tr><td>{k}</td><td><a href=\"#card-{k}\">{escape(r.title)}</a></td><td class=\"num\">{r.sets}</td>"
            f"<td class=\"num\">{r.reps}</td><td>{escape(r.per_side)}</td><td class=\"num\">{r.work_s:.0f} s</td>"
            f"<td>{escape(r.main_fault)}</td><td class=\"num\">{r.start_s:.1f}–{r.end_s:.1f} s</td>"
            f"<td>{escape(r.view.replace('_', ' '))}</td></tr>" for k, r in enumerate(routine.rows, 1)]
    breaks = ", ".join(f"{escape(t.lower())} {a:.1f}–{b:.1f} s" for t, a, b in routine.breaks)
    return ("<section id=\"routine\"><h2>The routine</h2>"
            f"<p class=\"decision\">{escape(routine.summary)}</p>"
            + _table(["#", "exercise", "sets", "reps", "per side", "under work", "main fault", "time", "view"],
                     rows, "routine-table", stack=True)
            + (f"<p class=\"muted\">Between the sets: {breaks}.</p>" if breaks else "")
            + "<p class=\"muted\">Each exercise has its card below: its own view, start pose, reps and checks.</p>"
            + "</section>")


def _card_section(card: ReportModel, k: int, row=None) -> str:
    """One exercise of a routine: its sets, decisions, cues, metrics and what it could not check."""
    nm = [f"<tr><td>{escape(label)}</td><td>{escape(why)}</td></tr>" for label, why in card.not_measurable]
    dec_rows = [f"<tr><td>{escape(w)}</td><td>{escape(v)}</td><td class=\"num\">{c:.2f}</td>"
                f"<td class=\"muted\">{escape(r)}</td></tr>" for w, v, c, r in card.decisions]
    sets = "".join(f"<li>{escape(t)}</li>" for t in (row.sets_text if row is not None else ()))
    return (f"<section id=\"card-{k}\" class=\"card\"><h2>{k}. {escape(card.title)}</h2>"
            + (f"<ul class=\"sets\">{sets}</ul>" if sets else "")
            + _table(["decision", "value", "confidence", "why"], dec_rows, stack=True)
            + "<h3>Cues</h3>" + _cue_html(card) + "<h3>Metrics</h3>" + _metrics_html(card, f"metrics-{k}")
            + ("<h3>Not checkable here</h3>" + _table(["check", "why / what to film instead"], nm, stack=True)
               if nm else "")
            + "</section>")


def report_html(report: ReportModel, key_images: Sequence[tuple[KeyFrame, bytes]] = (),
                plots: Sequence = (), files: Sequence[str] = ()) -> str:
    """The whole page. key_images: (key frame, JPEG bytes); plots: `plots.Plot`s; files: names
    of the other outputs written beside it (listed at the end)."""
    word = report.interval_word
    s = []
    s.append(f"<header><h1>{escape(report.title)}</h1><p class=\"muted\">FormCheck {escape(__version__)} · "
             f"pose model <code>{escape(report.model_id)}</code> · overall confidence "
             f"<b>{report.confidence:.2f}</b> (0–1: the lower of the {_CONFIDENCE_OF.get(report.mode, 'view and context')} "
             "confidences)</p></header>")

    if report.routine is not None:
        s.append(_routine_section(report))
    if report.activity is not None:
        s.append(_activity_section(report.activity, report))
    if report.routine is not None:
        s += [_card_section(card, k, row) for k, (card, row) in
              enumerate(zip(report.routine.cards, report.routine.rows), 1)]

    cap_rows = [f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in report.capture.items()]
    cap_rows.append(f"<tr><th>Pose model</th><td><code>{escape(report.model_id)}</code></td></tr>")
    dec_rows = [f"<tr><td>{escape(w)}</td><td>{escape(v)}</td><td class=\"num\">{c:.2f}</td>"
                f"<td class=\"muted\">{escape(r)}</td></tr>" for w, v, c, r in report.decisions]
    s.append("<section id=\"capture\"><h2>Capture</h2><div class=\"tablewrap\"><table>"
             + "".join(cap_rows) + "</table></div>"
             + ("<h3>What FormCheck decided, and how sure it is</h3>"
                + _table(["decision", "value", "confidence", "why"], dec_rows, stack=True) if dec_rows else "")
             + "</section>")

    if report.routine is None:
        s.append("<section id=\"cues\"><h2>Cues</h2>" + _cue_html(report) + "</section>")
        s.append(f"<section><h2>Metrics</h2>{_metrics_html(report)}</section>")

    if key_images:
        figs = [f'<figure><img alt="{escape(kf.title)}" src="{image_data_uri(data)}">'
                f"<figcaption><b>{escape(kf.title)}</b><br>{escape(kf.why)} · frame {kf.frame}</figcaption></figure>"
                for kf, data in key_images]
        width, height = report.track.frame_size
        grid = "grid wide" if width > height else "grid"  # landscape stills get wider cells
        s.append(f"<section id=\"keyframes\"><h2>Key frames</h2><div class=\"{grid}\">" + "".join(figs)
                 + "</div></section>")

    if plots:
        wide = [p.svg for p in plots if p.kind == "time"]
        small = [p.svg for p in plots if p.kind != "time"]
        s.append("<section class=\"plots\" id=\"plots\"><h2>Plots</h2>" + "".join(wide)
                 + (f"<h3>Per {word}, left against right</h3><p class=\"muted\">Dashed lines: each side's median; "
                    f"ringed in red: {word}s a cue points to.</p><div class=\"plotgrid\">" + "".join(small) + "</div>"
                    if small else "") + "</section>")

    nm = [f"<tr><td>{escape(label)}</td><td>{escape(why)}</td></tr>" for label, why in report.not_measurable]
    if nm:
        s.append("<section id=\"not-measurable\"><h2>What could not be measured or judged, and why</h2>"
                 + _table(["metric", "why / what to film instead"], nm, stack=True) + "</section>")
    if report.notes:
        s.append("<section id=\"limits\"><h2>What these numbers do not say</h2><ul>"
                 + "".join(f"<li>{escape(n)}</li>" for n in report.notes) + "</ul></section>")
    if files:
        s.append("<section><h2>Files</h2><p class=\"muted\">Beside this report: "
                 + ", ".join(f"<code>{escape(f)}</code>" for f in files) + "</p></section>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body><main>"
            + "".join(s) + "</main></body></html>")
