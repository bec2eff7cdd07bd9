"""The translation recipe's picture: the attention alignment of one sentence pair."""

import numpy as np
import tensorflow as tf

from zoo.generation import greedy_with_attention
from zoo.models.seq2seq import source_encoder
from zoo.plots import plt, save_figure
from zoo.translation.data import source_ids


def alignment(model, data, sentence, config):
    """`(source_tokens, target_tokens, weights)`: the greedy translation of `sentence`, token by token,
    with the attention weights (target tokens × source tokens)."""
    source = source_ids(data.source_vocabulary, [sentence], config.max_source_length)
    length = int((source[0] > 0).sum())
    memory, mask = source_encoder(model)(tf.constant(source[:, :length]))
    tokens, weights = greedy_with_attention(model.get_layer("decoder"), memory, mask, data.target_vocabulary,
                                            config.max_target_length)
    source_tokens = [data.source_vocabulary.tokens[i] for i in source[0, :length]]
    return source_tokens, tokens, weights[:, :length]


def plot_alignment(source_tokens, target_tokens, weights, path):
    """attention.png: a heat map of the attention weights, target tokens down, source tokens across."""
    figure, axis = plt.subplots(figsize=(0.42 * len(source_tokens) + 2, 0.36 * len(target_tokens) + 1.6))
    axis.imshow(np.asarray(weights), cmap="viridis", aspect="auto", vmin=0, vmax=1)
    axis.set_xticks(range(len(source_tokens)), [t.replace("▁", "␣") for t in source_tokens], rotation=90)
    axis.set_yticks(range(len(target_tokens)), [t.replace("▁", "␣") for t in target_tokens])
    axis.set_xlabel("source")
    axis.set_ylabel("translation")
    axis.set_title("attention weights")
    save_figure(figure, path)
    return path
