// zoo's fused CPU kernel for the forward pass of an LSTM, GRU or simple RNN: the op ZooRnnForward.
//
// The cells in zoo/cells/lstm.py, gru.py and simple_rnn.py are the definition; this kernel computes the
// same equations (tests/layers/test_native_forward.py proves it) without TensorFlow's per-op
// overhead in each step. Written against TensorFlow's stable C API (no C++ ABI to match), Eigen's
// single-threaded float32 matrix product and, for bfloat16, a small AVX512-BF16 product of its own (on a CPU without
// those instructions, Eigen's float32 product of the bfloat16-rounded values: rnn_common.h);
// compiled for the machine it runs on by zoo/native/build.py.
//
// The units are split between threads; each thread owns a copy of its units' columns of W and U
// (gates side by side), multiplies x_t and h_{t-1} by them, applies its units' gate equations, and
// writes its part of h_t. A barrier per step hands the whole h_t to every thread for the next step.
//
// The layer's inputs and outputs are batch-major, as the layer takes and returns them. Inference: x is the layer's
// input. Training (attr training): x is the projected sequence x_t W (the op adds b), time-major, and the op also
// returns what the backward kernel (rnn_backward.cc) reads going back: each step's products (below) and the states
// before each step, time-major too, at the step's position in the sequence (with go_backwards too, so that they line
// up with x and its gradient). Time-major records keep a step's rows side by side: batch-major, its B rows lay
// T·G floats apart, a multiple of 4 KiB that put them all on the same few L1 sets (training at 64 units 1.3×
// slower).
//
// Inputs:  x [B, T, I] (training: [T, B, G]); h0, c0 [B, H] (c0 unused by the GRU: any [B, H])
//          kernel [I, G] (unused in training), bias [G] (added to x_t W)   G = 4H for the LSTM (gates i f g o), 3H for the GRU (z r h), H for the simple RNN
//          recurrent_kernel [H, G], recurrent_bias [G] (added to U h_{t-1}: the GRU's b'; zeros for the LSTM)
//          mask [B, T] bool, or [0] for none: a masked step keeps the states and outputs zeros
//          kept_inputs [T, B, F], or [0]: training, the layer's inputs x_t, kept in front of h_{t-1} in h_before
//          (rows [x_t, h_{t-1}]: one matrix product then gives the gradients of W and U together)
// Attrs:   cell: "lstm" | "gru" | "simple" (tanh), return_sequences, go_backwards (outputs in processing order, as Keras),
//          bfloat16_products: multiply bfloat16-rounded x, h, W and U, summing in float32 (a mixed_bfloat16 policy;
//          AVX512-BF16 dot products where the CPU has them); gates and states stay float32 either way,
//          training
// Outputs: outputs [B, T, H] (T = 0 without return_sequences), last_output [B, H] (zeros where no step was
//          valid), h, c [B, H]; training only, else empty: products [T, B, G] (the GRU: U h_{t-1} + b'; the
//          others: the whole pre-activation z = x_t W + b + U h_{t-1} + b', unwritten at masked steps),
//          h_before [T, B, F + H], c_before [T, B, H] (c_before empty but for the LSTM)

#include <string>

#include "op_glue.h"
#include "rnn_common.h"

namespace {

using namespace zoo_native;

struct Attributes : CellAttributes {
  bool return_sequences = true;
  bool go_backwards = false;
  bool training = false;

  void Read(TF_OpKernelConstruction* ctx, TF_Status* status) {
    CellAttributes::Read(ctx, status);
    return_sequences = BoolAttribute(ctx, "return_sequences", status);
    go_backwards = BoolAttribute(ctx, "go_backwards", status);
    training = BoolAttribute(ctx, "training", status);
  }
};

struct Problem : CellAttributes {  // the cell, and bfloat16 products or not
  bool backwards, training;
  int64_t T, B, I, H, G, gates;
  const float* x;       // [B, T, I]; training: x W, [T, B, G]
  const float* kernel;  // [I, G]
  const float* bias;    // [G]
  const float* recurrent_kernel;  // [H, G]
  const float* recurrent_bias;    // [G]
  const bool* mask;  // [B, T]; nullptr: every step valid
  const float* kept_inputs;  // [T, B, F]; nullptr: none (F = 0)
  int64_t F;
  float* outputs;    // [B, T, H]; nullptr: only the last output
  float* h[2];       // h_{t-1} and h_t, swapped each step
  float* c;
  float* products;   // training: U h_{t-1} + b' (the GRU) or z [T, B, G], and the states before each step
  float* h_before;  // [T, B, F + H]: x_t (F columns), then h_{t-1}
  float* c_before;
};

// Columns [begin, end) of every gate of `matrix` [rows, G], side by side: [rows, gates * (end - begin)].
void GateColumns(const float* matrix, int64_t rows, const Problem& p, int64_t begin, int64_t end, RowMajor* columns) {
  const int64_t n = end - begin;
  columns->resize(rows, p.gates * n);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t g = 0; g < p.gates; ++g)
      std::memcpy(columns->data() + row * p.gates * n + g * n, matrix + row * p.G + g * p.H + begin, n * sizeof(float));
}

