# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Backend specs, ISA transpilation with layouts, provenance and credential hygiene (offline)."""

from __future__ import annotations

import json
import logging
import traceback
import warnings

import numpy as np
import pytest
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_aer.primitives import EstimatorV2 as AerEstimator

from qiskit_patchqnn.execution import (
    LOCAL_LIMITS,
    backend_name,
    fake_backend,
    fake_backend_names,
    provenance,
    resolve,
    runtime_options,
    scrub,
    transpile_patch,
)
from qiskit_patchqnn.layout import PatchLayout
from qiskit_patchqnn.qnn import PatchQNN
from qiskit_patchqnn.simulator import BatchedEstimator

LAYOUT = PatchLayout.grid((4, 4), (3, 3), 4)
SENTINEL = "SENTINEL-tok3n-0123456789abcdef"


class CountingPassManager:
    """Wraps a pass manager and counts ``run`` calls."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = 0

    def run(self, circuit):
        self.calls += 1
        return self.inner.run(circuit)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    exact = PatchQNN(LAYOUT, depth=1, num_qubits=4, num_classes=4)
    return rng.uniform(size=(2, 16)), exact.initial_weights(seed=1), exact


@pytest.fixture(scope="module")
def routed():
    """A 4-qubit patch circuit (CZ ring) on a 5-qubit line: routing permutes the qubits."""
    backend = GenericBackendV2(
        5,
        coupling_map=[[0, 1], [1, 2], [2, 3], [3, 4]],
        basis_gates=["cx", "rz", "sx", "x"],
        seed=3,
    )
    pm = CountingPassManager(
        generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=0)
    )
    precision = 1e-3
    est = AerEstimator(
        options={"default_precision": precision, "run_options": {"seed_simulator": 11}}
    )
    qnn = PatchQNN(
        LAYOUT,
        depth=1,
        num_qubits=4,
        num_classes=4,
        estimator=est,
        pass_manager=pm,
        precision=precision,
    )
    return qnn, pm, precision


# ------------------------------------------------------------------------------ resolve
@pytest.mark.parametrize("name", ["fake_manila", "FakeManilaV2", "manila", "Manila", "fake-manila"])
def test_fake_device_names(name):
    assert fake_backend(name).name == "fake_manila"


def test_resolve_forms():
    est, pm = resolve()
    assert isinstance(est, BatchedEstimator) and pm is None
    est, pm = resolve("aer")
    assert isinstance(est, AerEstimator) and pm is None
    assert est.options.backend_options["runtime_parameter_bind_enable"] is True
    est, pm = resolve("aer:FakeManilaV2", precision=0.02, seed=1)
    assert isinstance(est, AerEstimator) and pm is not None
    assert est.options.default_precision == 0.02
    assert est._backend.options.method == "density_matrix"
    assert backend_name(est).endswith("fake_manila)")
    est, pm = resolve("fake:manila", shots=123)
    assert type(est).__module__.startswith("qiskit_ibm_runtime") and pm is not None
    assert est.options.default_shots == 123 and backend_name(est) == "fake_manila"
    est, _ = resolve("exact", shots=10_000)
    assert est.default_precision == pytest.approx(0.01)


def test_unknown_spec_and_device():
    with pytest.raises(ValueError, match=r"unknown backend spec 'qpu'.*valid forms: exact, aer"):
        resolve("qpu")
    with pytest.raises(ValueError, match="fake_"):
        resolve("ibm")
    with pytest.raises(ValueError, match=r"unknown fake device 'fake_nowhere'.*fake_almaden"):
        resolve("fake:fake_nowhere")
    with pytest.raises(ValueError, match="not both"):
        resolve("aer", shots=100, precision=0.1)
    with pytest.raises(ValueError, match="mode must be"):
        resolve("fake:manila", mode="stream")
    assert "fake_manila" in fake_backend_names()


# ------------------------------------------------------------------------------ ISA + layout
def test_routed_forward_and_gradient_match_exact(routed, data):
    qnn, _, precision = routed
    x, w, exact = data
    isa = qnn.executor.circuit
    perm = isa.layout.routing_permutation()
    assert perm != list(range(len(perm)))  # routing really moved the qubits
    assert isa.num_qubits == 5
    ref = exact.patch_outputs(x, w)
    out = qnn.patch_outputs(x, w)
    assert np.abs(out - ref).max() < 6 * precision
    _, g_ref = exact.backward(x, w)
    _, g = qnn.backward(x, w)
    # gradient entry: coef * (f+ - f-)/2 -> std coef * precision / sqrt(2)
    assert np.abs(g - g_ref).max() < 6 * exact.model.coefficient * precision / np.sqrt(2)
    assert np.abs(g_ref).max() > 1.0  # a gradient that is not trivially small


def test_observables_not_laid_out_are_wrong(routed, data):
    qnn, _, precision = routed
    x, w, exact = data
    ref = exact.patch_outputs(x, w)
    naive = [SparsePauliOp("I").tensor(o) for o in qnn.model.observables]  # trivial layout
    wrong = PatchQNN(
        LAYOUT, depth=1, num_qubits=4, num_classes=4, estimator=qnn.estimator, precision=precision
    )
    wrong.executor.circuit, wrong.executor.observables = qnn.executor.circuit, naive
    err = np.abs(wrong.patch_outputs(x, w) - ref)
    assert err.max() > 0.3  # an O(0.5) error, not shot noise
    assert np.abs(qnn.patch_outputs(x, w) - ref).max() < 0.01


def test_transpiled_once(routed, data):
    qnn, pm, _ = routed
    x, w, _ = data
    before = pm.calls
    qnn.forward(x, w)
    qnn.backward(x, w)
    model = qnn.model
    qnn.executor.run([model.plan.bind(model.local_values(x, v)) for v in (w, w + 0.3)])
    assert pm.calls == before == 1
    assert qnn.executor.log.bindings > 2 * 4 * 2 * qnn.weights_per_patch  # shifted points ran


def test_isa_keeps_parameter_order(routed):
    qnn, _, _ = routed
    logical = [p.name for p in qnn.model.plan.circuit.parameters]
    assert [p.name for p in qnn.executor.circuit.parameters] == logical


def test_too_wide_circuit():
    with pytest.raises(
        ValueError, match="patch circuit needs 6 qubits but device fake_manila has 5"
    ):
        PatchQNN(LAYOUT, depth=1, num_qubits=6, num_classes=4, estimator="fake:manila")
    backend = GenericBackendV2(3, coupling_map=[[0, 1], [1, 2]], seed=1)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    qnn = PatchQNN(LAYOUT, depth=1, num_qubits=2, num_classes=4)
    circuit = qnn.model.plan.circuit.copy()
    circuit.add_register(type(circuit.qregs[0])(2, "extra"))
    with pytest.raises(ValueError, match="patch circuit needs 4 qubits"):
        transpile_patch(circuit, list(qnn.model.observables), pm)


# ------------------------------------------------------------------------------ local mode
def test_fake_local_mode_end_to_end():
    """The default (client-side) Estimator on a routed 4-qubit patch circuit, as on hardware."""
    est, pm = resolve(
        "fake:manila",
        shots=2000,
        seed=7,
        options={
            "resilience_level": 1,
            "twirling": {"enable_gates": True, "num_randomizations": 2},
        },
    )
    qnn = PatchQNN(LAYOUT, depth=1, num_classes=4, estimator=est, pass_manager=pm)
    exact = PatchQNN(LAYOUT, depth=1, num_classes=4)
    x = np.random.default_rng(0).uniform(size=(1, 16))
    w = exact.initial_weights(seed=1)
    with warnings.catch_warnings():
        # options take effect in local mode: no "has no effect in local testing mode" warning
        warnings.filterwarnings("error", message=".*local testing mode.*")
        ev = qnn.executor.run([qnn.model.plan.bind(qnn.model.local_values(x, w))])
    out, std = ev.values[0], ev.stds[0]
    ref = exact.patch_outputs(x, w)
    assert np.all(std > 0) and np.all(std < 0.05)  # shot-based: standard errors reported
    assert np.abs(out - ref).max() < 0.25  # noisy device, 2000 shots
    _, grad = qnn.backward(x, w)
    _, g_ref = exact.backward(x, w)
    assert grad.shape == g_ref.shape
    corr = np.corrcoef(grad.ravel(), g_ref.ravel())[0, 1]
    assert corr > 0.9
    record = qnn.executor.provenance()
    assert record.backend == "fake_manila" and record.shots == 2000
    assert record.primitive == "qiskit_ibm_runtime.executor_estimator.Estimator"
    assert record.options["resilience_level"] == 1
    assert record.options["twirling"] == {"enable_gates": True, "num_randomizations": 2}
    # local testing mode cuts jobs at LOCAL_LIMITS.max_bindings = 128: the forward (4 bindings)
    # is one job; backward's centre (4) and shifted points (240) go as one job and two
    assert LOCAL_LIMITS.max_bindings == 128 and qnn.executor.log.bindings == 4 + 4 + 240
    assert len(record.job_ids) == qnn.executor.log.jobs == 4
    assert set(record.versions) >= {"qiskit", "qiskit-aer", "qiskit-ibm-runtime"}
    json.dumps(record.to_dict())


def test_ibm_spec_with_given_service():
    class Service:
        def backend(self, name):
            return fake_backend(name)

    est, pm = resolve("ibm:fake_manila", service=Service(), mode="job", shots=100)
    assert backend_name(est) == "fake_manila" and pm is not None
    assert runtime_options(est)["default_shots"] == 100


# ------------------------------------------------------------------------------ credentials
def test_token_never_leaks(monkeypatch, caplog):
    import qiskit_ibm_runtime

    monkeypatch.setenv("QISKIT_IBM_TOKEN", SENTINEL)
    calls = []

    def failing_service(**kwargs):
        calls.append(kwargs)
        logging.getLogger("qiskit_patchqnn").debug("connecting")
        raise ValueError(f"401 Unauthorized: invalid token {kwargs.get('token')}")

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", failing_service)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RuntimeError, match="could not connect") as info:
        resolve("ibm:ibm_torino")
    assert calls and calls[0]["token"] == SENTINEL  # the token was used ...
    text = "".join(traceback.format_exception(info.value))
    assert SENTINEL not in text and "401 Unauthorized" in text  # ... but never shown
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert SENTINEL not in caplog.text

    class Service:
        def backend(self, name):
            raise KeyError(f"no backend {name} for token {SENTINEL}")

    with pytest.raises(ValueError, match="not available") as info:
        resolve("ibm:ibm_torino", service=Service())
    assert SENTINEL not in "".join(traceback.format_exception(info.value))

    est, _ = resolve("fake:manila", options={"environment": {"job_tags": [SENTINEL]}})
    record = json.dumps(provenance(est, "fake:manila").to_dict())
    assert SENTINEL not in record and "***" in record
    assert scrub(f"Bearer {SENTINEL}") == "Bearer ***"


def test_fake_local_mode_hessian():
    from qiskit_patchqnn import hessian

    layout = PatchLayout.grid((2, 2), (2, 2), 1)  # one patch, one qubit, 8 weights
    exact = PatchQNN(layout, depth=0, num_classes=2, num_qubits=1)
    x = np.random.default_rng(0).uniform(size=(1, 4))
    y = np.array([1])
    w = exact.initial_weights(seed=1)
    ref = hessian.loss_hessian(exact, x, y, w, progress=False).to_dense()
    options = {"twirling": {"num_randomizations": 4}}  # TREX on 4 x 500 shots
    est, pm = resolve("fake:manila", shots=2000, seed=3, options=options)
    qnn = PatchQNN(layout, depth=0, num_classes=2, num_qubits=1, estimator=est, pass_manager=pm)
    result = hessian.loss_hessian(qnn, x, y, w, progress=False)
    noisy = result.to_dense()
    assert result.num_evaluations == qnn.executor.log.bindings == 1 + 2 * 8**2  # each point once
    np.testing.assert_allclose(noisy, noisy.T, atol=1e-9)
    assert np.linalg.norm(noisy - ref) < 0.25 * np.linalg.norm(ref)
    assert np.linalg.eigvalsh(noisy)[-1] == pytest.approx(np.linalg.eigvalsh(ref)[-1], rel=0.2)
