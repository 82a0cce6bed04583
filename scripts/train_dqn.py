"""Make the DQN lesson's shipped agent: core/dqn/weights/pretrained.json.

Run: .venv/bin/python -m scripts.train_dqn [--steps 30000] [--seeds 0 1 2 3 4] [--threads 1]
Trains the lesson's DQN (core.dqn.run_dqn, the page's default settings) on each seed in turn and
keeps the first whose greedy policy balances the pole for all PLAY_STEPS steps from each of ten
start states; the file says which seed, how long it trained, and those ten episodes' lengths.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from core.dqn import PLAY_STEPS, DQNConfig, Nets, play, play_start, run_dqn, unflat_weights
from core.dqn.shipped import WEIGHTS, agent_json

CHECK_STARTS = range(100, 110)  # the greedy policy is checked from these seeds' start states


def greedy_lengths(flat: tuple[float, ...], hidden: int) -> list[int]:
    nets = Nets.stack([unflat_weights(flat, hidden)] * len(CHECK_STARTS), torch.device("cpu"))
    starts = torch.stack([play_start(s) for s in CHECK_STARTS])
    return [p.length for p in play(nets, starts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=DQNConfig().steps)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(WEIGHTS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for seed in args.seeds:
        config = DQNConfig(agents=("dqn",), steps=args.steps, seed=seed)
        t0 = time.perf_counter()
        result = run_dqn(config)
        seconds = time.perf_counter() - t0
        flat = result.weights[0]
        lengths = greedy_lengths(tuple(float(f"{v:.6g}") for v in flat), config.hidden)
        print(f"seed {seed}: {seconds:.1f} s, greedy episodes {lengths}", flush=True)
        if min(lengths) >= PLAY_STEPS:
            meta = {"made_by": "scripts/train_dqn.py", "agent": "dqn", "seed": seed, "steps": args.steps,
                    "settings": "the lesson's (core.dqn.DQNConfig defaults)", "seconds": round(seconds, 1),
                    "torch": torch.__version__, "greedy_steps_from_10_starts": lengths, "of": PLAY_STEPS}
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(agent_json(unflat_weights(flat, config.hidden), meta))
            print(json.dumps(meta))
            return
    raise SystemExit("no seed gave an agent that balances from every start; nothing written")


if __name__ == "__main__":
    main()