// One thread's share: units [begin, end) of every gate, all steps.
void RunUnits(const Problem& p, int64_t begin, int64_t end, Barrier* barrier) {
  const int64_t n = end - begin, width = p.gates * n;
  // Kept by the thread from call to call: reused memory, no fresh pages to fault in.
  thread_local RowMajor w, u, bias_row, recurrent_bias_row;
  thread_local PairedBf16 w_pairs, u_pairs;
  thread_local std::vector<float> from_input, from_state;
  thread_local Bf16Rows x_pairs, h_pairs;
  thread_local Scratch scratch;
  if (!p.training) GateColumns(p.kernel, p.I, p, begin, end, &w);
  GateColumns(p.recurrent_kernel, p.H, p, begin, end, &u);
  GateColumns(p.bias, 1, p, begin, end, &bias_row);
  GateColumns(p.recurrent_bias, 1, p, begin, end, &recurrent_bias_row);
  const Eigen::Map<const Array> bias(bias_row.data(), width);
  const Eigen::Map<const Array> recurrent_bias(recurrent_bias_row.data(), width);
  if (p.bfloat16) PairRows(u, &u_pairs);
  if (p.bfloat16 && !p.training) PairRows(w, &w_pairs);
  // Each product's row stride: the bfloat16 products fill whole 64-column blocks.
  const int64_t x_stride = p.bfloat16 ? w_pairs.columns : width, h_stride = p.bfloat16 ? u_pairs.columns : width;
  from_input.resize(p.training ? 0 : p.B * x_stride);
  from_state.resize(p.B * h_stride);
  scratch.Resize(3, n);
  // Gate `index` of a row whose gates lie `stride` apart (p.H in the sequences, n in the thread's own products).
  auto gate = [n](const float* row, int64_t stride, int index) { return Eigen::Map<const Array>(row + index * stride, n); };
  using Strided = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;
  for (int64_t t = 0; t < p.T; ++t) {
    const int64_t time = p.backwards ? p.T - 1 - t : t;
    const float* h_prev = p.h[t % 2];
    float* h_next = p.h[(t + 1) % 2];
    if (n > 0) {
      if (p.bfloat16) {
        if (!p.training) {
          PairColumns(p.x + time * p.I, p.B, p.I, p.T * p.I, &x_pairs);
          ProductBf16(x_pairs, p.B, w_pairs, from_input.data());
        }
        PairColumns(h_prev, p.B, p.H, p.H, &h_pairs);
        ProductBf16(h_pairs, p.B, u_pairs, from_state.data());
      } else {
        if (!p.training)
          Eigen::Map<RowMajor>(from_input.data(), p.B, width).noalias() =
              Strided(p.x + time * p.I, p.B, p.I, Eigen::OuterStride<>(p.T * p.I)) * w;
        Eigen::Map<RowMajor>(from_state.data(), p.B, width).noalias() = Eigen::Map<const RowMajor>(h_prev, p.B, p.H) * u;
      }
      for (int64_t b = 0; b < p.B; ++b) {
        const float* hp = h_prev + b * p.H + begin;
        float* hn = h_next + b * p.H + begin;
        const int64_t record = time * p.B + b;  // training: the step's row in x and in what is kept; output at t
        const bool valid = p.mask == nullptr || p.mask[b * p.T + time];
        float* output = p.outputs == nullptr ? nullptr : p.outputs + (b * p.T + t) * p.H + begin;
        float* h_part = from_state.data() + b * h_stride;  // U h_{t-1}, then + b'
        Eigen::Map<Array>(h_part, width) += recurrent_bias;
        if (p.training) {  // what the backward pass recomputes the step from (and, below, the products)
          float* kept = p.h_before + record * (p.F + p.H);
          std::memcpy(kept + p.F + begin, hp, n * sizeof(float));
          if (begin == 0 && p.F > 0) std::memcpy(kept, p.kept_inputs + record * p.F, p.F * sizeof(float));
          if (p.lstm) std::memcpy(p.c_before + record * p.H + begin, p.c + b * p.H + begin, n * sizeof(float));
        }
        if (!valid) {
          std::memcpy(hn, hp, n * sizeof(float));
          if (output) std::memset(output, 0, n * sizeof(float));
          continue;
        }
        // x_t W of gate `index`: given (training: x is the projected sequence), or computed above; b added here.
        const float* x_row = p.training ? p.x + record * p.G + begin : from_input.data() + b * x_stride;
        const int64_t x_gates = p.training ? p.H : n;
        auto x_gate = [&](int index) { return gate(x_row, x_gates, index) + bias.segment(index * n, n); };
        auto h_gate = [&](int index) { return gate(h_part, n, index); };  // U h_{t-1} + b'
        // The LSTM's and the simple RNN's gates read z = x_t W + b + U h_{t-1} + b' alone: summed once, kept whole
        // for the backward pass (written straight into the kept products). The GRU's candidate scales its
        // U h_{t-1} + b' by the reset gate: that product is kept as it is.
        float* z_row = p.training ? p.products + record * p.G + begin : h_part;
        const int64_t z_gates = p.training ? p.H : n;
        if (!p.gru()) {
          for (int g = 0; g < p.gates; ++g)
            Eigen::Map<Array>(z_row + g * z_gates, n) = h_gate(g) + x_gate(g);  // inference: over U h_{t-1} + b'
        } else if (p.training) {
          for (int64_t g = 0; g < p.gates; ++g) std::memcpy(z_row + g * p.H, h_part + g * n, n * sizeof(float));
        }
        auto z_gate = [&](int index) { return gate(z_row, z_gates, index); };
        // Transcendentals are evaluated into aligned scratch: assigned straight into a buffer, Eigen would take
        // the scalar path for as many leading elements as the buffer's address is off alignment, and the same
        // inputs would give results one rounding apart from call to call.
        Eigen::Map<Array> h_out(hn, n);
        if (p.lstm) {  // gates i, f, g, o
          Eigen::Map<Array> c(p.c + b * p.H + begin, n);
          auto c_new = scratch[0], h_new = scratch[1];
          c_new = z_gate(1).logistic() * c + z_gate(0).logistic() * z_gate(2).tanh();
          h_new = z_gate(3).logistic() * c_new.tanh();
          c = c_new;
          h_out = h_new;
        } else if (p.simple) {  // h_t = tanh(x_t W + b + U h_{t-1})
          auto h_new = scratch[0];
          h_new = z_gate(0).tanh();
          h_out = h_new;
        } else {  // gates z, r, h; reset after the product
          auto update = scratch[0], reset = scratch[1], candidate = scratch[2];
          update = (x_gate(0) + h_gate(0)).logistic();
          reset = (x_gate(1) + h_gate(1)).logistic();
          candidate = (x_gate(2) + reset * h_gate(2)).tanh();
          h_out = update * Eigen::Map<const Array>(hp, n) + (1.0f - update) * candidate;
        }
        if (output) std::memcpy(output, hn, n * sizeof(float));
      }
    }
    barrier->Wait();  // h_t complete before anyone multiplies by it
  }
}

