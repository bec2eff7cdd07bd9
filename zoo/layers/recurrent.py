"""`Recurrent`: runs any zoo cell over a sequence."""

import contextlib
import contextvars

import keras
import tensorflow as tf

from zoo.errors import UsageError
from zoo._internals import in_xla_context
from zoo.cells.base import RecurrentCell
from zoo.layers.cudnn import cudnn_compatible, gpu_available, run_cudnn
from zoo.layers.low_memory_gradient import run_steps_saving_memory
from zoo.layers.native_rnn import native_trainable, native_usable, run_native, run_native_training
from zoo.layers.recurrent_gradient import run_steps_with_gradient
from zoo.layers.time_loop import reverse_time, run_steps


IMPLEMENTATIONS = ("auto", "autodiff", "loop_gradient", "low_memory", "cudnn")
_call_replacement = contextvars.ContextVar("zoo_recurrent_call_replacement", default=None)


@contextlib.contextmanager
def calls_replaced(replacement):
    """Within this block, every `Recurrent` call first asks `replacement(layer, inputs, states, mask,
    training)`; an answer other than None is the layer's output. For tracing that swaps in another
    computation (the fused-LSTM TFLite export, `zoo.export.fused_lstm`)."""
    token = _call_replacement.set(replacement)
    try:
        yield
    finally:
        _call_replacement.reset(token)


def _batch_major(last_output, outputs, final_states):
    """A loop's result with its time-major output sequence (when there is one) made batch-major."""
    return last_output, None if outputs is None else tf.transpose(outputs, [1, 0, 2]), final_states


def sequence_rank_check(layer_name, shape):
    """Raises ValueError unless `shape` is (batch, time, features) with known features."""
    if len(shape) != 3:
        raise UsageError(
            f"{layer_name} expects `inputs` of rank 3 (batch, time, features); received "
            f"shape {tuple(shape)}."
        )
    if shape[-1] is None:
        raise UsageError(f"{layer_name} needs a known feature dimension; received shape {tuple(shape)}.")


