"""Answer latency: retrieval and full extractive answers over an ingested index.

Usage: .venv/bin/python bench/answer_bench.py [--data data] [--repeat 3]
Prints p50/p95 of retrieval, of the work after retrieval (abstention, sentence choice, citations) and
of the whole answer for a fixed set of short staff questions, and the first answer after a catalog change
(the vocabulary and the abbreviations the documents declare are read anew then).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bot.assistant import Assistant
from core.settings import load_settings
from eval.metrics import percentile

QUESTIONS = [
    "Hundesteuer", "Was kostet ein Personalausweis?", "Wohngeld Unterlagen", "Sperrmüll anmelden",
    "Wie lange dauert ein Bauantrag?", "Bürgerbüro Öffnungszeiten", "Urlaub übertragen", "Passwort vergessen",
    "Frist Ummeldung", "Was wurde zu DS 2025/0412 beschlossen?",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    assistant = Assistant.from_settings(load_settings(data_dir=args.data))
    started = time.perf_counter()
    assistant.ask(QUESTIONS[0])  # loads the model and reads the vocabulary, as after every catalog change
    print(f"first answer    {(time.perf_counter() - started) * 1000:.0f} ms "
          f"({assistant.index.catalog.chunk_count()} chunks)")
    retrieval, after, answer = [], [], []
    for _ in range(args.repeat):
        for question in QUESTIONS:
            started = time.perf_counter()
            result = assistant.ask(question)
            answer.append((time.perf_counter() - started) * 1000)
            retrieval.append(result.timings_ms["retrieval"])
            after.append(result.timings_ms["answer"] - result.timings_ms["retrieval"])
    for name, values in (("retrieval", retrieval), ("after retrieval", after), ("answer", answer)):
        print(f"{name:15s} n={len(values)} p50={percentile(values, 50):.0f} ms p95={percentile(values, 95):.0f} ms")
    assistant.close()


if __name__ == "__main__":
    main()
