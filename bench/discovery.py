"""Discovery: precision, recall and F1 per entity, and throughput on one core, for mamori and,
in the same run, for Presidio configured for Japanese two ways.

- corpus: ``bench/discovery_data/generate.py`` (fixed seed; ``--records``, default 3,600
  labelled Japanese sentences and records: every entity, values glued to Japanese text,
  full-width forms, dash variants, era dates, and hard negatives);
- matching: a found span counts when it has the gold span's entity and overlaps it with
  intersection-over-union >= 0.5 (each gold span matched once). The same rule for every
  system;
- throughput: KB (UTF-8) of text scanned per second on one core (the process is pinned to
  one CPU where the OS allows), over the corpus records (PII-dense) and over plain Japanese
  prose (Faker ``ja_JP`` paragraphs, PII-sparse) joined into one text;
- Presidio (``presidio-analyzer``), the best Japanese setup its public API allows: its
  pattern recognizers for the entities it has (email, credit card, IP, phone with region
  JP, date) with ``supported_language="ja"``, plus its spaCy recognizer for person names and
  locations, with (a) the ``ja_ginza`` model (NER labels Person → PERSON, Province/City/... →
  LOCATION, Date → DATE_TIME ...) and (b) a blank spaCy ``ja`` pipeline (SudachiPy tokenizer,
  no NER). Entity names are mapped (PERSON → person_name, LOCATION → jp_address,
  DATE_TIME → date_of_birth, PHONE_NUMBER → jp_phone, ...); entities it has no recognizer
  for count as missed. GiNZA runs at a few KB/s, so Presidio is evaluated on a sample
  (``--presidio-limit``, the first N records) and the output says so.

    python bench/discovery.py [--records N] [--seed S] [--limit N] [--presidio-limit N]
                              [--no-presidio]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mamori.discovery import ENTITIES, scan_text


def _load_generator() -> Callable[[int, int], list[dict[str, Any]]]:
    """The corpus generator, loaded by path (``bench/`` is not a package)."""
    path = Path(__file__).parent / "discovery_data" / "generate.py"
    spec = importlib.util.spec_from_file_location("discovery_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate  # type: ignore[no-any-return]


generate = _load_generator()  # (records, seed) -> labelled records

Span = tuple[int, int, str]
Record = dict[str, Any]

PRESIDIO_TO_MAMORI = {
    "PERSON": "person_name",
    "LOCATION": "jp_address",
    "EMAIL_ADDRESS": "email",
    "CREDIT_CARD": "credit_card",
    "IP_ADDRESS": "ip_address",
    "PHONE_NUMBER": "jp_phone",
    "DATE_TIME": "date_of_birth",
}
GINZA_LABELS = {
    "Person": "PERSON",
    "Province": "LOCATION",
    "City": "LOCATION",
    "County": "LOCATION",
    "GPE": "LOCATION",
    "GPE_Other": "LOCATION",
    "Location": "LOCATION",
    "Location_Other": "LOCATION",
    "Address_Other": "LOCATION",
    "Postal_Address": "LOCATION",
    "Date": "DATE_TIME",
    "Phone_Number": "PHONE_NUMBER",
    "Email": "EMAIL_ADDRESS",
}


def pin_one_core() -> str:
    try:
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity)"


def evaluate(
    records: Sequence[Record], find: Callable[[str], list[Span]]
) -> tuple[dict[str, Counter[str]], float, int]:
    """Per-entity tp/fp/fn counts and seconds spent in ``find``."""
    counts: dict[str, Counter[str]] = {}
    spent = 0.0
    size = 0
    for rec in records:
        text = rec["text"]
        gold = [(s, e, ent) for s, e, ent in rec["spans"]]
        t0 = time.perf_counter()
        found = find(text)
        spent += time.perf_counter() - t0
        size += len(text.encode("utf-8"))
        used: set[int] = set()
        for s, e, ent in found:
            c = counts.setdefault(ent, Counter())
            hit = None
            for k, (gs, ge, gent) in enumerate(gold):
                if k in used or gent != ent:
                    continue
                inter = min(e, ge) - max(s, gs)
                union = max(e, ge) - min(s, gs)
                if inter > 0 and inter / union >= 0.5:
                    hit = k
                    break
            if hit is None:
                c["fp"] += 1
            else:
                used.add(hit)
                c["tp"] += 1
        for k, (_, _, gent) in enumerate(gold):
            if k not in used:
                counts.setdefault(gent, Counter())["fn"] += 1
    return counts, spent, size


def prf(c: Counter[str]) -> tuple[float, float, float]:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    p = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def mamori_find(text: str) -> list[Span]:
    return [(f.start, f.end, f.entity) for f in scan_text(text)]


def presidio_finder(kind: str) -> Callable[[str], list[Span]]:
    """Presidio's analyzer for Japanese: ``kind`` is ``ginza`` or ``blank``."""
    warnings.filterwarnings("ignore")
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        DateRecognizer,
        EmailRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
    )

    model = "ja_ginza" if kind == "ginza" else "blank"
    ner = NerModelConfiguration(
        model_to_presidio_entity_mapping=GINZA_LABELS,
        labels_to_ignore=[],
        low_score_entity_names=[],
    )
    engine = SpacyNlpEngine(
        models=[{"lang_code": "ja", "model_name": model}], ner_model_configuration=ner
    )
    if kind == "ginza":
        engine.load()
    else:
        engine.nlp = {"ja": spacy.blank("ja")}
    registry = RecognizerRegistry(supported_languages=["ja"])
    for rec in (
        EmailRecognizer(supported_language="ja"),
        CreditCardRecognizer(supported_language="ja"),
        IpRecognizer(supported_language="ja"),
        PhoneRecognizer(supported_language="ja", supported_regions=("JP",)),
        DateRecognizer(supported_language="ja"),
        SpacyRecognizer(supported_language="ja", supported_entities=["PERSON", "LOCATION"]),
    ):
        registry.add_recognizer(rec)
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["ja"])

    def find(text: str) -> list[Span]:
        out = []
        for r in analyzer.analyze(text=text, language="ja"):
            ent = PRESIDIO_TO_MAMORI.get(r.entity_type)
            if ent is not None:
                out.append((r.start, r.end, ent))
        return out

    find("ウォームアップ 山田太郎 test@example.com")
    return find


