"""zoo's compiled kernels: today one, `ZooRnnInference`, a fused CPU loop for LSTM and GRU inference.

The kernel is compiled from its C++ source (`rnn_inference.cc`, beside this file) for the machine it
runs on, once, the first time a layer needs it (about 15 s with g++; `python -m zoo.native` does it
ahead). It needs a C++ compiler; where there is none, or `ZOO_NATIVE=0` is set, zoo runs TensorFlow's
loop instead and says why once. See `zoo.native.build`.
"""

from zoo.native.build import native_status, rnn_inference_op

__all__ = ["native_status", "rnn_inference_op"]
