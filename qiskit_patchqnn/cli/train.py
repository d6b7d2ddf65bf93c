# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn train``: one run, trained through the sweep runner into a run directory.

The flags make a one-run configuration of the sweep schema (one patch count, one depth, one
seed; no Hessian or landscape), so the defaults, the model, the data and the files are those of
a sweep's run. Training writes a checkpoint after every epoch; ``--resume`` continues an
interrupted run to bitwise the same result, and nothing finished is replaced without
``--overwrite`` (see :mod:`qiskit_patchqnn.experiments.rundir`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from .common import (
    BACKEND_FLAGS,
    Flag,
    absolute_dataset,
    add_backend_arguments,
    changes_from,
    confirm_hook,
    default,
    run_guarded,
)

__all__ = ["add_parser", "one_run_config", "run"]

FLAGS = [
    Flag("--dataset", "dataset.name"),
    Flag("--pool", "dataset.pool"),
    Flag("--num-train", "dataset.num_train"),
    Flag("--num-test", "dataset.num_test"),
    Flag("--patches", "layout.num_patches"),
    Flag("--patch-size", "layout.patch_shape"),
    Flag("--depth", "model.depths"),
    Flag("--qubits", "model.num_qubits"),
    Flag("--aggregation", "model.aggregation"),
    Flag("--scale", "model.scale"),
    Flag("--input-bias", "model.input_bias"),
    Flag("--epochs", "training.epochs"),
    Flag("--batch-size", "training.batch_size"),
    Flag("--lr", "training.learning_rate"),
    Flag("--weight-decay", "training.weight_decay"),
    Flag("--schedule", "training.schedule"),
    Flag("--t-max", "training.t_max"),
    Flag("--seed", "sweep.seeds"),
    *BACKEND_FLAGS,
]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn train``.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> p = add_parser(parser.add_subparsers())
        >>> args = parser.parse_args(["train", "--out", "runs/x", "--lr", "0.03"])
        >>> args.lr, args.epochs, args.resume
        (0.03, None, False)
    """
    t = subparsers.add_parser(
        "train",
        help="train a PatchQNN and write a run directory",
        description="Train one PatchQNN and write the run directory --out (a one-run sweep "
        "configuration; unset flags take the sweep schema's defaults). A killed or "
        "interrupted run is continued by the same command with --resume.",
    )
    t.add_argument(
        "--dataset",
        default=None,
        help="digits (default), mnist or fashion-mnist (fetched once), or mnist:<path> "
        "(stored absolute)",
    )
    t.add_argument("--pool", action="store_true", default=None, help="2x2 average pooling")
    t.add_argument("--patches", type=int, default=4, help="number of patches (a square; 4)")
    t.add_argument(
        "--patch-size", type=int, default=None, help="patch side (default: 5 for 8x8, else 8)"
    )
    t.add_argument("--depth", type=int, default=1, help="layers per trainable block (1)")
    t.add_argument("--qubits", type=int, default=None, help="qubits per patch circuit")
    t.add_argument("--aggregation", choices=("mean", "sum"), default=None)
    t.add_argument(
        "--scale", type=float, default=None, help=f"logit scale c ({default('model.scale')})"
    )
    t.add_argument(
        "--input-bias", action="store_true", default=None, help="learnable positional bias"
    )
    for flag, key, kind, text in (
        ("--epochs", "training.epochs", int, "epochs"),
        ("--batch-size", "training.batch_size", int, "samples per step"),
        ("--lr", "training.learning_rate", float, "initial learning rate"),
        ("--weight-decay", "training.weight_decay", float, "Adam's L2 weight decay"),
        ("--t-max", "training.t_max", int, "T_max of the cosine schedule, period 2*T_max"),
    ):
        t.add_argument(flag, type=kind, default=None, help=f"{text} ({default(key)})")
    t.add_argument("--schedule", choices=("cosine", "constant"), default=None)
    t.add_argument("--seed", type=int, default=0, help="initial weights, batches, subset (0)")
    t.add_argument("--num-train", type=int, default=None, help="stratified training subset")
    t.add_argument("--num-test", type=int, default=None, help="stratified test subset")
    t.add_argument("--out", type=Path, required=True, help="run directory to write")
    again = t.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue an interrupted run")
    again.add_argument(
        "--overwrite",
        action="store_true",
        help="replace what --out holds, once the new run is complete",
    )
    add_backend_arguments(t)
    t.set_defaults(handler=run)
    return t


def one_run_config(args: argparse.Namespace) -> Any:
    """The one-run sweep configuration that ``patchqnn train``'s flags describe.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> cfg = one_run_config(parser.parse_args(["train", "--out", "x", "--epochs", "3"]))
        >>> cfg.runs()[0].name, cfg.training.epochs, cfg.training.learning_rate
        ('p4-d1-s0', 3, 0.01)
    """
    from ..experiments import DatasetSpec, parse_config

    changes, names = changes_from(args, FLAGS)
    names["layout.image_shape"] = "--dataset"
    dataset = changes.setdefault("dataset", {})
    if "name" in dataset:
        dataset["name"] = absolute_dataset(dataset["name"])
    dataset["subset_seed"] = args.seed
    side = args.patch_size
    if side is None:
        image = DatasetSpec(name=dataset.get("name", "digits"), pool=bool(args.pool))
        side = {8: 5, 4: 3}.get(image.image_shape()[0], 8)
    changes["layout"] = {"num_patches": [args.patches], "patch_shape": [side, side]}
    changes.setdefault("model", {})["depths"] = [args.depth]
    changes["sweep"] = {"name": "train", "description": "patchqnn train", "seeds": [args.seed]}
    changes["hessian"] = {"enabled": False}
    changes["landscape"] = {"enabled": False}
    return parse_config(changes, source="", names=names)


def run(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn train``; returns the exit code.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> run(parser.parse_args(["train", "--out", "x", "--patches", "5"]))  # stderr: one line
        1
    """
    out = Path(args.out)
    return run_guarded(
        "train",
        lambda: _train(args),
        interrupted=f"the last finished epoch is kept in {out}; run the same command with "
        "--resume to continue",
    )


def _train(args: argparse.Namespace) -> int:
    from ..experiments import build_model, load_sweep_data
    from ..experiments.rundir import finish_training, prepare_training, training_progress
    from ..experiments.runner import run_one
    from ..training import CHECKPOINT

    config = one_run_config(args)
    (spec,) = config.runs()
    data = load_sweep_data(config.dataset)  # bad data and models fail before any file is made
    qnn = build_model(
        config, spec, data.num_classes, confirm=confirm_hook(config.backend.spec, args.yes)
    )
    out = Path(args.out)
    work = prepare_training(out, config, spec, resume=args.resume, overwrite=args.overwrite)
    done = training_progress(work) if args.resume else None
    where = f"; resuming with {done[0]} of {done[1]} epochs done" if done else ""
    print(
        f"training {qnn.num_patches} patches x {qnn.weights_per_patch} weights "
        f"({qnn.num_weights} in all) on {data.num_train} {data.name} images{where}"
    )
    start = time.perf_counter()
    output = run_one(
        config,
        spec,
        progress=not args.no_progress,
        checkpoint=work / CHECKPOINT,
        resume=args.resume,
        info={"command": "patchqnn " + " ".join(sys.argv[1:])},
        data=data,
        qnn=qnn,
    )
    finish_training(work, out, output.files, run=spec.name, seconds=output.seconds)
    m = output.metrics or {}
    print(
        f"done in {time.perf_counter() - start:.1f} s: last epoch test accuracy "
        f"{m['final_test_accuracy']:.4f}, best epoch {m['best_epoch']} (train loss "
        f"{m['train_loss']:.4f}, test accuracy {m['test_accuracy']:.4f}) -> {out}"
    )
    return 0
