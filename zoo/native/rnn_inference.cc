// zoo's fused CPU kernel for LSTM and GRU inference: the op ZooRnnInference.
//
// The cells in zoo/cells/lstm.py and zoo/cells/gru.py are the definition; this kernel computes the
// same equations (tests/layers/test_native_inference.py proves it) without TensorFlow's per-op
// overhead in each step. Written against TensorFlow's stable C API (no C++ ABI to match) and Eigen's
// single-threaded matrix product; compiled for the machine it runs on by zoo/native/build.py.
//
// The units are split between threads; each thread owns a copy of its units' columns of W and U
// (gates side by side), multiplies x_t and h_{t-1} by them, applies its units' gate equations, and
// writes its part of h_t. A barrier per step hands the whole h_t to every thread for the next step.
// x is read and the outputs written batch-major, as the layer takes and returns them.
//
// Inputs:  x [B, T, I]; h0, c0 [B, H] (c0 unused by the GRU: any [B, H])
//          kernel [I, G], bias [G]                   (G = 4H for the LSTM, gates i f g o; 3H for the GRU, z r h)
//          recurrent_kernel [H, G], recurrent_bias [G] (added to U h_{t-1}: the GRU's b'; zeros for the LSTM)
//          mask [B, T] bool, or [0] for none: a masked step keeps the states and outputs zeros
// Attrs:   cell: "lstm" | "gru", return_sequences, go_backwards (outputs in processing order, as Keras)
// Outputs: outputs [B, T, H] (or [B, 0, H]), last_output [B, H] (zeros where no step was valid), h, c [B, H]

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <Eigen/Core>

#include "tensorflow/c/kernels.h"
#include "tensorflow/c/ops.h"
#include "tensorflow/c/tf_status.h"
#include "tensorflow/c/tf_tensor.h"

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Array = Eigen::Array<float, Eigen::Dynamic, 1>;

struct Attributes {
  bool lstm = true;
  bool return_sequences = true;
  bool go_backwards = false;
};

// Every thread waits here until all have arrived; spins briefly, then yields the core.
class Barrier {
 public:
  explicit Barrier(int count) : count_(count) {}
  void Wait() {
    const int generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_acq_rel);
      return;
    }
    for (int spin = 0; generation_.load(std::memory_order_acquire) == generation; ++spin) {
      if (spin > 4000) std::this_thread::yield();
    }
  }

 private:
  const int count_;
  std::atomic<int> arrived_{0};
  std::atomic<int> generation_{0};
};

int AvailableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

struct Problem {
  bool lstm, backwards;
  int64_t T, B, I, H, G, gates;
  const float* x;       // [B, T, I]
  const float* kernel;  // [I, G]
  const float* bias;    // [G]
  const float* recurrent_kernel;  // [H, G]
  const float* recurrent_bias;    // [G]
  const bool* mask;  // [B, T]; nullptr: every step valid
  float* outputs;    // [B, T, H]; nullptr: only the last output
  float* h[2];       // h_{t-1} and h_t, swapped each step
  float* c;
};

// Columns [begin, end) of every gate of `matrix` [rows, G], side by side: [rows, gates * (end - begin)].
RowMajor GateColumns(const float* matrix, int64_t rows, const Problem& p, int64_t begin, int64_t end) {
  const int64_t n = end - begin;
  RowMajor columns(rows, p.gates * n);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t g = 0; g < p.gates; ++g)
      std::memcpy(columns.data() + row * p.gates * n + g * n, matrix + row * p.G + g * p.H + begin, n * sizeof(float));
  return columns;
}

