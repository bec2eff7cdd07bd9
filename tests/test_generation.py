"""`zoo.generation.SequenceGenerator`, the generation task of an encoder–decoder: greedy, beam search and
sampling from one object that owns its traced functions."""

import numpy as np
import tensorflow as tf

from zoo.generation import SequenceGenerator
from zoo.models.seq2seq import source_encoder
from zoo.registry import create_model
from zoo.text import END, START, Vocabulary

WORDS = [f"w{i}" for i in range(12)]


def _generator():
    model = create_model("seq2seq", source_vocab_size=10, target_vocab_size=len(WORDS) + 4, embedding_dim=8, units=8)
    return SequenceGenerator(source_encoder(model), model.get_layer("decoder"), Vocabulary(WORDS), 7,
                             tf.TensorSpec([None, None], tf.int32), lambda rows: np.asarray(rows, np.int32))


SOURCES = np.random.default_rng(0).integers(1, 10, size=(6, 5))


def test_sampling_reduced_to_the_likeliest_token_is_greedy_and_a_seed_repeats_a_sample():
    generator = _generator()
    greedy = generator.ids(SOURCES)
    top_1 = generator.ids(SOURCES, sampling=(1.0, 1, 1.0, 3))
    # Sampling never draws padding or the start token; an untrained model's argmax sometimes is one.
    end, start = generator.vocabulary.ids[END], generator.vocabulary.ids[START]
    lengths = [list(row).index(end) if end in row else len(row) for row in greedy]
    clean = [i for i, row in enumerate(greedy) if lengths[i] > 0 and not np.isin(row[: lengths[i]], [0, start]).any()]
    assert len(clean) >= 2, greedy
    np.testing.assert_array_equal(top_1[clean], greedy[clean])
    sampled = generator.generate(SOURCES, temperature=2.0, seed=5)
    assert sampled == generator.generate(SOURCES, temperature=2.0, seed=5)
    assert sampled != generator.generate(SOURCES, temperature=2.0, seed=6)


def test_a_generator_traces_once_per_decoding_and_keeps_its_functions_to_itself():
    first, second = _generator(), _generator()
    first.generate(SOURCES)
    first.generate(SOURCES[:2])
    first.generate(SOURCES, beam_width=3)
    assert set(first._traced) == {(1, None), (3, None)} and second._traced == {}
    assert first._traced[(1, None)].experimental_get_tracing_count() == 1
