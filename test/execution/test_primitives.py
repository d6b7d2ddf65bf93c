# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Both Qiskit Runtime estimators in local testing mode: the client-side one (default) and the
deprecated EstimatorV2 (on request), through resolve, execute, PatchQNN, provenance and journals.

The legacy class emits a ``DeprecationWarning`` when built; ``pyproject.toml`` turns every
qiskit-ibm-runtime deprecation into an error, so the tests that build it on purpose expect the
warning (:func:`build`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings

import numpy as np
import pytest
from qiskit.circuit import ParameterVector, QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_aer import AerSimulator

from qiskit_patchqnn.execution import (
    IBM_LIMITS,
    LOCAL_LIMITS,
    ExecutionLog,
    JobJournal,
    JobLimits,
    checked_options,
    device_of,
    execute,
    executions_per_binding,
    fake_backend,
    is_hardware,
    job_limits,
    primitive_name,
    resolve,
    runtime_estimator,
    runtime_options,
    runtime_primitive,
    transpile_patch,
)
from qiskit_patchqnn.execution.limits import runtime_backend
from qiskit_patchqnn.layout import PatchLayout
from qiskit_patchqnn.qnn import PatchQNN

PRIMS = ["executor", "legacy"]
CLASS = {
    "executor": "qiskit_ibm_runtime.executor_estimator.Estimator",
    "legacy": "qiskit_ibm_runtime.EstimatorV2",
}
SMALL = PatchLayout.grid((3, 3), (2, 2), 4)  # four 2x2 patches, one qubit, 8 weights each
SENTINEL = "SENTINEL-tok3n-0123456789abcdef"


def build(make, primitive):
    """Call ``make()``; the legacy class must announce its deprecation, the default must not."""
    if primitive == "legacy":
        with pytest.warns(DeprecationWarning, match="EstimatorV2 class is deprecated"):
            return make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the client-side Estimator builds without any warning
        return make()


def small_qnn(estimator=None, pass_manager=None):
    return PatchQNN(
        SMALL,
        depth=0,
        num_qubits=1,
        num_classes=2,
        scale=5.0,
        estimator=estimator,
        pass_manager=pass_manager,
    )


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    exact = small_qnn()
    return rng.uniform(size=(2, 9)), exact.initial_weights(seed=1), exact


@pytest.fixture(scope="module")
def ideal_device():
    """A noiseless simulator of fake_manila (its target, no noise) and its pass manager."""
    device = fake_backend("manila")
    simulator = AerSimulator.from_backend(device, noise_model=None)
    pm = generate_preset_pass_manager(optimization_level=1, backend=device, seed_transpiler=0)
    return simulator, pm


# ------------------------------------------------------------------------------ which class
@pytest.mark.parametrize("mode", ["batch", "session", "job"])
def test_fake_and_ibm_specs_build_the_client_side_estimator(mode):
    from qiskit_ibm_runtime import Batch, Session
    from qiskit_ibm_runtime.executor_estimator import Estimator

    class Service:
        def backend(self, name):
            return fake_backend(name)

    for spec, kwargs in (("fake:manila", {}), ("ibm:fake_manila", {"service": Service()})):
        est, pm = build(lambda s=spec, k=kwargs: resolve(s, mode=mode, **k), "executor")
        assert type(est) is Estimator and runtime_primitive(est) == "executor"
        assert primitive_name(est) == CLASS["executor"]
        expected_mode = {"batch": Batch, "session": Session, "job": type(None)}[mode]
        assert type(est.mode) is expected_mode
        assert runtime_backend(est).name == device_of(est).name == "fake_manila"
        assert pm is not None and job_limits(est) == LOCAL_LIMITS and not is_hardware(est)


def test_legacy_estimator_only_when_asked():
    import qiskit_ibm_runtime

    est, _ = build(lambda: resolve("fake:manila", primitive="legacy"), "legacy")
    assert type(est) is qiskit_ibm_runtime.EstimatorV2 and runtime_primitive(est) == "legacy"
    assert primitive_name(est) == CLASS["legacy"]
    assert runtime_backend(est).name == "fake_manila" and not is_hardware(est)
    with pytest.raises(ValueError, match="primitive must be one of executor, legacy, got 'v2'"):
        resolve("fake:manila", primitive="v2")


def test_runtime_deprecations_are_errors_in_this_suite():
    """The pyproject filter catches the runtime's deprecations wherever they are attributed."""
    # attributed to the caller (qiskit_patchqnn.execution.primitives): caught by message
    with pytest.raises(DeprecationWarning, match="as of qiskit-ibm-runtime 0.50"):
        resolve("fake:manila", primitive="legacy")
    # attributed to dataclasses (asdict on a pydantic options model): caught by message
    from qiskit_ibm_runtime.options_models import EstimatorOptions

    with pytest.raises(DeprecationWarning, match="qiskit_ibm_runtime v0.49"):
        dataclasses.asdict(EstimatorOptions())


def test_is_hardware_for_a_real_device_with_either_class():
    from qiskit_ibm_runtime import EstimatorV2
    from qiskit_ibm_runtime.executor_estimator import Estimator

    class Config:
        simulator = False

    class Device:  # what an IBMBackend of a QPU reports
        name = "ibm_nowhere"
        num_qubits = 5

        def configuration(self):
            return Config()

    class Service:
        is_local = False

    for cls in (Estimator, EstimatorV2):
        est = cls.__new__(cls)  # no __init__: no connection, no deprecation warning
        est._backend, est._service = Device(), Service()
        assert is_hardware(est) and job_limits(est) == IBM_LIMITS
        est._service.is_local = True  # the same device object in local testing mode
        assert not is_hardware(est)


# ------------------------------------------------------------------------------ options
def test_options_pass_through_to_the_client_side_estimator():
    options = {
        "resilience_level": 2,
        "resilience": {"zne": {"noise_factors": [1, 3], "extrapolator": "linear"}},
        "twirling": {"enable_gates": True, "num_randomizations": 4, "group": "pauli"},
        "dynamical_decoupling": {"enable": True, "sequence_type": "XpXm"},
        "environment": {"job_tags": ["patchqnn"]},
    }
    est, _ = resolve("fake:manila", shots=300, seed=5, options=options)
    o = est.options
    assert o.resilience_level == 2 and o.default_shots == 300
    assert o.resilience.zne.noise_factors == [1, 3] and o.resilience.zne.extrapolator == "linear"
    assert o.twirling.enable_gates is True and o.twirling.num_randomizations == 4
    assert o.dynamical_decoupling.enable is True and o.dynamical_decoupling.sequence_type == "XpXm"
    assert o.simulator.seed_simulator == 5 and o.environment.job_tags == ["patchqnn"]
    assert options["twirling"] == {"enable_gates": True, "num_randomizations": 4, "group": "pauli"}
    est, _ = resolve("fake:manila", precision=0.05)
    assert est.options.default_precision == 0.05 and est.options.default_shots is None


def test_options_pass_through_to_the_legacy_estimator():
    options = {
        "resilience_level": 1,
        "seed_estimator": 11,
        "twirling": {"enable_gates": True, "num_randomizations": 4},
        "resilience": {"layer_noise_learning": {"max_layers_to_learn": 2}},
    }
    est, _ = build(
        lambda: resolve("fake:manila", shots=300, seed=5, options=options, primitive="legacy"),
        "legacy",
    )
    o = est.options
    assert o.resilience_level == 1 and o.seed_estimator == 11 and o.default_shots == 300
    assert o.twirling.num_randomizations == 4 and o.simulator.seed_simulator == 5
    assert o.resilience.layer_noise_learning.max_layers_to_learn == 2


@pytest.mark.parametrize(
    ("primitive", "options", "match"),
    [
        (
            "executor",
            {"seed_estimator": 3},
            r"option 'seed_estimator' is not accepted by the "
            r"client-side Estimator .*seed= seeds twirling",
        ),
        ("executor", {"simulator": {"noise_model": None}}, r"'simulator.noise_model'.*'aer:"),
        ("executor", {"resilience": {"layer_noise_learning": {}}}, r"NoiseLearnerV3"),
        ("executor", {"twirlng": {}}, r"option 'twirlng' .*valid names here: .*twirling"),
        ("executor", {"twirling": {"enable_gate": True}}, r"valid names here: enable_gates"),
        (
            "legacy",
            {"twirling": {"group": "pauli"}},
            r"'twirling.group' is not accepted by the "
            r"legacy EstimatorV2; the client-side Estimator .*accepts it \(primitive='executor'\)",
        ),
        ("executor", {"resilience_level": 3}, r"resilience_level=3: Input should be 0, 1 or 2"),
        ("executor", {"twirling": {"enable_gates": "maybe"}}, r"twirling.enable_gates='maybe'"),
        ("legacy", {"resilience_level": 3}, r"legacy EstimatorV2: resilience_level=3"),
    ],
)
def test_unknown_or_bad_option_is_one_line_error(primitive, options, match):
    with pytest.raises(ValueError, match=match) as info:
        resolve("fake:manila", options=options, primitive=primitive)
    assert "\n" not in str(info.value)

    class Offline:  # options are checked before any connection is made
        def backend(self, name):
            raise AssertionError("connected before checking options")

    with pytest.raises(ValueError, match=match):
        resolve("ibm:ibm_torino", options=options, primitive=primitive, service=Offline())


def test_bad_option_containers():
    with pytest.raises(TypeError, match="options must be a dict, got list"):
        resolve("fake:manila", options=[("resilience_level", 1)])
    with pytest.raises(ValueError, match="precision must be > 0 for fake: specs, got 0"):
        resolve("fake:manila", precision=0)
    assert checked_options(None) == {}


# ------------------------------------------------------------------------------ execution
def _problem():
    theta = ParameterVector("t", 2)
    qc = QuantumCircuit(2)
    qc.ry(theta[0], 0)
    qc.rx(theta[1], 1)
    qc.cz(0, 1)
    observables = [SparsePauliOp("IZ"), SparsePauliOp("ZI"), SparsePauliOp("XX")]
    values = np.random.default_rng(2).uniform(0, np.pi, size=(7, 2))
    return qc, observables, values


@pytest.mark.parametrize(("primitive", "level"), [("executor", 0), ("executor", 1), ("legacy", 1)])
def test_execute_matches_exact_within_error_bars_on_a_noiseless_device(
    primitive, level, ideal_device
):
    from qiskit_patchqnn.simulator import BatchedEstimator

    simulator, pm = ideal_device
    qc, observables, values = _problem()
    isa, obs = transpile_patch(qc, observables, pm, device=simulator)
    options = {"default_shots": 2000, "simulator": {"seed_simulator": 4}}
    if primitive == "executor":
        options["resilience_level"] = level
    est = build(
        lambda: runtime_estimator(simulator, primitive=primitive, options=options), primitive
    )
    log = ExecutionLog()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # legacy local mode: unused options
        (evs,), (stds,) = execute(est, isa, obs, [values], log=log)
    (ref,), _ = execute(BatchedEstimator(), qc, observables, [values])
    assert evs.shape == stds.shape == ref.shape == (7, 3)
    # shot noise: sqrt(1 - <P>^2 / shots) (estimated; over twirling randomizations at level 1)
    assert np.all(stds > 0) and np.all(stds < 1.5 / np.sqrt(2000))
    z = np.abs(evs - ref) / np.maximum(stds, 0.2 / np.sqrt(2000))
    assert z.max() < 5, z.round(1)
    assert np.abs(ref).max() > 0.5  # values that a wrong layout or binding would miss
    assert log.jobs == 1 and log.bindings == 7 and len(log.job_ids) == 1


@pytest.mark.parametrize("primitive", PRIMS)
def test_patchqnn_forward_on_a_noiseless_device(primitive, ideal_device, data):
    simulator, pm = ideal_device
    x, w, exact = data
    options = {"default_shots": 1000, "simulator": {"seed_simulator": 8}}
    est = build(
        lambda: runtime_estimator(simulator, primitive=primitive, options=options), primitive
    )
    qnn = small_qnn(est, pm)
    ev = qnn.executor.run([qnn.model.plan.bind(qnn.model.local_values(x, w))])
    out, std = ev.values[0], ev.stds[0]
    ref = exact.patch_outputs(x, w)
    assert out.shape == std.shape == ref.shape == (2, 4, 2)
    assert (np.abs(out - ref) / std).max() < 5
    logits = qnn.forward(x, w)
    assert logits.shape == (2, 2)
    assert np.abs(logits - exact.forward(x, w)).max() < 5 * 5.0 * 2 / np.sqrt(1000)


@pytest.mark.parametrize("primitive", PRIMS)
def test_parameter_shift_gradient_through_patchqnn_on_a_fake_spec(primitive, data):
    x, w, exact = data
    # client-side: TREX readout mitigation over 4 twirling randomizations of 1000 shots each
    options = {"resilience_level": 1, "twirling": {"num_randomizations": 4}}
    est, pm = build(
        lambda: resolve(
            "fake:manila",
            shots=4000,
            seed=3,
            options=options if primitive == "executor" else None,
            primitive=primitive,
        ),
        primitive,
    )
    qnn = small_qnn(est, pm)
    _, grad = qnn.backward(x[:1], w)
    _, g_ref = exact.backward(x[:1], w)
    assert grad.shape == g_ref.shape == (1, 2, 32)
    assert qnn.executor.log.bindings == 4 * (1 + 2 * 8)  # every shifted point once
    rel = np.linalg.norm(grad - g_ref) / np.linalg.norm(g_ref)
    # seeded: 0.025 with TREX (client-side), 0.081 without (legacy local mode ignores it)
    assert rel < (0.1 if primitive == "executor" else 0.2), rel
    assert np.corrcoef(grad.ravel(), g_ref.ravel())[0, 1] > 0.95


def test_client_side_readout_mitigation_is_simulated_in_local_mode():
    """Level 1 (TREX) removes most of fake_manila's readout bias; level 0 keeps it."""
    qc = QuantumCircuit(1)  # |0>: <Z> = 1 exactly, a readout error pulls it below
    results = {}
    for level in (0, 1):
        est, pm = resolve("fake:manila", shots=8000, seed=1, options={"resilience_level": level})
        isa, obs = transpile_patch(qc, [SparsePauliOp("Z")], pm)
        (evs,), (stds,) = execute(est, isa, obs, [np.zeros((1, 0))])
        results[level] = (float(evs[0, 0]), float(stds[0, 0]))
    (raw, raw_std), (mitigated, mit_std) = results[0], results[1]
    # seeded: level 0 gives 0.936 +- 0.004, level 1 gives 1.005 +- 0.005
    assert 1 - raw > 5 * raw_std  # a readout bias well above shot noise ...
    assert abs(1 - mitigated) < max(4 * mit_std, (1 - raw) / 3)  # ... mostly removed


# ------------------------------------------------------------------------------ job limits
def test_executions_per_binding_follows_the_client_side_options():
    est = {lvl: resolve("fake:manila", options={"resilience_level": lvl})[0] for lvl in (0, 1, 2)}
    assert executions_per_binding(est[0], 1000, 2) == 2 * 1000
    assert executions_per_binding(est[1], 1000, 2) == 2 * 16 * 64  # twirled: 16 x 64 shots
    assert executions_per_binding(est[2], 1000, 2) == 2 * 16 * 64 * 3  # ZNE: 3 noise factors
    custom, _ = resolve(
        "fake:manila",
        options={"twirling": {"num_randomizations": 10, "shots_per_randomization": 7}},
    )
    assert executions_per_binding(custom, 1000) == 70
    legacy, _ = build(lambda: resolve("fake:manila", primitive="legacy"), "legacy")
    assert executions_per_binding(legacy, 1000, 2) == 2000


@pytest.mark.parametrize(("primitive", "jobs"), [("executor", 5), ("legacy", 4)])
def test_jobs_split_at_the_execution_limit(primitive, jobs):
    qc, observables, values = _problem()
    values = np.concatenate([values, values[:3]])  # 10 bindings, 2 measurement bases
    options = {"resilience_level": 1} if primitive == "executor" else None
    est, pm = build(
        lambda: resolve("fake:manila", shots=100, seed=2, options=options, primitive=primitive),
        primitive,
    )
    isa, obs = transpile_patch(qc, observables, pm)
    log = ExecutionLog()
    # executor: 2 bases x (2 x 64 twirled shots) = 256 per binding -> 2 bindings per job;
    # legacy: 2 bases x 100 shots = 200 per binding -> 3 bindings per job
    limits = JobLimits(max_executions=600)
    (evs,), _ = execute(est, isa, obs, [values], limits=limits, log=log)
    assert log.jobs == jobs and log.bindings == 10 and len(set(log.job_ids)) == jobs
    assert evs.shape == (10, 3)
    np.testing.assert_allclose(evs[7:], evs[:3], atol=0.25)  # the same points, noisy device


# ------------------------------------------------------------------------------ provenance
@pytest.mark.parametrize("primitive", PRIMS)
def test_provenance_records_the_primitive_and_no_secret(primitive, monkeypatch, data):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", SENTINEL)
    x, w, _ = data
    options = {"resilience_level": 0, "environment": {"job_tags": [SENTINEL, "patchqnn"]}}
    est, pm = build(
        lambda: resolve("fake:manila", shots=500, seed=2, options=options, primitive=primitive),
        primitive,
    )
    qnn = small_qnn(est, pm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # legacy local mode: unused options
        qnn.forward(x, w)
    record = qnn.executor.provenance().to_dict()
    text = json.dumps(record)
    assert SENTINEL not in text and "***" in text
    assert record["primitive"] == CLASS[primitive]
    assert record["backend"] == "fake_manila" and record["shots"] == 500
    assert record["options"]["resilience_level"] == 0
    assert record["options"]["environment"]["job_tags"] == ["***", "patchqnn"]
    assert record["options"]["simulator"] == {"seed_simulator": 2}
    assert "twirling" not in record["options"]  # only what was set
    assert record["job_ids"] == qnn.executor.log.job_ids and len(record["job_ids"]) == 1
    assert runtime_options(qnn.estimator) == record["options"]


# ------------------------------------------------------------------------------ journal
@pytest.mark.parametrize("primitive", PRIMS)
def test_journal_round_trip(primitive, tmp_path):
    qc, observables, values = _problem()
    est, pm = build(
        lambda: resolve("fake:manila", shots=200, seed=6, primitive=primitive), primitive
    )
    isa, obs = transpile_patch(qc, observables, pm)
    submitted = {}
    run = est.run

    def recording_run(pubs, *, precision=None):
        job = run(pubs, precision=precision)
        submitted[job.job_id()] = job
        return job

    est.run = recording_run
    path = tmp_path / "jobs.jsonl"
    limits = JobLimits(max_bindings=4)  # two jobs
    first = ExecutionLog()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        (evs1,), (stds1,) = execute(
            est, isa, obs, [values], journal=JobJournal(path), limits=limits, log=first
        )
    entries = JobJournal(path).entries()
    assert first.jobs == 2 and len(submitted) == 2
    assert [e["status"] for e in entries] == ["submitted", "submitted", "done", "done"]
    assert {e["job_id"] for e in entries} == set(submitted) == set(first.job_ids)
    label = {"executor": "Estimator:fake_manila", "legacy": "EstimatorV2:fake_manila"}
    assert entries[0]["backend"] == label[primitive]

    again = ExecutionLog()
    journal = JobJournal(path, job_loader=submitted.__getitem__)
    (evs2,), (stds2,) = execute(est, isa, obs, [values], journal=journal, limits=limits, log=again)
    assert again.jobs == 0 and again.reused_jobs == 2 and len(submitted) == 2
    np.testing.assert_array_equal(evs1, evs2)
    np.testing.assert_array_equal(stds1, stds2)
    os.remove(path)


def test_standard_errors_never_below_shot_noise():
    """With two twirling randomizations the client-side stds (their spread) can be ~0; execute
    reports at least the shot-noise ensemble_standard_error the Estimator also returns."""
    qc, observables, values = _problem()
    options = {"twirling": {"num_randomizations": 2}}  # resilience level 1: measure twirling
    est, pm = resolve("fake:manila", shots=400, seed=9, options=options)
    isa, obs = transpile_patch(qc, observables, pm)
    pub_obs = np.empty((3, 1), dtype=object)
    pub_obs[:, 0] = obs
    raw = est.run([(isa, pub_obs, values)]).result()[0].data
    spread, ensemble = np.asarray(raw.stds).T, np.asarray(raw.ensemble_standard_error).T
    (evs,), (stds,) = execute(est, isa, obs, [values])
    np.testing.assert_array_equal(evs, np.asarray(raw.evs).T)  # same seed, same run
    np.testing.assert_array_equal(stds, np.maximum(spread, ensemble))
    assert (spread < ensemble / 2).any()  # two randomizations underestimate some errors
    assert np.all(stds >= ensemble) and np.all(ensemble > 0)
