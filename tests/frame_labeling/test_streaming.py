import numpy as np
import pytest

from zoo.frame_labeling.streaming import StreamingLabeler
from zoo.registry import create_model


@pytest.fixture(scope="module")
def causal_model():
    model = create_model("frame_tagger", num_labels=7, units=12, depth=2, streaming=True, num_mels=10,
                         feature_mean=np.full(10, -4.0), feature_variance=np.full(10, 9.0))
    logits = model.get_layer("logits")
    kernel, bias = logits.get_weights()
    logits.set_weights([20 * kernel, bias])  # untrained logits are nearly flat: make labels change with the input
    return model


def _speechlike(seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(1800) / 16000
    parts = [0.01 * rng.standard_normal(1500), 0.5 * np.sin(2 * np.pi * 300 * t), 0.3 * rng.standard_normal(1700),
             0.01 * rng.standard_normal(900), 0.4 * np.sin(2 * np.pi * 2500 * t)]
    return np.concatenate(parts).astype(np.float32)


def _whole_utterance_labels(model, wave):
    logits = model({"waveform": wave[None], "num_samples": np.array([len(wave)], np.int32)}, training=False)
    return np.argmax(np.asarray(logits)[0], -1)


def test_chunks_of_any_size_give_the_whole_utterance_labels(causal_model):
    rng = np.random.default_rng(0)
    wave = _speechlike()
    expected = _whole_utterance_labels(causal_model, wave)
    assert len(set(expected.tolist())) > 1, "a test that a constant labeling can't pass"
    labeler = StreamingLabeler(causal_model)
    for sizes in ([len(wave)], [100] * (len(wave) // 100 + 1), rng.integers(1, 900, 40)):
        labeler.reset()
        pieces = np.split(wave, np.cumsum(sizes)[:-1]) if len(sizes) > 1 else [wave]
        streamed = np.concatenate([labeler.feed(piece) for piece in pieces])
        assert streamed.tolist() == expected.tolist()
    labeler.reset()
    one_by_one = [labeler.feed(sample) for sample in wave[:1200]]  # a sample at a time
    assert np.concatenate(one_by_one).tolist() == expected[:1 + (1200 - 400) // 160].tolist()


def test_states_carry_across_chunks_and_reset_forgets_them(causal_model):
    wave = _speechlike(1)
    labeler = StreamingLabeler(causal_model)
    first = labeler.feed(wave)
    labeler.reset()
    assert labeler.feed(wave).tolist() == first.tolist()
    labeler.reset()
    assert len(labeler.feed(wave[:399])) == 0, "no whole 400-sample window yet"
    assert labeler.feed(wave[399:400]).tolist() == first[:1].tolist()
    assert len(labeler.feed(wave[400:559])) == 0 and len(labeler.feed(wave[559:560])) == 1


def test_a_model_that_reads_the_future_is_refused():
    model = create_model("frame_tagger", num_labels=3, units=4, depth=1)
    with pytest.raises(ValueError, match="streaming=True"):
        StreamingLabeler(model)


def test_a_deep_rnn_streams_too():
    model = create_model("frame_tagger", num_labels=7, units=12, depth=1, streaming=True, num_mels=10,
                         feature_mean=np.full(10, -4.0), feature_variance=np.full(10, 9.0), input_layers=1,
                         output_layers=1, transition_depth=2, cell_options={"shortcut": True, "peephole": True})
    for weight in model.weights:  # peepholes start at zero: make them count
        if "peephole" in weight.path:
            weight.assign(np.random.default_rng(1).uniform(-0.8, 0.8, weight.shape).astype("float32"))
    kernel, bias = model.get_layer("logits").get_weights()
    model.get_layer("logits").set_weights([20 * kernel, bias])
    wave = _speechlike(1)
    expected = _whole_utterance_labels(model, wave)
    assert len(set(expected.tolist())) > 1
    labeler = StreamingLabeler(model)
    streamed = np.concatenate([labeler.feed(piece) for piece in np.array_split(wave, 17)])
    assert streamed.tolist() == expected.tolist()
