"""`python -m zoo.bench`: zoo's recurrent layers timed side by side with the Keras built-ins.

Every row runs a zoo layer and the matching `keras.layers` built-in (same weights, same
inputs) in one process, interleaving their calls so that a noisy machine slows both alike,
and reports the ratio zoo / built-in (below 1.0 = zoo faster). See `python -m zoo.bench --help`.
"""
