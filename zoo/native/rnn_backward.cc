// zoo's fused CPU kernel for the backward pass of an LSTM, GRU or simple RNN: the op ZooRnnBackward.
//
// The backward half of zoo's loop gradient (zoo/layers/recurrent_gradient.py), for the cells ZooRnnForward
// runs: from what the forward pass kept (each step's projected input x_t W, its product U h_{t-1} + b' and
// the states before it), it goes back through time computing each step's pre-activation gradients and passing
// the state gradients one step back, g_t Uᵀ. It sums the biases' gradients on the way (each thread its units'
// columns); the weight matrices' gradients are left to one large matrix product each, after the loop, in
// TensorFlow (dU = Σ_t h_{t-1}ᵀ g_t, dW = Σ_t x_tᵀ g_t).
//
// The derivatives are the chain rule through the equations of zoo/cells/lstm.py, gru.py and simple_rnn.py, which
// stay the definition: tests/layers/test_native_backward.py checks this kernel against TensorFlow's
// derivatives of the cells' own `step`.
//
// The units are split between threads as in the forward kernel. Each step, a thread computes its units'
// gradients (all gates), a barrier, then its units' share of the state gradient g_t Uᵀ (its units' rows of U).
//
// What ZooRnnForward kept in training, and the gradients of the projected sequence, are time-major, each step at its
// position in the sequence; the outputs' gradients are batch-major, as the layer's outputs.
//
// Inputs:  projected (x_t W; read by the GRU only: [0] for the others), products [T, B, G] (as the forward pass kept them: the GRU's
//          U h_{t-1} + b', the others' whole pre-activation z)   G = 4H (LSTM: i f g o), 3H (GRU: z r h, reset after the product) or H (simple RNN, tanh)
//          h_before [T, B, H] (read by the GRU only: [0] for the others), c_before [T, B, H] (read by the LSTM only)
//          recurrent_kernel [H, G], bias [G] (b, added to x_t W as in the forward pass; read by the GRU only)
//          mask [B, T] bool, or [0]: a masked step keeps the states, outputs zeros, leaves the last output
//          d_outputs [B, T, H] (in processing order, as the outputs), or [0] when only the last output was returned
//          d_last, d_h, d_c [B, H]: the gradients of the last output and of the final states
// Attrs:   cell: "lstm" | "gru" | "simple", bfloat16_products (g_t Uᵀ from bfloat16-rounded g_t and U summed in float32,
//          as the forward products of a mixed_bfloat16 policy), go_backwards (the forward pass ran from the last step)
// Outputs: d_projected [T, B, G]; d_products [T, B, G] for the GRU (its candidate's product is scaled by the
//          reset gate; [0, B, G] for the others, whose two are the same); d_h0, d_c0 [B, H];
//          d_bias = Σ d_projected, d_recurrent_bias = Σ d_products [G] (the same for all but the GRU)

#include <string>

#include "op_glue.h"
#include "rnn_common.h"

namespace {

using namespace zoo_native;

struct Attributes : CellAttributes {
  bool go_backwards = false;