@keras.saving.register_keras_serializable(package="zoo")
class Recurrent(keras.layers.Layer):
    """Runs a zoo cell over the time axis of a (batch, time, features) sequence.

    The input half of the cell, W x_t + b, is computed for every time step at once with
    `cell.project_inputs` (one large matmul); a `tf.while_loop` then runs only the recurrent
    half, `cell.step`, once per step.

    Masks (from `keras.layers.Embedding(mask_zero=True)`, `keras.layers.Masking`, or `mask=`)
    are honoured: at a padded step the states are carried through unchanged and the output
    sequence holds zeros (Keras' `zero_output_for_mask=True`); the last output is that of each
    sequence's last valid step.

    Args:
        cell: a zoo cell (`zoo.cells.LSTMCell(64)`, ...).
        return_sequences: bool, default False. Return the output of every step (batch, time,
            units) instead of the last output (batch, units).
        return_state: bool, default False. Also return the final states, after the output.
        go_backwards: bool, default False. Process the sequence in reverse; the returned sequence
            is in processing order (reversed), as in Keras.
        stateful: bool, default False. Keep the final states of one batch as the initial states
            of the next (needs a fixed batch size; `reset_states()` zeroes them).
        unroll: bool, default False. Unroll the loop in the graph (fixed, short lengths only).
        implementation: how training differentiates the loop. "auto" (default): the hand-made loop
            gradient (`zoo.layers.recurrent_gradient`) for cells with `recomputed_gradient` (where
            `python -m zoo.bench` measured it faster), autodiff of the `tf.while_loop` otherwise and
            under XLA (`jit_compile=True`); "autodiff" or "loop_gradient" to choose. "low_memory": a loop
            gradient that keeps only each step's states and recomputes the rest going back
            (`zoo.layers.low_memory_gradient`), for long sequences and wide layers. "cudnn": cuDNN's fused
            kernel for a plain LSTM or GRU (`zoo.layers.cudnn`), which "auto" also takes where a GPU is visible;
            a graph or SavedModel traced with it runs zoo's loop on a CPU. "auto" also runs a plain LSTM or GRU or a
            tanh simple RNN (float32 or mixed_bfloat16) on the CPU through zoo's fused kernels
            (`zoo.layers.native_rnn`): the whole inference call, and both halves of the loop gradient in
            training. Saved in `get_config`.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: (batch, time, features). The time dimension may be None (variable length).
        initial_state: optional list of tensors, one per cell state (LSTM: [h, C]).
        mask: optional bool (batch, time); False marks padding.
        training: bool. Enables the cell's dropout.

    Example:
        >>> layer = zoo.layers.Recurrent(zoo.cells.LSTMCell(32), return_state=True)
        >>> output, h, c = layer(np.zeros((4, 7, 3), "float32"))
        >>> output.shape, h.shape, c.shape
        ((4, 32), (4, 32), (4, 32))
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        implementation="auto",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(cell, RecurrentCell):
            raise UsageError(
                "`cell` must be a zoo cell (a zoo.cells.RecurrentCell such as "
                f"zoo.cells.LSTMCell(64)); received cell={cell!r}."
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        if implementation not in IMPLEMENTATIONS:
            raise UsageError(f"`implementation` must be one of {', '.join(IMPLEMENTATIONS)}; received "
                             f"implementation={implementation!r}.")
        if implementation == "loop_gradient" and (self.unroll or not cell.single_recurrent_product):
            raise UsageError(f"implementation='loop_gradient' needs a loop (unroll=False) and a cell whose step uses U "
                             f"once ({type(cell).__name__} with these settings does not); use 'auto' or 'autodiff'.")
        if implementation == "low_memory" and self.unroll:
            raise UsageError("implementation='low_memory' needs a loop (unroll=False); an unrolled layer is "
                             "differentiated by autodiff.")
        if implementation == "cudnn" and (self.unroll or not cudnn_compatible(cell)):
            raise UsageError(f"implementation='cudnn' needs a loop (unroll=False) and a plain LSTMCell or GRUCell "
                             f"(reset_after): no variant, peepholes, recurrent dropout or other activations, with "
                             f"biases; {type(cell).__name__} with these settings is not.")
        self.implementation = implementation
        self.supports_masking = True
        self.states = None

    def build(self, input_shape):
        sequence_rank_check(self.name, input_shape)
        if self.unroll and input_shape[1] is None:
            raise UsageError(
                f"{self.name}: `unroll=True` needs a fixed number of time steps; received input "
                f"shape {tuple(input_shape)}. Give the Input a time dimension or use unroll=False."
            )
        if not self.cell.built:
            self.cell.build((input_shape[0], input_shape[-1]))
        if self.stateful:
            if input_shape[0] is None:
                raise UsageError(
                    f"{self.name}: a stateful layer needs a fixed batch size; received input "
                    f"shape {tuple(input_shape)}. Give the Input a batch_size."
                )
            self.states = [
                self.add_weight(shape=(input_shape[0], size), name=f"state_{index}", initializer="zeros",
                                trainable=False, dtype=self.cell.state_dtype, autocast=False)
                for index, size in enumerate(self.cell.state_sizes)
            ]

    def reset_states(self):
        """Zeroes the carried states of a stateful layer."""
        for state in self.states or []:
            state.assign(tf.zeros(state.shape, dtype=state.dtype))

    def _initial_states(self, inputs, initial_state):
        if initial_state is None:
            if self.stateful:
                return [tf.convert_to_tensor(state) for state in self.states]
            return self.cell.get_initial_state(tf.shape(inputs)[0])
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != len(self.cell.state_sizes):
            raise UsageError(
                f"{self.name}: `initial_state` must hold {len(self.cell.state_sizes)} tensor(s), "
                f"one per state of {type(self.cell).__name__}; received {len(states)}."
            )
        return [tf.cast(state, self.cell.state_dtype) for state in states]

    def call(self, inputs, initial_state=None, mask=None, training=False):
        sequence_rank_check(self.name, inputs.shape)
        states = self._initial_states(inputs, initial_state)
        replacement = _call_replacement.get()
        if replacement is not None:
            replaced = replacement(self, inputs, states, mask, training)
            if replaced is not None:
                return replaced
        if not training and self.implementation == "auto" and native_usable(self.cell, self.unroll):
            return self._finish(*run_native(
                self.cell, inputs, states, mask, self.go_backwards, self.return_sequences,
                loop=lambda inputs, states: self._run(inputs, states, mask, training=False)))
        return self._finish(*self._run(inputs, states, mask, training))

    def _run(self, inputs, states, mask, training):
        """`(last_output, outputs, final_states)` of the loop; `outputs` batch-major, or None without
        `return_sequences`."""
        input_mask, recurrent_mask = self.cell.dropout_masks(inputs[:, 0, :], states[0], training)
        if input_mask is not None:
            inputs = inputs * tf.expand_dims(input_mask, 1)
        if training and self.implementation == "auto" and native_trainable(self.cell, self.unroll):
            return run_native_training(self.cell, inputs, states, mask, self.go_backwards, self.return_sequences)

        time_major = tf.transpose(inputs, [1, 0, 2])  # (time, batch, features)
        mask_time_major = None if mask is None else tf.transpose(mask, [1, 0])
        if self.go_backwards:
            time_major = reverse_time(time_major, 0, self.unroll)
            mask_time_major = None if mask is None else reverse_time(mask_time_major, 0, self.unroll)

        if self._uses_cudnn(mask, training):
            return _batch_major(*run_cudnn(self.cell, time_major, states, mask_time_major, training))
        if training and self.implementation == "low_memory":
            return _batch_major(*run_steps_saving_memory(
                lambda x_t, states: self.cell.step(self.cell.project_inputs(x_t), states, recurrent_mask),
                time_major, states, self.cell.output_size, mask=mask_time_major,
                return_sequences=self.return_sequences, output_dtype=self.cell.state_dtype))

        if not training and not self.unroll and self.cell.kernel is not None:
            # Inference projects each x_t inside the loop: the loop runs ahead on these independent matmuls
            # (parallel_iterations) while the recurrent half waits on h_{t-1}; measured faster than one
            # projection before the loop, which nothing overlaps (`python -m zoo.bench`).
            input_kernel = tf.cast(tf.convert_to_tensor(self.cell.kernel), self.cell.compute_dtype)
            recurrent_step = self._inference_step(recurrent_mask)

            def step(x_t, states):
                return recurrent_step(self.cell.project_inputs(x_t, input_kernel), states)

            last_output, outputs, final_states = run_steps(
                step, time_major, states, self.cell.output_size, mask=mask_time_major,
                return_sequences=self.return_sequences, output_dtype=self.cell.state_dtype)
            return _batch_major(last_output, outputs, final_states)

        time_steps, batch_size = tf.shape(time_major)[0], tf.shape(time_major)[1]
        projected = self.cell.project_inputs(tf.reshape(time_major, [-1, inputs.shape[-1]]))
        projected = tf.reshape(projected, [time_steps, batch_size, projected.shape[-1]])
        projected = tf.ensure_shape(projected, [inputs.shape[1], inputs.shape[0], None])

        if training and self._uses_loop_gradient():
            kernel = tf.cast(tf.convert_to_tensor(self.cell.recurrent_kernel), self.cell.compute_dtype)
            bias = self.cell.recurrent_bias
            last_output, outputs, final_states = run_steps_with_gradient(
                lambda projected_t, product, states: self.cell.step(projected_t, states, recurrent=product),
                projected,
                states,
                self.cell.output_size,
                kernel,
                recurrent_bias=None if bias is None else tf.convert_to_tensor(bias),
                recurrent_mask=recurrent_mask,
                mask=mask_time_major,
                return_sequences=self.return_sequences,
            )
        else:
            step = self._inference_step(recurrent_mask)

            last_output, outputs, final_states = run_steps(
                step,
                projected,
                states,
                self.cell.output_size,
                mask=mask_time_major,
                return_sequences=self.return_sequences,
                unroll=self.unroll,
            )
        return _batch_major(last_output, outputs, final_states)

    def _finish(self, last_output, outputs, final_states):
        """The layer's result from the run's: states carried (stateful), the output in the compute dtype."""
        if self.stateful:
            for variable, state in zip(self.states, final_states):
                variable.assign(state)
        # Under a mixed policy the loop ran in float32 (`cell.state_dtype`); the output leaves in the compute
        # dtype, as every Keras layer's, and the states stay float32 for whoever carries them on.
        output = tf.cast(outputs if self.return_sequences else last_output, self.compute_dtype)
        if self.return_state:
            return [output, *final_states]
        return output

    def _inference_step(self, recurrent_mask):
        """The loop's body: the cell's `step`, given U h_{t-1} computed with U read (and cast) once, before the
        loop, when the cell uses U through `recurrent_product` alone."""
        cell = self.cell
        if not cell.single_recurrent_product:
            return lambda projected_t, states: cell.step(projected_t, states, recurrent_mask)
        kernel = tf.cast(tf.convert_to_tensor(cell.recurrent_kernel), cell.compute_dtype)

        def step(projected_t, states):
            product = cell.recurrent_product(states[0], recurrent_mask, kernel=kernel)
            return cell.step(projected_t, states, recurrent_mask, recurrent=product)

        return step

    def _uses_cudnn(self, mask, training):
        """cuDNN (`zoo.layers.cudnn`) when asked for, or under "auto" where a GPU is visible and cuDNN computes the
        cell exactly; not backwards over a padded batch (its padding would come first)."""
        if self.implementation == "cudnn":
            if mask is not None and self.go_backwards:
                raise UsageError(f"{self.name}: implementation='cudnn' can't run backwards over a padded batch; use "
                                 "'auto', or reverse each sequence's valid steps yourself.")
            if training and not gpu_available():
                raise UsageError(f"{self.name}: training through cuDNN needs a GPU (its backward pass has no CPU "
                                 "kernel); on this machine use implementation='auto'. Inference and exports run "
                                 "anywhere.")
            return True
        return (self.implementation == "auto" and cudnn_compatible(self.cell) and gpu_available() and not self.unroll
                and not in_xla_context() and (mask is None or not self.go_backwards))

    def _uses_loop_gradient(self):
        if self.implementation == "auto":
            # zoo's kernels take both halves of the loop gradient, fast enough for every cell they compute.
            return ((self.cell.recomputed_gradient or native_trainable(self.cell, self.unroll))
                    and self.cell.single_recurrent_product and not self.unroll and not in_xla_context())
        return self.implementation == "loop_gradient"

    def compute_output_shape(self, inputs_shape, initial_state_shape=None):
        batch, time = inputs_shape[0], inputs_shape[1]
        size = self.cell.output_size
        output_shape = (batch, time, size) if self.return_sequences else (batch, size)
        if self.return_state:
            return [output_shape] + [(batch, state) for state in self.cell.state_sizes]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.cell.state_sizes)
        return output_mask

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "cell": keras.saving.serialize_keras_object(self.cell),
                "return_sequences": self.return_sequences,
                "return_state": self.return_state,
                "go_backwards": self.go_backwards,
                "stateful": self.stateful,
                "unroll": self.unroll,
                "implementation": self.implementation,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cell"] = keras.saving.deserialize_keras_object(config["cell"])
        return cls(**config)
