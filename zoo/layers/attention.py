"""Soft attention of a query over a memory: additive (Bahdanau) and multiplicative (Luong)."""

import keras
from keras import ops

from zoo import checks


class _Attention(keras.layers.Layer):
    """What both scorings share: the softmax over the memory, the mask, and the context.

    Subclasses write `score(query, memory)` → (batch, queries, memory_length).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, query, memory, memory_mask=None):
        single = len(query.shape) == 2
        if single:
            query = ops.expand_dims(query, 1)  # (batch, 1, query_dim)
        # The softmax runs in float32 under a mixed policy (float16 has no -1e9; its sums lose mass).
        scores = ops.cast(self.score(query, memory), "float32")  # (batch, queries, memory_length)
        if memory_mask is not None:
            keep = ops.expand_dims(ops.cast(memory_mask, "bool"), 1)
            scores = ops.where(keep, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        context = ops.matmul(ops.cast(weights, memory.dtype), memory)  # (batch, queries, memory_dim)
        if single:
            return ops.squeeze(context, 1), ops.squeeze(weights, 1)
        return context, weights

    def compute_mask(self, query, memory=None, memory_mask=None):
        return None

    def compute_output_shape(self, query_shape, memory_shape, memory_mask_shape=None):
        context = tuple(query_shape[:-1]) + (memory_shape[-1],)
        weights = tuple(query_shape[:-1]) + (memory_shape[1],)
        return context, weights


@keras.saving.register_keras_serializable(package="zoo")
class BahdanauAttention(_Attention):
    """Additive attention (Bahdanau, Cho & Bengio, 2015; Xu et al., 2015, Show, Attend and Tell).

        e_{t,j} = vᵀ tanh(W_q q_t + W_m m_j)          score of memory slot j for query t
        α_{t,j} = softmax_j(e_{t,j})                  attention weights (sum to 1 over j)
        c_t = Σ_j α_{t,j} m_j                         context vector

    Masked memory slots (`memory_mask` False) get zero weight.

    Args:
        units: int. Width of the hidden layer of the score (the size of v).

    Call arguments:
        query: (batch, query_dim) or (batch, queries, query_dim).
        memory: (batch, memory_length, memory_dim), e.g. an image's grid of feature vectors.
        memory_mask: optional bool (batch, memory_length).

    Returns:
        `(context, weights)`: (batch, [queries,] memory_dim) and (batch, [queries,] memory_length).

    Example:
        >>> attention = zoo.layers.BahdanauAttention(32)
        >>> context, weights = attention(np.zeros((2, 16), "float32"), np.zeros((2, 64, 8), "float32"))
        >>> context.shape, weights.shape
        ((2, 8), (2, 64))
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = checks.positive_int("units", units)

    def build(self, query_shape, memory_shape, memory_mask_shape=None):
        self.query_kernel = self.add_weight(shape=(query_shape[-1], self.units), name="query_kernel")
        self.memory_kernel = self.add_weight(shape=(memory_shape[-1], self.units), name="memory_kernel")
        self.bias = self.add_weight(shape=(self.units,), name="bias", initializer="zeros")
        self.score_vector = self.add_weight(shape=(self.units,), name="score_vector")

    def score(self, query, memory):
        projected_query = ops.expand_dims(ops.matmul(query, self.query_kernel), 2)  # (b, t, 1, units)
        projected_memory = ops.expand_dims(ops.matmul(memory, self.memory_kernel), 1)  # (b, 1, j, units)
        hidden = ops.tanh(projected_query + projected_memory + self.bias)  # (b, t, j, units)
        return ops.sum(hidden * self.score_vector, axis=-1)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


@keras.saving.register_keras_serializable(package="zoo")
class LuongAttention(_Attention):
    """Multiplicative ("general") attention (Luong, Pham & Manning, 2015).

        e_{t,j} = q_tᵀ W m_j
        α_{t,j} = softmax_j(e_{t,j})
        c_t = Σ_j α_{t,j} m_j

    Args:
        scale: bool, default True. Divide the scores by √query_dim, which keeps the softmax
            from saturating at large widths (as in Vaswani et al., 2017).

    Call arguments and returns: as `BahdanauAttention`.

    Example:
        >>> attention = zoo.layers.LuongAttention()
        >>> context, weights = attention(np.zeros((2, 5, 16), "float32"), np.zeros((2, 7, 8), "float32"))
        >>> context.shape, weights.shape
        ((2, 5, 8), (2, 5, 7))
    """

    def __init__(self, scale=True, **kwargs):
        super().__init__(**kwargs)
        self.scale = bool(scale)

    def build(self, query_shape, memory_shape, memory_mask_shape=None):
        self.kernel = self.add_weight(shape=(memory_shape[-1], query_shape[-1]), name="kernel")
        self.query_dim = query_shape[-1]

    def score(self, query, memory):
        keys = ops.matmul(memory, self.kernel)  # (batch, memory_length, query_dim)
        scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))
        return scores / float(self.query_dim) ** 0.5 if self.scale else scores

    def get_config(self):
        config = super().get_config()
        config["scale"] = self.scale
        return config


ATTENTIONS = {"bahdanau": BahdanauAttention, "luong": LuongAttention}


def make_attention(name, units):
    """An attention layer by its config name ("bahdanau" or "luong"); `units` sizes Bahdanau's score."""
    checks.one_of("attention", name, tuple(ATTENTIONS))
    return BahdanauAttention(units) if name == "bahdanau" else LuongAttention()