def prose(n: int) -> list[str]:
    """``n`` paragraphs of Japanese prose (Faker ``ja_JP``, fixed seed)."""
    from faker import Faker

    fake = Faker("ja_JP")
    fake.seed_instance(7)
    return [fake.text(max_nb_chars=400) for _ in range(n)]


def throughput(find: Callable[[str], list[Span]], texts: Sequence[str], repeat: int = 3) -> float:
    """KB/s over ``texts`` (each scanned by one call), best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        for text in texts:
            find(text)
        best = min(best, time.perf_counter() - t0)
    return sum(len(t.encode("utf-8")) for t in texts) / 1024 / best


def table(name: str, counts: dict[str, Counter[str]], entities: Sequence[str]) -> None:
    print(f"\n{name}")
    print(f"  {'entity':<24}{'P':>7}{'R':>7}{'F1':>7}{'tp':>7}{'fp':>6}{'fn':>6}")
    total: Counter[str] = Counter()
    for ent in entities:
        c = counts.get(ent, Counter())
        total.update(c)
        p, r, f = prf(c)
        print(f"  {ent:<24}{p:7.3f}{r:7.3f}{f:7.3f}{c['tp']:7d}{c['fp']:6d}{c['fn']:6d}")
    p, r, f = prf(total)
    print(
        f"  {'(all, micro)':<24}{p:7.3f}{r:7.3f}{f:7.3f}"
        f"{total['tp']:7d}{total['fp']:6d}{total['fn']:6d}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--records", type=int, default=3600, help="records generated")
    ap.add_argument("--seed", type=int, default=20240401, help="corpus seed (another = held out)")
    ap.add_argument("--limit", type=int, default=0, help="evaluate mamori on the first N (0: all)")
    ap.add_argument("--presidio-limit", type=int, default=600, help="records for Presidio")
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--prose", type=int, default=2500, help="Faker paragraphs for throughput")
    args = ap.parse_args()

    print(pin_one_core())
    records = generate(args.records, args.seed)
    if args.limit:
        records = records[: args.limit]
    sample = records[: args.presidio_limit]
    text_all = "\n".join(r["text"] for r in records)
    plain = prose(args.prose)
    spans = sum(len(r["spans"]) for r in records)
    print(
        f"corpus: {len(records)} records, {spans} labelled values, "
        f"{len(text_all.encode()) / 1024:.0f} KB; prose {len(plain)} paragraphs, "
        f"{sum(len(p.encode()) for p in plain) / 1024:.0f} KB"
    )
    scan_text("ウォームアップ 山田太郎様")  # load the tokenizer before timing

    counts, spent, size = evaluate(records, mamori_find)
    table(f"mamori — {len(records)} records", counts, ENTITIES)
    print(f"  throughput per record: {size / 1024 / spent:,.0f} KB/s")
    print(f"  throughput, corpus as one text: {throughput(mamori_find, [text_all]):,.0f} KB/s")
    joined = "\n".join(plain)
    print(
        f"  throughput, Japanese prose as one text: {throughput(mamori_find, [joined]):,.0f} KB/s"
    )
    per_paragraph = throughput(mamori_find, plain)
    print(f"  throughput, Japanese prose per paragraph: {per_paragraph:,.0f} KB/s")
    sample_counts, _, _ = evaluate(sample, mamori_find)
    if args.no_presidio:
        return

    print(f"\nPresidio evaluated on a SAMPLE: the first {len(sample)} records (slow).")
    table(f"mamori on the same {len(sample)} records", sample_counts, ENTITIES)
    prose_sample = plain[:60]
    for kind, label in (
        ("blank", "spaCy blank 'ja' (SudachiPy tokenizer, no NER)"),
        ("ginza", "ja_ginza"),
    ):
        try:
            find = presidio_finder(kind)
        except Exception as exc:  # an optional dependency missing: say so, go on
            print(f"\nPresidio + {label}: not run ({exc.__class__.__name__}: {exc})")
            continue
        counts, spent, size = evaluate(sample, find)
        table(f"Presidio + {label} — {len(sample)} records", counts, ENTITIES)
        print(f"  throughput per record: {size / 1024 / spent:,.1f} KB/s")
        print(
            f"  throughput, Japanese prose per paragraph ({len(prose_sample)} paragraphs): "
            f"{throughput(find, prose_sample, 1):,.1f} KB/s"
        )


if __name__ == "__main__":
    main()
