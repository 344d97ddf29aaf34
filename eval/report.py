"""Writing the results: metrics.json, per_question.jsonl, report.md, report.html and the plots."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.scoring import TARGET_DECLINED, THRESHOLDS, abstention_curve, best_answered

HEADLINE = ("hit@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "abstain_unanswerable", "answered_answerable",
            "citation_precision", "evidence_in_citation", "answer_f1", "key_facts", "clarified",
            "latency_retrieval_p50_ms", "latency_answer_p95_ms")
SHORT = {"abstain_unanswerable": "abstain", "answered_answerable": "answered", "citation_precision": "cit.prec",
         "evidence_in_citation": "evidence", "clarified": "asked back", "latency_retrieval_p50_ms": "retr p50 ms",
         "latency_answer_p95_ms": "answer p95 ms"}


def fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "–"
    if key.startswith("latency_"):
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def table(rows: Sequence[tuple[str, dict[str, Any]]], keys: Sequence[str] = HEADLINE,
          label: str = "System") -> list[list[str]]:
    header = [label, *[SHORT.get(k, k) for k in keys]]
    return [header, *[[name, *[fmt(block.get(k), k) for k in keys]] for name, block in rows]]


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def plots(results: dict[str, Any], verdicts: dict[str, list[dict[str, Any]]], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    files = []
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for name, block in results["systems"].items():
        curve = block["overall"]["recall_curve"]
        ks = [int(k) for k, v in curve.items() if v is not None]
        ax.plot(ks, [curve[str(k)] for k in ks], marker="o", label=name)
    ax.set(xlabel="k", ylabel="Recall@k", title="Recall@k je System", ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    files.append(_save(fig, out / "recall_at_k.png"))

    fig, ax = plt.subplots(figsize=(6.4, 4))
    for name, items in verdicts.items():
        answers = any(v["latency_answer_ms"] is not None for v in items)
        key = "latency_answer_ms" if answers else "latency_retrieval_ms"  # what the user waits for
        values = [v[key] for v in items if v[key] is not None]
        if values:
            ax.hist(values, bins=30, alpha=0.55, label=f"{name} ({'Antwort' if answers else 'Suche'})")
    ax.set(xlabel="Millisekunden", ylabel="Fragen", title="Latenz je Frage")
    files.append(_save(fig, out / "latency.png"))

    curves = {name: block for name, block in results["systems"].items() if block["overall"].get("abstention_curve")}
    if curves:
        fig, ax = plt.subplots(figsize=(6.4, 4))
        for name, block in curves.items():
            curve = block["overall"]["abstention_curve"]
            line, = ax.plot([p["answered"] for p in curve], [p["declined"] for p in curve], marker=".", label=name)
            if (point := operating_row(verdicts[name], block.get("operating_point"))) is not None:
                ax.plot([point["answered"]], [point["declined"]], marker="o", markersize=9, color=line.get_color(),
                        markerfacecolor="none")
        ax.set(xlabel="beantwortbare beantwortet", ylabel="nicht beantwortbare abgelehnt",
               title="Ablehnung: jeder Schwellwert (Kreis: eingestellt)", xlim=(0, 1.02), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        files.append(_save(fig, out / "abstention.png"))
    return files


def _save(fig: Any, path: Path) -> Path:
    """Legend, layout, PNG, and the figure closed (matplotlib keeps every open figure)."""
    import matplotlib.pyplot as plt

    fig.axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def operating_row(verdicts: list[dict[str, Any]], threshold: float | None) -> dict[str, float] | None:
    """Declined and answered at the configured threshold (which need not lie on the grid)."""
    if threshold is None:
        return None
    curve = abstention_curve(verdicts, (round(threshold, 4),))
    return curve[0] if curve else None


def abstention_rows(verdicts: list[dict[str, Any]], threshold: float | None) -> list[list[str]] | None:
    """The trade-off table: each threshold with what it declines and answers, the configured one marked."""
    grid = sorted({*THRESHOLDS, *([round(threshold, 4)] if threshold is not None else [])})
    curve = abstention_curve(verdicts, tuple(grid))
    if not curve:
        return None
    rows = [["Schwellwert", "abgelehnt (nicht beantwortbar)", "beantwortet (beantwortbar)", ""]]
    for p in curve:
        mark = "eingestellt" if threshold is not None and p["threshold"] == round(threshold, 4) else ""
        rows.append([f"{p['threshold']:.3f}", f"{p['declined']:.3f}", f"{p['answered']:.3f}", mark])
    return rows


def abstention_summary(verdicts: list[dict[str, Any]], threshold: float | None) -> str | None:
    """One sentence: what the configured point does, and what declining TARGET_DECLINED would cost."""
    curve = abstention_curve(verdicts)
    if not curve:
        return None
    here = operating_row(verdicts, threshold)
    now = (f"Eingestellt ({threshold:.3f}): abgelehnt {here['declined']:.3f}, beantwortet {here['answered']:.3f}. "
           if here else "")
    target = best_answered(curve, TARGET_DECLINED)
    then = (f"Um mindestens {TARGET_DECLINED:.0%} abzulehnen (Schwellwert {target['threshold']:.2f}), würden "
            f"{target['answered']:.3f} der beantwortbaren Fragen beantwortet."
            if target else f"Kein Schwellwert des Rasters lehnt {TARGET_DECLINED:.0%} ab.")
    return now + then


def worst(verdicts: list[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """Answerable questions missed worst (no relevant chunk, then late), and unanswerable ones answered."""
    def badness(v: dict[str, Any]) -> tuple[float, float]:
        if v["type"] == "unanswerable":
            return (1.0 if v.get("abstain_unanswerable") == 0.0 else -1.0, 0.0)
        rank = v["first_relevant_rank"]
        return (1.0 if rank is None else 0.5 if rank > 5 else 0.0, -(v.get("answer_f1") or 0.0))
    return sorted(verdicts, key=badness, reverse=True)[:n]


def index_line(facts: dict[str, Any] | None) -> str:
    """One line on what was measured: '450 Abschnitte aus 37 Dateien, keine fehlgeschlagen (SQLite …)'."""
    if not facts:
        return "Index: keine Angaben"
    failed = facts["failed_files"]
    failures = (f"{len(failed)} fehlgeschlagen: " + "; ".join(f"{f['source']} ({f['error']})" for f in failed[:5])
                if failed else "keine fehlgeschlagen")
    return (f"Index: {facts['chunks']} Abschnitte aus {facts['documents']} Dateien, {failures} "
            f"(SQLite {facts['sqlite']}, Chroma {facts['chromadb']}, Python {facts['python']}, {facts['machine']}"
            + (f"; Vektoren {facts['vectors']}, Modell {facts['model']}" if facts.get("vectors") else "") + ")")


def write_reports(results: dict[str, Any], verdicts: dict[str, list[dict[str, Any]]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    with (out / "per_question.jsonl").open("w", encoding="utf-8") as handle:
        for system, items in verdicts.items():
            for verdict in items:
                handle.write(json.dumps({"system": system, **verdict}, ensure_ascii=False) + "\n")
    images = plots(results, verdicts, out)

    overall = table([(name, block["overall"]) for name, block in results["systems"].items()])
    per_set = {s: table([(name, block["by_set"][s]) for name, block in results["systems"].items()
                         if s in block["by_set"]]) for s in results["question_sets"]}
    primary = results["primary"]
    per_type = table(list(results["systems"][primary]["by_type"].items()), label="Fragetyp")
    bad = worst(verdicts[primary])
    point = results["systems"][primary].get("operating_point")
    trade = abstention_rows(verdicts[primary], point)
    trade_line = abstention_summary(verdicts[primary], point)

    md = [f"# Auskunft-Benchmark {results['started']}", "",
          f"Fragen: {', '.join(results['question_sets'])}; Korpus: {results['corpus'] or 'konfigurierter Index'}", "",
          index_line(results.get("index")), "",
          "## Gesamt", "", markdown_table(overall), ""]
    for name, rows in per_set.items():
        md += [f"## Fragenset {name}", "", markdown_table(rows), ""]
    md += [f"## {primary} nach Fragetyp", "", markdown_table(per_type), ""]
    if trade:
        md += [f"## Ablehnung: Arbeitspunkte ({primary})", "", trade_line or "", "",
               "Ohne das Urteil eines Sprachmodells; Rückfragen zählen nicht mit.", "", markdown_table(trade), ""]
    md += ["![Recall@k](recall_at_k.png)", "", "![Latenz](latency.png)", ""]
    if any(p.name == "abstention.png" for p in images):
        md += ["![Ablehnung](abstention.png)", ""]
    md += [f"## Die 10 schwächsten Fragen ({primary})", ""]
    for v in bad:
        md.append(f"- **{v['id']}** ({v['type']}) {v['question']} — erste relevante Stelle: "
                  f"{v['first_relevant_rank'] or 'keine'}; gefunden: "
                  + "; ".join(f"{r['source']} {r['section'] or ''}{' S. ' + str(r['page']) if r['page'] else ''}"
                              for r in v["retrieved"][:3]))
        if v.get("answer"):
            md.append(f"  - Antwort: {v['answer'][:300]}")
    (out / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")

    def embedded(path: Path) -> str:
        data = base64.b64encode(path.read_bytes()).decode()
        return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'

    sections = "".join(f"<h2>Fragenset {html.escape(n)}</h2>{html_table(r)}" for n, r in per_set.items())
    worst_rows = "".join(
        f"<tr><td>{html.escape(v['id'])}</td><td>{html.escape(v['type'])}</td><td>{html.escape(v['question'])}</td>"
        f"<td>{v['first_relevant_rank'] or 'keine'}</td><td>"
        + html.escape("; ".join(f"{r['source']} {r['section'] or ''}" for r in v["retrieved"][:3]))
        + f"</td><td>{html.escape((v.get('answer') or '')[:300])}</td></tr>" for v in bad)
    corpus = results["corpus"] or "konfigurierter Index"
    trade_html = (f"<h2>Ablehnung: Arbeitspunkte ({html.escape(primary)})</h2><p>{html.escape(trade_line or '')}</p>"
                  f"<p>Ohne das Urteil eines Sprachmodells; Rückfragen zählen nicht mit.</p>{html_table(trade)}"
                  if trade else "")
    page = f"""<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Auskunft-Benchmark</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a}}table{{border-collapse:collapse;margin:1rem 0}}
td,th{{border:1px solid #c8ccd4;padding:.3rem .5rem;text-align:right}}td:first-child,th:first-child{{text-align:left}}
img{{max-width:48%;margin-right:1%}}</style></head><body>
<h1>Auskunft-Benchmark {html.escape(results['started'])}</h1>
<p>Fragen: {html.escape(', '.join(results['question_sets']))}; Korpus: {html.escape(corpus)}</p>
<p>{html.escape(index_line(results.get("index")))}</p>
<h2>Gesamt</h2>{html_table(overall)}{sections}
<h2>{html.escape(primary)} nach Fragetyp</h2>{html_table(per_type)}
{trade_html}
<div>{''.join(embedded(p) for p in images)}</div>
<h2>Die 10 schwächsten Fragen ({html.escape(primary)})</h2>
<table><thead><tr><th>ID</th><th>Typ</th><th>Frage</th><th>Rang</th><th>Gefunden</th><th>Antwort</th></tr></thead>
<tbody>{worst_rows}</tbody></table></body></html>"""
    (out / "report.html").write_text(page, encoding="utf-8")
