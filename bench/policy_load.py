"""How much located errors and cross-checks cost when loading a policy.

Baseline: ``yaml.safe_load`` + ``Policy.model_validate`` (no line numbers, no duplicate-key
detection, no cross-reference checks). mamori: ``parse_policy`` (all of those). Both run
on the META ALL-STARS example and on a large generated policy, in the same process.

    python bench/policy_load.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from mamori.policy.loader import parse_policy
from mamori.policy.model import Policy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "meta-all-stars" / "policy.yaml"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def baseline(text: str) -> Policy:
    return Policy.model_validate(yaml.load(text, Loader=_Loader))


def mamori(text: str) -> Policy:
    return parse_policy(text).policy


def large_policy(items: int, purposes: int) -> str:
    """The example with many more items and purposes, to see how both scale."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for i in range(items):
        data["items"][f"extra_{i}"] = {"label": {"ja": f"項目{i}", "en": f"Item {i}"}}
    names = list(data["items"])
    for p in range(purposes):
        data["purposes"][f"purpose_{p}"] = {
            "label": {"ja": f"会員向け機能{p}の提供のため", "en": f"To provide feature {p}"},
            "items": names[p % len(names) :: 7][:20] or names[:1],
        }
    data["roles"]["officer"]["items"] = names
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def timed(fn: Callable[[str], Policy], text: str, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(text)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    cases = {
        "example (7 items, 8 purposes)": EXAMPLE.read_text(encoding="utf-8"),
        "large (507 items, 508 purposes)": large_policy(500, 500),
    }
    print(f"{'case':34} {'baseline ms':>12} {'mamori ms':>10} {'ratio':>6}")
    for name, text in cases.items():
        assert baseline(text) == mamori(text)  # same result, or the comparison means nothing
        base = statistics.median(timed(baseline, text, args.rounds)) * 1000
        ours = statistics.median(timed(mamori, text, args.rounds)) * 1000
        print(f"{name:34} {base:12.2f} {ours:10.2f} {ours / base:6.2f}x")


if __name__ == "__main__":
    main()
