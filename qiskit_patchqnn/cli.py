# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The ``patchqnn`` command: train, hessian, landscape, sweep, report, reproduce, demo."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    from .cli_common import add_backend_arguments
    from .experiments.cli import add_parsers as add_experiment_parsers
    from .hessian.cli import add_hessian_parser
    from .landscape.cli import add_landscape_parser

    parser = argparse.ArgumentParser(
        prog="patchqnn",
        description="Patch-distributed quantum neural networks: training, exact loss Hessians, "
        "loss landscapes and sweeps.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train a PatchQNN and write a run directory")
    t.add_argument("--dataset", default="digits", help="digits (default) or mnist:<path>")
    t.add_argument("--patches", type=int, default=4, help="number of patches (a square)")
    t.add_argument("--patch-size", type=int, default=None, help="patch side (digits: 5, MNIST: 8)")
    t.add_argument("--depth", type=int, default=1, help="layers per trainable block")
    t.add_argument("--qubits", type=int, default=None, help="qubits per patch circuit")
    t.add_argument("--aggregation", choices=("mean", "sum"), default="mean")
    t.add_argument("--scale", type=float, default=100.0, help="logit scale c")
    t.add_argument("--input-bias", action="store_true", help="learnable positional bias")
    t.add_argument("--epochs", type=int, default=10)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=0.03, help="initial learning rate")
    t.add_argument("--weight-decay", type=float, default=5e-5)
    t.add_argument("--schedule", choices=("cosine", "constant"), default="cosine")
    t.add_argument(
        "--t-max",
        type=int,
        default=None,
        help="T_max of the cosine schedule (default: --epochs, one decay to zero; paper: 5)",
    )
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--num-train", type=int, default=None, help="stratified training subset")
    t.add_argument("--num-test", type=int, default=None, help="stratified test subset")
    t.add_argument("--out", type=Path, required=True, help="run directory to write")
    add_backend_arguments(t)
    t.set_defaults(handler=_run_train)

    add_hessian_parser(sub)
    add_landscape_parser(sub)
    add_experiment_parsers(sub)

    d = sub.add_parser(
        "demo", help="one run end to end in about two minutes: train, Hessian, landscape"
    )
    d.add_argument("--out", type=Path, default=Path("runs/demo"))
    d.add_argument("--no-progress", action="store_true")
    d.set_defaults(handler=_run_demo)
    return parser


def _run_train(args: argparse.Namespace) -> int:
    from .cli_common import build_model
    from .datasets import load_dataset
    from .layout import PatchLayout
    from .qnn import PatchQNN
    from .training import TrainConfig, train

    data = load_dataset(args.dataset)
    subset = None
    if args.num_train is not None or args.num_test is not None:
        subset = {"num_train": args.num_train, "num_test": args.num_test, "seed": args.seed}
        data = data.subset(**subset)
    side = args.patch_size or (5 if data.image_shape == (8, 8) else 8)
    layout = PatchLayout.grid(data.image_shape, (side, side), args.patches)
    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        weight_decay=args.weight_decay,
        schedule=args.schedule,
        t_max=args.t_max or args.epochs,
        seed=args.seed,
    )
    model = PatchQNN(
        layout,
        args.depth,
        num_qubits=args.qubits,
        num_classes=data.num_classes,
        scale=args.scale,
        aggregation=args.aggregation,
        input_bias=args.input_bias,
    ).to_config()
    qnn = build_model(model, args)
    info = {
        "dataset": args.dataset,
        "subset": subset,
        "backend": args.backend,
        "shots": args.shots,
        "command": "patchqnn " + " ".join(sys.argv[1:]),
    }
    print(
        f"training {qnn.num_patches} patches x {qnn.weights_per_patch} weights "
        f"({qnn.num_weights} in all) on {data.num_train} {data.name} images"
    )
    start = time.perf_counter()
    result = train(
        qnn,
        data.x_train,
        data.y_train,
        data.x_test,
        data.y_test,
        config=config,
        out=args.out,
        progress=not args.no_progress,
        info=info,
    )
    last = result.history[-1]
    best = result.history[result.best_index]
    print(
        f"done in {time.perf_counter() - start:.1f} s: last epoch test accuracy "
        f"{last['test_accuracy']:.4f}, best epoch {result.best_epoch} (train loss "
        f"{best['train_loss']:.4f}, test accuracy {best['test_accuracy']:.4f}) -> {args.out}"
    )
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    ns = argparse.Namespace
    common = {"backend": "exact", "shots": None, "yes": False, "no_progress": args.no_progress}
    steps = [
        (
            _run_train,
            ns(
                dataset="digits",
                patches=4,
                patch_size=5,
                depth=1,
                qubits=None,
                aggregation="mean",
                scale=100.0,
                input_bias=False,
                epochs=10,
                batch_size=64,
                lr=0.03,
                weight_decay=5e-5,
                schedule="cosine",
                t_max=10,
                seed=0,
                num_train=None,
                num_test=None,
                out=args.out,
                **common,
            ),
        ),
    ]
    from .hessian.cli import run_hessian
    from .landscape.cli import run_landscape

    steps.append(
        (
            run_hessian,
            ns(
                run_dir=args.out,
                checkpoint="best",
                samples=32,
                top_k=10,
                seed=0,
                repetitions=1,
                **common,
            ),
        )
    )
    steps.append(
        (
            run_landscape,
            ns(
                run_dir=args.out,
                method="pca",
                resolution=15,
                samples=200,
                extent=None,
                hessian_samples=32,
                seed=0,
                **common,
            ),
        )
    )
    for func, step_args in steps:
        code = func(step_args)
        if code:
            return code
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``patchqnn`` command; returns the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("patchqnn: interrupted; finished results are kept", file=sys.stderr)
        return 130
    except (ValueError, TypeError, FileNotFoundError, OSError, RuntimeError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"patchqnn {args.command}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
