"""zoo's compiled kernels: `ZooRnnForward`, a fused CPU loop for the forward pass of an LSTM, GRU or simple RNN
(inference, and the forward half of training), and `ZooRnnBackward`, the backward half of training.

The kernels are compiled from their C++ sources (`rnn_forward.cc`, `rnn_backward.cc`, beside this file) for the
machine they run on, once, the first time a layer needs them (20–40 s with g++; `python -m zoo.native` does it
ahead). It needs a C++ compiler; where there is none, or `ZOO_NATIVE=0` is set, zoo runs TensorFlow's
loop instead and says why once. See `zoo.native.build`.
"""

from zoo.native.build import native_status, rnn_backward_op, rnn_forward_op

__all__ = ["native_status", "rnn_backward_op", "rnn_forward_op"]
