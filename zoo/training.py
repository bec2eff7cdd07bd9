"""Training helpers shared by models and recipes.

Backpropagation through time multiplies many Jacobians, so gradients can explode; zoo clips
the global gradient norm by default (Pascanu et al., 2013).
"""

import keras

DEFAULT_CLIPNORM = 1.0


def default_optimizer(learning_rate=1e-3, clipnorm=DEFAULT_CLIPNORM):
    """Adam with gradient clipping by global norm, zoo's default for recurrent models.

    Args:
        learning_rate: float, default 1e-3.
        clipnorm: float or None, default 1.0. Gradients are rescaled so that their global norm
            is at most `clipnorm`; None turns clipping off.

    Returns:
        A `keras.optimizers.Adam`.
    """
    if clipnorm is not None and not clipnorm > 0:
        raise ValueError(f"`clipnorm` must be a positive float or None; received clipnorm={clipnorm!r}.")
    return keras.optimizers.Adam(learning_rate=learning_rate, global_clipnorm=clipnorm)
