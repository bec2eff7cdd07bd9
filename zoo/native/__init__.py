"""zoo's compiled kernels: today one, `ZooRnnForward`, a fused CPU loop for the forward pass of an LSTM or GRU
(inference, and the forward half of training).

The kernel is compiled from its C++ source (`rnn_forward.cc`, beside this file) for the machine it
runs on, once, the first time a layer needs it (15–30 s with g++; `python -m zoo.native` does it
ahead). It needs a C++ compiler; where there is none, or `ZOO_NATIVE=0` is set, zoo runs TensorFlow's
loop instead and says why once. See `zoo.native.build`.
"""

from zoo.native.build import native_status, rnn_forward_op

__all__ = ["native_status", "rnn_forward_op"]
