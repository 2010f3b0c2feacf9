"""How well the understanding reads residents' messages: accuracy per intent, and time.

    python bench/understanding.py [--folds 5] [--seed 20] [--no-cv] [--kinds]
    python bench/understanding.py --read "kk sy ktinggalan pak"   (one reading, to try a message)

1. Held out: the model is trained on the corpus without its held-out part (about 20 %, chosen
   by each message's text: `Example.held_out`), then reads the held-out messages exactly as the
   bot would (`Model.read`: phrase-table rules, classifier, numbers). Accuracy per intent and
   overall; how many readings are `sure` and how often those are right.
2. Cross-validation: stratified K folds over the whole corpus (fixed seed), each fold trained on
   the others; accuracy per intent (summed over folds) and overall (mean and spread of folds).
3. Time: training on the whole corpus, and reading one message at a time (median, 95th
   percentile) over the held-out messages.

End-to-end figures (through the conversation) come when the understanding is wired in.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence

from bot.domain.understanding import (
    ALTERNATIVES,
    SURE,
    Example,
    Model,
    Reading,
    load_data,
    understand,
)


def tally(
    examples: Sequence[Example], readings: Sequence[Reading]
) -> tuple[Counter[str], Counter[str]]:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for example, reading in zip(examples, readings, strict=True):
        total[example.intent] += 1
        right[example.intent] += reading.intent == example.intent
    return right, total


def per_intent_table(right: Counter[str], total: Counter[str], title: str) -> None:
    print(f"\n{title}")
    print(f"  {'intent':<22}{'right':>7}{'of':>5}{'acc':>8}")
    for intent in sorted(total, key=lambda i: (right[i] / total[i], i)):
        share = right[intent] / total[intent]
        print(f"  {intent:<22}{right[intent]:>7}{total[intent]:>5}{share:>8.1%}")


def held_out(show_kinds: bool) -> None:
    data = load_data()
    train, test = data.training, data.held_out
    started = time.perf_counter()
    model = Model(data, train)
    trained = time.perf_counter() - started
    readings = [model.read(ex.text) for ex in test]
    right, total = tally(test, readings)
    per_intent_table(right, total, f"HELD OUT: trained on {len(train)}, read {len(test)}")
    overall = sum(right.values()) / len(test)
    sure = [(ex, r) for ex, r in zip(test, readings, strict=True) if r.sure]
    sure_right = sum(r.intent == ex.intent for ex, r in sure)
    print(f"\n  overall accuracy (held out): {overall:.1%} ({sum(right.values())}/{len(test)})")
    print(
        f"  sure (confidence >= {SURE}): {len(sure) / len(test):.1%} of messages, "
        f"right {sure_right / max(1, len(sure)):.1%}; the others are asked 'Maksud Bapak/Ibu…?'"
    )
    pairs = list(zip(test, readings, strict=True))
    in_top3 = sum(ex.intent in {n for n, _ in r.alternatives} for ex, r in pairs)
    unsure = [(ex, r) for ex, r in pairs if not r.sure]
    offered = sum(ex.intent in {n for n, _ in r.alternatives} for ex, r in unsure)
    print(f"  right intent among the {ALTERNATIVES} likeliest: {in_top3 / len(test):.1%}")
    print(
        f"  of the messages asked 'Maksud…?', the right intent is offered for "
        f"{offered / max(1, len(unsure)):.1%}"
    )
    print(f"  training on {len(train)} messages: {trained:.2f} s")
    if show_kinds:
        kind_right: Counter[str] = Counter()
        kind_total: Counter[str] = Counter()
        for ex, r in zip(test, readings, strict=True):
            for kind in ex.kinds:
                kind_total[kind] += 1
                kind_right[kind] += r.intent == ex.intent
        per_intent_table(kind_right, kind_total, "HELD OUT BY KIND")
        print("\n  wrong readings:")
        for ex, r in zip(test, readings, strict=True):
            if r.intent != ex.intent:
                shown = f"{ex.intent:<20} read {r.intent!s:<20} {r.confidence:.2f}"
                print(f"    {shown}  {ex.text[:70]}")


def stratified_folds(labels: Sequence[str], folds: int, seed: int) -> list[list[int]]:
    """Each intent's examples shuffled (fixed seed) and dealt round the folds in turn."""
    by_label: defaultdict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    shuffler = random.Random(seed)
    dealt: list[list[int]] = [[] for _ in range(folds)]
    turn = 0
    for label in sorted(by_label):
        members = by_label[label]
        shuffler.shuffle(members)
        for i in members:
            dealt[turn % folds].append(i)
            turn += 1
    return dealt


def cross_validation(folds: int, seed: int) -> None:
    data = load_data()
    examples = list(data.examples)
    labels = [ex.intent for ex in examples]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    fold_accuracy: list[float] = []
    dealt = stratified_folds(labels, folds, seed)
    for fold in dealt:
        test_idx = sorted(fold)
        held = set(fold)
        train_idx = [i for i in range(len(examples)) if i not in held]
        model = Model(data, [examples[i] for i in train_idx])
        test = [examples[i] for i in test_idx]
        readings = model.read_many([ex.text for ex in test])
        r, t = tally(test, readings)
        right.update(r)
        total.update(t)
        fold_accuracy.append(sum(r.values()) / len(test))
    per_intent_table(right, total, f"CROSS-VALIDATION: {folds} stratified folds, seed {seed}")
    spread = statistics.pstdev(fold_accuracy)
    print(
        f"\n  overall accuracy (cross-validation): {statistics.mean(fold_accuracy):.1%} "
        f"± {spread:.1%} (folds: {', '.join(f'{a:.1%}' for a in fold_accuracy)})"
    )


def timing() -> None:
    data = load_data()
    started = time.perf_counter()
    model = Model(data)
    trained = time.perf_counter() - started
    texts = [ex.text for ex in data.held_out]
    times: list[float] = []
    for text in texts:
        started = time.perf_counter()
        model.read(text)
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[int(len(times) * 0.95)]
    long_text = " ".join(texts)[:5000]
    started = time.perf_counter()
    model.read(long_text)
    long_time = time.perf_counter() - started
    print("\nTIME")
    print(f"  training on the whole corpus ({len(data.examples)} messages): {trained:.2f} s")
    print(
        f"  one message: median {statistics.median(times) * 1000:.2f} ms, "
        f"95th percentile {p95 * 1000:.2f} ms (n={len(times)}); "
        f"a 5,000-character message {long_time * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    parser.add_argument("--kinds", action="store_true", help="also by kind, and the wrong ones")
    parser.add_argument("--read", metavar="TEXT", help="only show how TEXT is read")
    args = parser.parse_args()
    if args.read is not None:
        reading = understand(args.read)
        print(
            f"intent: {reading.intent} (confidence {reading.confidence:.2f}, sure: {reading.sure})"
        )
        print("alternatives: " + ", ".join(f"{n} {p:.2f}" for n, p in reading.alternatives))
        print(
            f"rule: {reading.by_rule}; numbers: {reading.nik_candidates}; long: {reading.is_long}"
        )
        if reading.info is not None:
            print(f"advice: {reading.info.advice}")
        return
    data = load_data()
    kinds: defaultdict[str, int] = defaultdict(int)
    for ex in data.examples:
        for kind in ex.kinds:
            kinds[kind] += 1
    print(
        f"corpus: {len(data.examples)} messages, {len(data.intents)} intents, "
        f"{len(data.held_out)} held out"
    )
    held_out(args.kinds)
    if not args.no_cv:
        cross_validation(args.folds, args.seed)
    timing()


if __name__ == "__main__":
    main()