  void Read(TF_OpKernelConstruction* ctx, TF_Status* status) {
    CellAttributes::Read(ctx, status);
    go_backwards = BoolAttribute(ctx, "go_backwards", status);
  }
};

struct Problem : CellAttributes {  // the cell, and bfloat16 products or not
  bool backwards;
  int64_t T, B, H, G, gates;
  const float* projected;  // [T, B, G]
  const float* products;   // [T, B, G]
  const float* h_before;   // [T, B, H]
  const float* c_before;   // [T, B, H]
  const float* recurrent_kernel;  // [H, G]
  const float* bias;  // [G]
  const bool* mask;        // [B, T]; nullptr: every step valid
  const float* d_outputs;  // [B, T, H]; nullptr: none
  const float* d_last;
  const float* d_h;
  const float* d_c;
  float* d_projected;  // [T, B, G]
  float* d_products;   // [T, B, G]; the GRU only
  float* d_h0;
  float* d_c0;
  float* d_bias;            // [G]
  float* d_recurrent_bias;  // [G]
};

// One thread's share: units [begin, end), all steps, last to first.
void RunUnits(const Problem& p, int64_t begin, int64_t end, Barrier* barrier) {
  const int64_t n = end - begin;
  // The rows of U that belong to these units, transposed: [G, n], so that g_t Uᵀ's columns for them are g_t · this.
  // Kept by the thread from call to call: reused memory, no fresh pages to fault in.
  thread_local RowMajor u_transposed, d_h, d_c, d_last;
  thread_local PairedBf16 u_pairs;
  thread_local std::vector<float> product;
  thread_local Array bias, d_bias, d_recurrent_bias;  // these units' columns, gates side by side
  thread_local Bf16Rows g_pairs;
  thread_local Scratch scratch;
  u_transposed.resize(p.G, n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t g = 0; g < p.G; ++g) u_transposed(g, j) = p.recurrent_kernel[(begin + j) * p.G + g];
  if (p.bfloat16) PairRows(u_transposed, &u_pairs);
  const int64_t product_stride = p.bfloat16 ? u_pairs.columns : n;
  product.resize(p.B * product_stride);
  const int64_t width = p.gates * n;
  bias.resize(p.gru() ? width : 0);  // b, added to x_t W: read by the GRU alone
  for (int64_t g = 0; p.gru() && g < p.gates; ++g)
    std::memcpy(bias.data() + g * n, p.bias + g * p.H + begin, n * sizeof(float));
  d_bias.setZero(width), d_recurrent_bias.setZero(width);
  scratch.Resize(8, n);
  // The gradients flowing into step t from after it, for these units: of h_t, c_t and of the last output so far.
  d_h.resize(p.B, n), d_c.resize(p.B, n), d_last.resize(p.B, n);
  for (int64_t b = 0; b < p.B; ++b) {
    std::memcpy(d_h.row(b).data(), p.d_h + b * p.H + begin, n * sizeof(float));
    if (p.lstm) std::memcpy(d_c.row(b).data(), p.d_c + b * p.H + begin, n * sizeof(float));
    std::memcpy(d_last.row(b).data(), p.d_last + b * p.H + begin, n * sizeof(float));
  }
  const float* recurrent_gradients = p.gru() ? p.d_products : p.d_projected;  // what multiplies Uᵀ
  for (int64_t t = p.T - 1; t >= 0; --t) {
    const int64_t time = p.backwards ? p.T - 1 - t : t;  // the step's position in the sequence
    if (n > 0) {
      for (int64_t b = 0; b < p.B; ++b) {
        const int64_t row = time * p.B + b;  // the step's row in the records
        float* d_x = p.d_projected + row * p.G + begin;
        float* d_u = p.gru() ? p.d_products + row * p.G + begin : nullptr;
        if (p.mask != nullptr && !p.mask[b * p.T + time]) {  // the states and the last output pass through
          for (int64_t g = 0; g < p.gates; ++g) {
            std::memset(d_x + g * p.H, 0, n * sizeof(float));
            if (d_u) std::memset(d_u + g * p.H, 0, n * sizeof(float));
          }
          continue;
        }
        Eigen::Map<Array> dh(d_h.row(b).data(), n), dc(d_c.row(b).data(), n), dl(d_last.row(b).data(), n);
        auto d_output = scratch[0], values = scratch[1];  // and a gate's gradient before it is written
        d_output = dh + dl;  // the output is h_t, also the last output so far
        dl.setZero();
        if (p.d_outputs != nullptr) d_output += Eigen::Map<const Array>(p.d_outputs + (b * p.T + t) * p.H + begin, n);
        const float* u_row = p.products + row * p.G + begin;
        auto u_gate = [&](int index) { return Eigen::Map<const Array>(u_row + index * p.H, n); };
        auto z_gate = u_gate;  // the LSTM and the simple RNN kept z whole
        const float* x_row = p.gru() ? p.projected + row * p.G + begin : nullptr;  // x_t W, read in place
        auto x_gate = [&](int index) {  // x_t W + b of these units: the GRU only
          return Eigen::Map<const Array>(x_row + index * p.H, n) + bias.segment(index * n, n);
        };
        // A gate's gradient: written to the sequence's row, and summed into its bias' gradient.
        auto write = [&](float* to, int index, const auto& expression) {
          values = expression;
          std::memcpy(to + index * p.H, values.data(), n * sizeof(float));
          (to == d_x ? d_bias : d_recurrent_bias).segment(index * n, n) += values;
        };
        if (p.lstm) {  // c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
          const Eigen::Map<const Array> c_before(p.c_before + row * p.H + begin, n);
          auto input = scratch[2], forget = scratch[3], candidate = scratch[4], out = scratch[5];
          auto cell_tanh = scratch[6], d_cell = scratch[7];
          input = z_gate(0).logistic(), forget = z_gate(1).logistic();
          candidate = z_gate(2).tanh(), out = z_gate(3).logistic();
          cell_tanh = (forget * c_before + input * candidate).tanh();
          d_cell = dc + d_output * out * (1.0f - cell_tanh.square());
          write(d_x, 0, d_cell * candidate * input * (1.0f - input));
          write(d_x, 1, d_cell * c_before * forget * (1.0f - forget));
          write(d_x, 2, d_cell * input * (1.0f - candidate.square()));
          write(d_x, 3, d_output * cell_tanh * out * (1.0f - out));
          dc = d_cell * forget;
          dh.setZero();  // h_{t-1} reaches h_t through U only: g_t Uᵀ, after the barrier
        } else if (p.simple) {  // h_t = tanh(x_t W + b + U h_{t-1})
          auto h = scratch[2];
          h = z_gate(0).tanh();
          write(d_x, 0, d_output * (1.0f - h.square()));
          dh.setZero();  // through U only, as the LSTM's
        } else {  // h_t = z h_{t-1} + (1 - z) n,  n = tanh(x_n + r (U_n h_{t-1} + b'_n))
          const Eigen::Map<const Array> h_before(p.h_before + row * p.H + begin, n);
          auto update = scratch[2], reset = scratch[3], candidate = scratch[4];
          auto d_candidate = scratch[5], d_update = scratch[6], d_reset = scratch[7];
          update = (x_gate(0) + u_gate(0)).logistic(), reset = (x_gate(1) + u_gate(1)).logistic();
          candidate = (x_gate(2) + reset * u_gate(2)).tanh();
          d_candidate = d_output * (1.0f - update) * (1.0f - candidate.square());
          d_update = d_output * (h_before - candidate) * update * (1.0f - update);
          d_reset = d_candidate * u_gate(2) * reset * (1.0f - reset);
          write(d_x, 0, d_update);
          write(d_x, 1, d_reset);
          write(d_x, 2, d_candidate);
          write(d_u, 0, d_update);
          write(d_u, 1, d_reset);
          write(d_u, 2, d_candidate * reset);
          dh = d_output * update;  // plus g_t Uᵀ, after the barrier
        }
      }
    }
    barrier->Wait();  // step t's gradients of every unit written before anyone multiplies them by Uᵀ
    if (n > 0) {
      const float* g = recurrent_gradients + time * p.B * p.G;  // step t's rows
      if (p.bfloat16) {
        PairColumns(g, p.B, p.G, p.G, &g_pairs);
        ProductBf16(g_pairs, p.B, u_pairs, product.data());
      } else {
        Eigen::Map<RowMajor>(product.data(), p.B, n).noalias() = Eigen::Map<const RowMajor>(g, p.B, p.G) * u_transposed;
      }
      // A masked row's gradients are zeros, so adding its product leaves the passed-through gradient as it was.
      for (int64_t b = 0; b < p.B; ++b)
        d_h.row(b) += Eigen::Map<const Eigen::RowVectorXf>(product.data() + b * product_stride, n);
    }
  }
  for (int64_t b = 0; b < p.B; ++b) {
    std::memcpy(p.d_h0 + b * p.H + begin, d_h.row(b).data(), n * sizeof(float));
    if (p.lstm) std::memcpy(p.d_c0 + b * p.H + begin, d_c.row(b).data(), n * sizeof(float));
  }
  const Array& recurrent_sums = p.gru() ? d_recurrent_bias : d_bias;
  for (int64_t g = 0; g < p.gates; ++g) {
    std::memcpy(p.d_bias + g * p.H + begin, d_bias.data() + g * n, n * sizeof(float));
    std::memcpy(p.d_recurrent_bias + g * p.H + begin, recurrent_sums.data() + g * n, n * sizeof(float));
  }
}

constexpr int kInputs = 11;

// Why the inputs can't run: empty when they can.
std::string ShapeProblem(TF_Tensor* const* in, const CellAttributes& cell) {
  const int gates = cell.gates();
  if (TF_NumDims(in[1]) != 3 || TF_Dim(in[1], 2) % gates != 0) return "products must be [time, batch, gates * units]";
  const int64_t T = TF_Dim(in[1], 0), B = TF_Dim(in[1], 1), G = TF_Dim(in[1], 2), H = G / gates;
  auto is = HasShape;
  if (cell.gru() && !is(in[0], {T, B, G})) return "projected must be [time, batch, gates * units], as products";
  if (cell.gru() && !is(in[2], {T, B, H})) return "h_before must be [time, batch, units]";
  if (cell.lstm && !is(in[3], {T, B, H})) return "c_before must be [time, batch, units]";
  if (!is(in[4], {H, G})) return "recurrent_kernel must be [units, gates * units]";
  if (!is(in[5], {G})) return "bias must be [gates * units]";
  if (!is(in[6], {0}) && !is(in[6], {B, T})) return "mask must be [batch, time] or [0]";
  if (!is(in[7], {0}) && !is(in[7], {B, T, H})) return "d_outputs must be [batch, time, units] or [0]";
  if (!is(in[8], {B, H})) return "d_last must be [batch, units]";
  if (!is(in[9], {B, H})) return "d_h must be [batch, units]";
  if (!is(in[10], {B, H})) return "d_c must be [batch, units]";
  return "";
}

void Run(const Attributes& attributes, TF_Tensor* const* in, TF_OpKernelContext* ctx, TF_Status* status) {
  Problem p;
  static_cast<CellAttributes&>(p) = attributes;
  p.backwards = attributes.go_backwards;
  p.gates = attributes.gates();
  if (Refused("ZooRnnBackward", ShapeProblem(in, p), status)) return;
  p.T = TF_Dim(in[1], 0), p.B = TF_Dim(in[1], 1), p.G = TF_Dim(in[1], 2), p.H = p.G / p.gates;
  // d_projected, d_products, d_h0, d_c0, d_bias, d_recurrent_bias
  std::vector<std::vector<int64_t>> shapes = {{p.T, p.B, p.G}, {p.gru() ? p.T : 0, p.B, p.G}, {p.B, p.H},
                                              {p.B, p.H}, {p.G}, {p.G}};
  TF_Tensor* out[6] = {nullptr};
  AllocateOutputs(ctx, shapes, out, status);
  if (TF_GetCode(status) == TF_OK) {
    auto data = [&](int i) { return static_cast<const float*>(TF_TensorData(in[i])); };
    p.projected = data(0), p.products = data(1), p.h_before = data(2), p.c_before = data(3);
    p.recurrent_kernel = data(4), p.bias = data(5);
    p.mask = TF_NumDims(in[6]) == 2 ? static_cast<const bool*>(TF_TensorData(in[6])) : nullptr;
    p.d_outputs = TF_NumDims(in[7]) == 3 ? data(7) : nullptr;
    p.d_last = data(8), p.d_h = data(9), p.d_c = data(10);
    auto output = [&](int i) { return static_cast<float*>(TF_TensorData(out[i])); };
    p.d_projected = output(0), p.d_products = output(1), p.d_h0 = output(2), p.d_c0 = output(3);
    p.d_bias = output(4), p.d_recurrent_bias = output(5);
    if (!p.lstm) std::memset(p.d_c0, 0, p.B * p.H * sizeof(float));
    RunShares(ThreadCount(p.B * p.H * p.G, p.H), p.H,
              [&p](int64_t begin, int64_t end, Barrier* barrier) { RunUnits(p, begin, end, barrier); });
  }
  for (auto* tensor : out) if (tensor) TF_DeleteTensor(tensor);
}

const bool registered = RegisterOp(
    "ZooRnnBackward",
    {"projected: float", "products: float", "h_before: float", "c_before: float", "recurrent_kernel: float",
     "bias: float", "mask: bool", "d_outputs: float", "d_last: float", "d_h: float", "d_c: float"},
    {"d_projected: float", "d_products: float", "d_h0: float", "d_c0: float", "d_bias: float",
     "d_recurrent_bias: float"},
    {"cell: {'lstm', 'gru', 'simple'}",
     "bfloat16_products: bool = false",
     "go_backwards: bool = false"},
    &CreateAttributes<Attributes>, &ComputeOp<kInputs, Attributes, &Run>, &DeleteAttributes<Attributes>);

}  // namespace