// One thread's share: units [begin, end) of every gate, all steps.
void RunUnits(const Problem& p, int64_t begin, int64_t end, Barrier* barrier) {
  const int64_t n = end - begin, width = p.gates * n;
  const RowMajor w = GateColumns(p.kernel, p.I, p, begin, end);
  const RowMajor u = GateColumns(p.recurrent_kernel, p.H, p, begin, end);
  const Array bias = GateColumns(p.bias, 1, p, begin, end).row(0).transpose().array();
  const Array recurrent_bias = GateColumns(p.recurrent_bias, 1, p, begin, end).row(0).transpose().array();
  RowMajor from_input(p.B, width), from_state(p.B, width);
  using Strided = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;
  for (int64_t t = 0; t < p.T; ++t) {
    const int64_t time = p.backwards ? p.T - 1 - t : t;
    const float* h_prev = p.h[t % 2];
    float* h_next = p.h[(t + 1) % 2];
    if (n > 0) {
      from_input.noalias() = Strided(p.x + time * p.I, p.B, p.I, Eigen::OuterStride<>(p.T * p.I)) * w;
      from_state.noalias() = Eigen::Map<const RowMajor>(h_prev, p.B, p.H) * u;
      for (int64_t b = 0; b < p.B; ++b) {
        const float* hp = h_prev + b * p.H + begin;
        float* hn = h_next + b * p.H + begin;
        float* output = p.outputs == nullptr ? nullptr : p.outputs + (b * p.T + t) * p.H + begin;
        if (p.mask != nullptr && !p.mask[b * p.T + time]) {
          std::memcpy(hn, hp, n * sizeof(float));
          if (output) std::memset(output, 0, n * sizeof(float));
          continue;
        }
        Eigen::Map<Array> x_part(from_input.data() + b * width, width), h_part(from_state.data() + b * width, width);
        x_part += bias;
        h_part += recurrent_bias;
        auto x_gate = [&](int index) { return x_part.segment(index * n, n); };
        auto h_gate = [&](int index) { return h_part.segment(index * n, n); };
        Eigen::Map<Array> h_out(hn, n);
        if (p.lstm) {  // gates i, f, g, o
          Eigen::Map<Array> c(p.c + b * p.H + begin, n);
          c = (x_gate(1) + h_gate(1)).logistic() * c +
              (x_gate(0) + h_gate(0)).logistic() * (x_gate(2) + h_gate(2)).tanh();
          h_out = (x_gate(3) + h_gate(3)).logistic() * c.tanh();
        } else {  // gates z, r, h; reset after the product
          const Array update = (x_gate(0) + h_gate(0)).logistic();
          const Array reset = (x_gate(1) + h_gate(1)).logistic();
          const Array candidate = (x_gate(2) + reset * h_gate(2)).tanh();
          h_out = update * Eigen::Map<const Array>(hp, n) + (1.0f - update) * candidate;
        }
        if (output) std::memcpy(output, hn, n * sizeof(float));
      }
    }
    barrier->Wait();  // h_t complete before anyone multiplies by it
  }
}

void* Create(TF_OpKernelConstruction* ctx) {
  auto* attributes = new Attributes;
  TF_Status* status = TF_NewStatus();
  char cell[8] = {0};
  TF_OpKernelConstruction_GetAttrString(ctx, "cell", cell, sizeof(cell) - 1, status);
  attributes->lstm = std::string(cell) == "lstm";
  TF_Bool value = 0;
  if (TF_GetCode(status) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "return_sequences", &value, status);
  attributes->return_sequences = value;
  if (TF_GetCode(status) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "go_backwards", &value, status);
  attributes->go_backwards = value;
  if (TF_GetCode(status) != TF_OK) TF_OpKernelConstruction_Failure(ctx, status);
  TF_DeleteStatus(status);
  return attributes;
}

void Delete(void* attributes) { delete static_cast<Attributes*>(attributes); }

constexpr int kInputs = 8;

// Why the inputs can't run: empty when they can.
std::string ShapeProblem(TF_Tensor* const* in, int gates) {
  if (TF_NumDims(in[0]) != 3) return "x must be [batch, time, features]";
  const int64_t B = TF_Dim(in[0], 0), T = TF_Dim(in[0], 1), I = TF_Dim(in[0], 2);
  if (TF_NumDims(in[1]) != 2 || TF_Dim(in[1], 0) != B) return "h0 must be [batch, units]";
  const int64_t H = TF_Dim(in[1], 1), G = gates * H;
  auto is = [](TF_Tensor* t, std::vector<int64_t> dims) {
    if (TF_NumDims(t) != static_cast<int>(dims.size())) return false;
    for (size_t i = 0; i < dims.size(); ++i) if (TF_Dim(t, i) != dims[i]) return false;
    return true;
  };
  if (!is(in[2], {B, H})) return "c0 must be [batch, units]";
  if (!is(in[3], {I, G})) return "kernel must be [features, gates * units]";
  if (!is(in[4], {G})) return "bias must be [gates * units]";
  if (!is(in[5], {H, G})) return "recurrent_kernel must be [units, gates * units]";
  if (!is(in[6], {G})) return "recurrent_bias must be [gates * units]";
  if (!is(in[7], {0}) && !is(in[7], {B, T})) return "mask must be [batch, time] or [0]";
  return "";
}