constexpr int kInputs = 9;

// Why the inputs can't run: empty when they can.
std::string ShapeProblem(TF_Tensor* const* in, int gates, bool training) {
  if (TF_NumDims(in[0]) != 3) return training ? "x must be [time, batch, gates * units]" : "x must be [batch, time, features]";
  const int64_t B = TF_Dim(in[0], training ? 1 : 0), T = TF_Dim(in[0], training ? 0 : 1), I = TF_Dim(in[0], 2);
  if (TF_NumDims(in[1]) != 2 || TF_Dim(in[1], 0) != B) return "h0 must be [batch, units]";
  const int64_t H = TF_Dim(in[1], 1), G = gates * H;
  if (training && I != G) return "x must be [time, batch, gates * units]";
  auto is = HasShape;
  if (!is(in[2], {B, H})) return "c0 must be [batch, units]";
  if (!training && !is(in[3], {I, G})) return "kernel must be [features, gates * units]";
  if (!is(in[4], {G})) return "bias must be [gates * units]";
  if (!is(in[5], {H, G})) return "recurrent_kernel must be [units, gates * units]";
  if (!is(in[6], {G})) return "recurrent_bias must be [gates * units]";
  if (!is(in[7], {0}) && !is(in[7], {B, T})) return "mask must be [batch, time] or [0]";
  if (!is(in[8], {0}) && !(training && TF_NumDims(in[8]) == 3 && TF_Dim(in[8], 0) == T && TF_Dim(in[8], 1) == B))
    return "kept_inputs must be [time, batch, features] (training only) or [0]";
  return "";
}

