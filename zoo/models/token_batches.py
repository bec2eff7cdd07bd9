"""Example batches of right-padded token sequences, for models that read token ids."""

import numpy as np


def padded_tokens(vocab_size, batch_size, seed, max_length=7):
    """Token ids (batch, max_length) in [1, vocab_size), right-padded with 0, and the lengths."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_length + 1, size=batch_size)
    lengths[0] = max_length
    tokens = rng.integers(1, vocab_size, size=(batch_size, max_length), dtype=np.int32)
    tokens[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
    return tokens, lengths


def vocab_size_of(model):
    """The input vocabulary size of a model whose tokens enter through a layer named 'embedding'."""
    return model.get_layer("embedding").input_dim
