"""What every zoo cell shares: arguments, weights, dropout masks and the cell protocol.

A cell's equations live in its own file (`simple_rnn.py`, `lstm.py`, ...), split in two halves:

- `project_inputs(x)`: the part that depends on the input alone (W x + b). It accepts any
  leading shape, so `zoo.layers.Recurrent` projects a whole sequence with one matmul.
- `step(projected_t, states, recurrent_mask=None)`: the recurrent part (U h_{t-1}, gates,
  nonlinearities) for one time step; returns `(output, new_states)`.

`call(x_t, states)` = `step(project_inputs(x_t), states)`, which is the Keras RNN-cell protocol,
so every zoo cell also runs inside `keras.layers.RNN`.

Under a mixed dtype policy (`keras.mixed_precision.set_dtype_policy("mixed_bfloat16")`) the matmuls
run in the compute dtype and everything element-wise (biases, gates, the states) in the variables'
dtype, float32: `matmul` below is the one place a cell multiplies by a kernel.
"""

import keras
from keras import ops

from zoo.errors import UsageError
from zoo import checks
from zoo._internals import RNN_CELL_DROPOUT_MIXIN


class RecurrentCell(RNN_CELL_DROPOUT_MIXIN, keras.layers.Layer):
    """Base class of zoo's cells (not a cell itself).

    Subclasses set `gate_count` (how many `units`-wide blocks the kernels hold) and write
    `project_inputs` and `step`. The base creates `kernel` (input_dim, gate_count * units),
    `recurrent_kernel` (units, gate_count * units) and `bias`, the names and shapes of the
    Keras built-in cells, so `set_weights(keras_cell.get_weights())` works both ways.

    Dropout follows Gal & Ghahramani (2016): one mask per sequence, the same at every time step,
    on the inputs (`dropout`) and on h_{t-1} where it enters the recurrent matmul
    (`recurrent_dropout`); both are active only when `training=True`.

    Args:
        units: int. Size of the hidden state h.
        activation: str or callable, default "tanh". The output nonlinearity.
        use_bias: bool, default True. Whether the cell has a bias vector b.
        kernel_initializer: initializer of W, default "glorot_uniform".
        recurrent_initializer: initializer of U, default "orthogonal".
        bias_initializer: initializer of b, default "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional regularizers.
        dropout: float in [0, 1), default 0. Fraction of input units dropped.
        recurrent_dropout: float in [0, 1), default 0. Fraction of h_{t-1} units dropped.
        seed: int or None. Seed of the dropout masks.

    Mixed precision: under a mixed policy W and U enter their matmuls in the compute dtype (bfloat16
    or float16) and the products come back in float32, where the bias, the gates and the states live
    (`state_dtype`); variables read element-wise are never cast (`autocast=False`). On this project's
    CPU that made a bfloat16 LSTM step 1.3x faster than one computed wholly in bfloat16, whose
    element-wise ops are slower than float32's, and keeps C_t's sums in float32.
    """

    gate_count = 1

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = checks.positive_int("units", units)
        self.activation = checks.activation("activation", activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = keras.regularizers.get(recurrent_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.dropout = checks.rate("dropout", dropout)
        self.recurrent_dropout = checks.rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed=seed)

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    @property
    def state_sizes(self):
        """The state sizes as a list, one entry per state tensor."""
        size = self.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def state_dtype(self):
        """The dtype of the states and of `step`'s element-wise work: the variables' (float32 under a mixed
        policy)."""
        return self.variable_dtype

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, size), dtype=self.state_dtype) for size in self.state_sizes]

    def matmul(self, values, kernel):
        """values · kernel computed in the compute dtype, returned in `state_dtype` (no casts under float32)."""
        product = ops.matmul(ops.cast(values, self.compute_dtype), ops.cast(kernel, self.compute_dtype))
        return ops.cast(product, self.state_dtype)

    def add_elementwise_weight(self, shape, name, initializer, regularizer=None):
        """A weight `step` reads element-wise (bias, peepholes, gains): never autocast, so that it stays in
        `state_dtype` inside the layer's call and in the loop gradient's recomputation alike."""
        return self.add_weight(shape=shape, name=name, initializer=initializer, regularizer=regularizer,
                               autocast=False)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise UsageError(
                f"{type(self).__name__} needs a known feature dimension; received input "
                f"shape {tuple(input_shape)}."
            )
        width = self.gate_count * self.units
        # A cell built for 0 features reads no input (a deep transition's upper layers): it has no W.
        self.kernel = None if input_dim == 0 else self.add_weight(
            shape=(input_dim, width),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
        )
        if self.use_bias:
            self.bias = self.add_elementwise_weight(
                self.bias_shape(), "bias", self.bias_initial_values(), self.bias_regularizer)
        else:
            self.bias = None

    def bias_shape(self):
        """Shape of `bias`; GRU with `reset_after` overrides it."""
        return (self.gate_count * self.units,)

    def bias_initial_values(self):
        """Initializer of `bias`; LSTM with `unit_forget_bias` overrides it."""
        return self.bias_initializer

    def input_bias(self):
        """What `project_inputs` adds to W x (its value for x = 0): b, or None without a bias."""
        return self.bias if self.use_bias else None

    def dropout_masks(self, step_input, state, training=False):
        """Fresh per-sequence masks `(input_mask, recurrent_mask)`, None where inactive.

        `step_input` is one time step of the input (batch, features) and `state` is h_{t-1};
        the masks have their shapes and are scaled by 1 / (1 - rate).
        """
        input_mask = recurrent_mask = None
        if training and self.dropout > 0:
            input_mask = self._create_dropout_mask(step_input, self.dropout)
        if training and self.recurrent_dropout > 0:
            recurrent_mask = self._create_dropout_mask(state, self.recurrent_dropout)
        return input_mask, recurrent_mask

    # True where `zoo.layers.Recurrent(implementation="auto")` trains the cell with its hand-made loop
    # gradient (zoo/layers/recurrent_gradient.py), which needs a `step` that uses U only through
    # `recurrent_product`; it is set where that was measured faster than autodiff (`python -m zoo.bench`).
    recomputed_gradient = False

    @property
    def single_recurrent_product(self):
        """Whether `step` uses U only through one `recurrent_product` call: what the loop gradient needs."""
        return True

    @property
    def recurrent_bias(self):
        """The bias added to U h_{t-1} inside the recurrent product (GRU with `reset_after`), or None."""
        return None

    def recurrent_product(self, state, recurrent_mask=None, given=None, kernel=None):
        """U h_{t-1} (+ `recurrent_bias`), h_{t-1} dropped out under recurrent dropout: (batch, gates * units);
        `given` instead when the runner computed it (`step`'s `recurrent` argument). `kernel`: U already read
        (and cast to the compute dtype), which a runner does once before its loop rather than at every step."""
        if given is not None:
            return given
        kernel = self.recurrent_kernel if kernel is None else kernel
        product = self.matmul(self.drop_state(state, recurrent_mask), kernel)
        return product if self.recurrent_bias is None else product + self.recurrent_bias

    def project_inputs(self, inputs, kernel=None):
        """W x + b over any leading shape; `kernel`: W already read and cast (as `recurrent_product`'s)."""
        raise NotImplementedError

    def step(self, projected, states, recurrent_mask=None, recurrent=None):
        """One time step: `(output, new_states)` from the projected input and the previous states.

        `recurrent`, when given, is `recurrent_product(states[0], recurrent_mask)` computed by the runner
        (its loop gradient, an export's fused trace); the cell then does not multiply by U itself.
        """
        raise NotImplementedError

    def call(self, inputs, states, training=False):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        states = [ops.cast(state, self.state_dtype) for state in states]  # e.g. from a bfloat16 layer
        if training and self.dropout > 0:
            inputs = inputs * self.get_dropout_mask(inputs)
        recurrent_mask = None
        if training and self.recurrent_dropout > 0:
            recurrent_mask = self.get_recurrent_dropout_mask(states[0])
        return self.step(self.project_inputs(inputs), states, recurrent_mask)

    @staticmethod
    def drop_state(state, recurrent_mask):
        """h_{t-1} as it enters the recurrent matmul: masked when recurrent dropout is active."""
        return state if recurrent_mask is None else state * recurrent_mask

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": keras.regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed,
            }
        )
        return config


class GatedCell(RecurrentCell):
    """A `RecurrentCell` with gates squashed by `recurrent_activation` (LSTM, GRU, ...).

    Args:
        recurrent_activation: str or callable, default "sigmoid". The gate nonlinearity σ.
        **kwargs: the arguments of `RecurrentCell`.
    """

    def __init__(self, units, recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, **kwargs)
        self.recurrent_activation = checks.activation("recurrent_activation", recurrent_activation)

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = keras.activations.serialize(self.recurrent_activation)
        return config