void Run(const Attributes& attributes, TF_Tensor* const* in, TF_OpKernelContext* ctx, TF_Status* status) {
  Problem p;
  static_cast<CellAttributes&>(p) = attributes;
  p.backwards = attributes.go_backwards;
  p.training = attributes.training;
  p.gates = attributes.gates();
  if (Refused("ZooRnnForward", ShapeProblem(in, p.gates, p.training), status)) return;
  p.B = TF_Dim(in[0], p.training ? 1 : 0), p.T = TF_Dim(in[0], p.training ? 0 : 1);
  p.I = p.training ? 0 : TF_Dim(in[0], 2);
  p.H = TF_Dim(in[1], 1), p.G = p.gates * p.H;
  p.F = TF_NumDims(in[8]) == 3 ? TF_Dim(in[8], 2) : 0;
  const int64_t steps = attributes.return_sequences ? p.T : 0;
  const int64_t state_dims[2] = {p.B, p.H};
  const size_t state_bytes = p.B * p.H * sizeof(float);
  // outputs, last_output, h, c; then (training only, else empty) products, h_before, c_before
  std::vector<std::vector<int64_t>> shapes = {
      {p.B, steps, p.H}, {p.B, p.H}, {p.B, p.H}, {p.B, p.H},
      {p.training ? p.T : 0, p.B, p.G}, {p.training ? p.T : 0, p.B, p.F + p.H}, {p.training && p.lstm ? p.T : 0, p.B, p.H}};
  TF_Tensor* out[7] = {nullptr};
  AllocateOutputs(ctx, shapes, out, status);
  if (TF_GetCode(status) == TF_OK) {
    auto data = [&](int i) { return static_cast<const float*>(TF_TensorData(in[i])); };
    p.x = data(0), p.kernel = data(3), p.bias = data(4), p.recurrent_kernel = data(5), p.recurrent_bias = data(6);
    p.mask = TF_NumDims(in[7]) == 2 ? static_cast<const bool*>(TF_TensorData(in[7])) : nullptr;
    p.kept_inputs = TF_NumDims(in[8]) == 3 ? data(8) : nullptr;
    p.outputs = attributes.return_sequences ? static_cast<float*>(TF_TensorData(out[0])) : nullptr;
    p.products = static_cast<float*>(TF_TensorData(out[4]));
    p.h_before = static_cast<float*>(TF_TensorData(out[5]));
    p.c_before = static_cast<float*>(TF_TensorData(out[6]));
    std::vector<float> other_h(p.B * p.H);
    float* h_final = static_cast<float*>(TF_TensorData(out[2]));
    p.h[p.T % 2] = h_final;  // h_T is written to h[T % 2]
    p.h[(p.T + 1) % 2] = other_h.data();
    std::memcpy(p.h[0], TF_TensorData(in[1]), state_bytes);
    p.c = static_cast<float*>(TF_TensorData(out[3]));
    std::memcpy(p.c, TF_TensorData(in[2]), state_bytes);
    const int64_t step_multiply_adds = p.B * ((p.training ? 0 : p.I) + p.H) * p.G;
    RunShares(ThreadCount(step_multiply_adds, p.H), p.H,
              [&p](int64_t begin, int64_t end, Barrier* barrier) { RunUnits(p, begin, end, barrier); });
    // The last output: h_T, or zeros for a row with no valid step (as zoo's loop).
    float* last = static_cast<float*>(TF_TensorData(out[1]));
    std::memcpy(last, h_final, state_bytes);
    for (int64_t b = 0; p.mask != nullptr && b < p.B; ++b) {
      if (std::none_of(p.mask + b * p.T, p.mask + (b + 1) * p.T, [](bool valid) { return valid; }))
        std::memset(last + b * p.H, 0, p.H * sizeof(float));
    }
  }
  for (auto* tensor : out) if (tensor) TF_DeleteTensor(tensor);
}

const bool registered = RegisterOp(
    "ZooRnnForward",
    {"x: float", "h0: float", "c0: float", "kernel: float", "bias: float", "recurrent_kernel: float",
     "recurrent_bias: float", "mask: bool", "kept_inputs: float"},
    {"outputs: float", "last_output: float", "h: float", "c: float", "products: float", "h_before: float",
     "c_before: float"},
    {"cell: {'lstm', 'gru', 'simple'}",
     "return_sequences: bool = true",
     "go_backwards: bool = false",
     "bfloat16_products: bool = false",
     "training: bool = false"},
    &CreateAttributes<Attributes>, &ComputeOp<kInputs, Attributes, &Run>, &DeleteAttributes<Attributes>);

}  // namespace