void Run(const Attributes& attributes, TF_Tensor* const* in, TF_OpKernelContext* ctx, TF_Status* status) {
  Problem p;
  p.lstm = attributes.lstm;
  p.backwards = attributes.go_backwards;
  p.gates = p.lstm ? 4 : 3;
  const std::string problem = ShapeProblem(in, p.gates);
  if (!problem.empty()) {
    TF_SetStatus(status, TF_INVALID_ARGUMENT, ("ZooRnnInference: " + problem).c_str());
    return;
  }
  p.B = TF_Dim(in[0], 0), p.T = TF_Dim(in[0], 1), p.I = TF_Dim(in[0], 2);
  p.H = TF_Dim(in[1], 1), p.G = p.gates * p.H;
  const int64_t sequence_dims[3] = {p.B, attributes.return_sequences ? p.T : 0, p.H};
  const int64_t state_dims[2] = {p.B, p.H};
  const size_t state_bytes = p.B * p.H * sizeof(float);
  TF_Tensor* out[4] = {nullptr};
  out[0] = TF_AllocateOutput(ctx, 0, TF_FLOAT, sequence_dims, 3, sequence_dims[1] * state_bytes, status);
  for (int i = 1; i < 4 && TF_GetCode(status) == TF_OK; ++i)
    out[i] = TF_AllocateOutput(ctx, i, TF_FLOAT, state_dims, 2, state_bytes, status);
  if (TF_GetCode(status) == TF_OK) {
    auto data = [&](int i) { return static_cast<const float*>(TF_TensorData(in[i])); };
    p.x = data(0), p.kernel = data(3), p.bias = data(4), p.recurrent_kernel = data(5), p.recurrent_bias = data(6);
    p.mask = TF_NumDims(in[7]) == 2 ? static_cast<const bool*>(TF_TensorData(in[7])) : nullptr;
    p.outputs = attributes.return_sequences ? static_cast<float*>(TF_TensorData(out[0])) : nullptr;
    std::vector<float> other_h(p.B * p.H);
    float* h_final = static_cast<float*>(TF_TensorData(out[2]));
    p.h[p.T % 2] = h_final;  // h_T is written to h[T % 2]
    p.h[(p.T + 1) % 2] = other_h.data();
    std::memcpy(p.h[0], TF_TensorData(in[1]), state_bytes);
    p.c = static_cast<float*>(TF_TensorData(out[3]));
    std::memcpy(p.c, TF_TensorData(in[2]), state_bytes);
    // Each thread gets at least 16 units: narrower shares lose more to the barrier than they gain.
    const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(AvailableCores(), p.H / 16)));
    Barrier barrier(threads);
    std::vector<std::thread> workers;
    for (int k = 1; k < threads; ++k)
      workers.emplace_back(RunUnits, std::cref(p), p.H * k / threads, p.H * (k + 1) / threads, &barrier);
    RunUnits(p, 0, p.H / threads, &barrier);
    for (auto& worker : workers) worker.join();
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

void Compute(void* kernel, TF_OpKernelContext* ctx) {
  TF_Status* status = TF_NewStatus();
  TF_Tensor* in[kInputs] = {nullptr};
  for (int i = 0; i < kInputs && TF_GetCode(status) == TF_OK; ++i) TF_GetInput(ctx, i, &in[i], status);
  if (TF_GetCode(status) == TF_OK) Run(*static_cast<const Attributes*>(kernel), in, ctx, status);
  if (TF_GetCode(status) != TF_OK) TF_OpKernelContext_Failure(ctx, status);
  for (auto* tensor : in) if (tensor) TF_DeleteTensor(tensor);
  TF_DeleteStatus(status);
}

void UnknownShapes(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  TF_ShapeInferenceContextSetUnknownShape(ctx, status);
}

bool Register() {
  TF_Status* status = TF_NewStatus();
  TF_OpDefinitionBuilder* op = TF_NewOpDefinitionBuilder("ZooRnnInference");
  for (const char* input : {"x: float", "h0: float", "c0: float", "kernel: float", "bias: float",
                            "recurrent_kernel: float", "recurrent_bias: float", "mask: bool"})
    TF_OpDefinitionBuilderAddInput(op, input);
  for (const char* output : {"outputs: float", "last_output: float", "h: float", "c: float"})
    TF_OpDefinitionBuilderAddOutput(op, output);
  TF_OpDefinitionBuilderAddAttr(op, "cell: {'lstm', 'gru'}");
  TF_OpDefinitionBuilderAddAttr(op, "return_sequences: bool = true");
  TF_OpDefinitionBuilderAddAttr(op, "go_backwards: bool = false");
  TF_OpDefinitionBuilderSetShapeInferenceFunction(op, &UnknownShapes);
  TF_RegisterOpDefinition(op, status);
  if (TF_GetCode(status) == TF_OK) {
    TF_KernelBuilder* builder = TF_NewKernelBuilder("ZooRnnInference", "CPU", &Create, &Compute, &Delete);
    TF_RegisterKernelBuilder("ZooRnnInference", builder, status);
  }
  const bool ok = TF_GetCode(status) == TF_OK;
  TF_DeleteStatus(status);
  return ok;
}

const bool registered = Register();

}  // namespace
