// zoo's fused CPU kernel for the forward pass of an LSTM or GRU: the op ZooRnnForward.
//
// The cells in zoo/cells/lstm.py and zoo/cells/gru.py are the definition; this kernel computes the
// same equations (tests/layers/test_native_forward.py proves it) without TensorFlow's per-op
// overhead in each step. Written against TensorFlow's stable C API (no C++ ABI to match), Eigen's
// single-threaded float32 matrix product and, for bfloat16, a small AVX512-BF16 product of its own;
// compiled for the machine it runs on by zoo/native/build.py.
//
// The units are split between threads; each thread owns a copy of its units' columns of W and U
// (gates side by side), multiplies x_t and h_{t-1} by them, applies its units' gate equations, and
// writes its part of h_t. A barrier per step hands the whole h_t to every thread for the next step.
//
// Inference: x is read and the outputs written batch-major, as the layer takes and returns them.
// Training (attr training): x is the projected sequence x_t W + b, time-major [T, B, G]; the outputs are
// time-major and the op also returns what zoo's loop gradient (zoo/layers/recurrent_gradient.py)
// reads going back: each step's U h_{t-1} + b' and the states before each step.
//
// Inputs:  x [B, T, I] (training: [T, B, G]); h0, c0 [B, H] (c0 unused by the GRU: any [B, H])
//          kernel [I, G], bias [G] (unused in training)   G = 4H for the LSTM (gates i f g o), 3H for the GRU (z r h)
//          recurrent_kernel [H, G], recurrent_bias [G] (added to U h_{t-1}: the GRU's b'; zeros for the LSTM)
//          mask [B, T] bool, or [0] for none: a masked step keeps the states and outputs zeros
// Attrs:   cell: "lstm" | "gru", return_sequences, go_backwards (outputs in processing order, as Keras),
//          bfloat16_products: multiply bfloat16-rounded x, h, W and U, summing in float32 (a mixed_bfloat16 policy;
//          AVX512-BF16 dot products where the CPU has them); gates and states stay float32 either way,
//          training
// Outputs: outputs [B, T, H] (training [T, B, H]; T = 0 without return_sequences), last_output [B, H] (zeros
//          where no step was valid), h, c [B, H]; training only, else empty: products [T, B, G],
//          h_before, c_before [T, B, H] (c_before empty for the GRU)

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <Eigen/Core>
#include <immintrin.h>

#include "tensorflow/c/kernels.h"
#include "tensorflow/c/ops.h"
#include "tensorflow/c/tf_status.h"
#include "tensorflow/c/tf_tensor.h"

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Array = Eigen::Array<float, Eigen::Dynamic, 1>;

struct Attributes {
  bool bfloat16 = false;
  bool lstm = true;
  bool return_sequences = true;
  bool go_backwards = false;
  bool training = false;
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
  bool bfloat16, lstm, backwards, training;
  int64_t T, B, I, H, G, gates;
  const float* x;       // [B, T, I]; training: x W + b, [T, B, G]
  const float* kernel;  // [I, G]
  const float* bias;    // [G]
  const float* recurrent_kernel;  // [H, G]
  const float* recurrent_bias;    // [G]
  const bool* mask;  // [B, T]; nullptr: every step valid
  float* outputs;    // [B, T, H] (training: [T, B, H]); nullptr: only the last output
  float* h[2];       // h_{t-1} and h_t, swapped each step
  float* c;
  float* products;   // training: U h_{t-1} + b' [T, B, G], and the states before each step [T, B, H]
  float* h_before;
  float* c_before;
};

// A right-hand matrix for bfloat16 products: rows paired (k, k+1) into one 32-bit word of two bfloat16s, columns
// padded to a multiple of 64 (the product's column block).
struct PairedBf16 {
  int64_t pairs = 0, columns = 0;
  std::vector<uint32_t> words;
};

uint16_t ToBf16(float value) {  // round to nearest even, as TensorFlow's cast
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0;  // NaN
  return static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

float FromBf16(uint32_t half) {
  const uint32_t bits = half << 16;
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

PairedBf16 PairRows(const RowMajor& matrix) {
  PairedBf16 paired;
  paired.pairs = (matrix.rows() + 1) / 2;
  paired.columns = (matrix.cols() + 63) / 64 * 64;
  paired.words.assign(paired.pairs * paired.columns, 0);
  for (int64_t k = 0; k < matrix.rows(); ++k)
    for (int64_t j = 0; j < matrix.cols(); ++j)
      paired.words[(k / 2) * paired.columns + j] |= static_cast<uint32_t>(ToBf16(matrix(k, j))) << (16 * (k % 2));
  return paired;
}

// Rows of a [rows, K] float matrix (row stride `stride`) as bfloat16 pairs, [rows, ceil(K / 2)]: each row's
// bfloat16s in order (a pair's first element is its word's low half), the last pair of an odd K zero-padded.
void PairColumns(const float* matrix, int64_t rows, int64_t k_size, int64_t stride, std::vector<uint32_t>* out) {
  const int64_t pairs = (k_size + 1) / 2;
  out->assign(rows * pairs, 0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = matrix + r * stride;
    uint16_t* halves = reinterpret_cast<uint16_t*>(out->data() + r * pairs);
    int64_t k = 0;
#if defined(__AVX512BF16__)
    for (; k + 32 <= k_size; k += 32)
      _mm512_storeu_si512(halves + k, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + k + 16), _mm512_loadu_ps(row + k)));
#endif
    for (; k < k_size; ++k) halves[k] = ToBf16(row[k]);
  }
}

// out [rows, right.columns] = left [rows, pairs] · right, float32 sums of bfloat16 products.
void ProductBf16(const std::vector<uint32_t>& left, int64_t rows, const PairedBf16& right, float* out) {
  const int64_t pairs = right.pairs, columns = right.columns;
  const uint32_t* w = right.words.data();
#if defined(__AVX512BF16__)
  constexpr int kRows = 4;
  int64_t r = 0;
  for (; r + kRows <= rows; r += kRows) {
    for (int64_t j = 0; j < columns; j += 64) {
      __m512 sums[kRows][4];
      for (auto& row : sums) for (auto& sum : row) sum = _mm512_setzero_ps();
      for (int64_t k2 = 0; k2 < pairs; ++k2) {
        const uint32_t* block = w + k2 * columns + j;
        __m512bh v[4];
        for (int q = 0; q < 4; ++q) v[q] = (__m512bh)_mm512_loadu_si512(block + 16 * q);
        for (int i = 0; i < kRows; ++i) {
          const __m512bh x = (__m512bh)_mm512_set1_epi32(left[(r + i) * pairs + k2]);
          for (int q = 0; q < 4; ++q) sums[i][q] = _mm512_dpbf16_ps(sums[i][q], x, v[q]);
        }
      }
      for (int i = 0; i < kRows; ++i)
        for (int q = 0; q < 4; ++q) _mm512_storeu_ps(out + (r + i) * columns + j + 16 * q, sums[i][q]);
    }
  }
  for (; r < rows; ++r) {
    for (int64_t j = 0; j < columns; j += 16) {
      __m512 sum = _mm512_setzero_ps();
      for (int64_t k2 = 0; k2 < pairs; ++k2)
        sum = _mm512_dpbf16_ps(sum, (__m512bh)_mm512_set1_epi32(left[r * pairs + k2]),
                               (__m512bh)_mm512_loadu_si512(w + k2 * columns + j));
      _mm512_storeu_ps(out + r * columns + j, sum);
    }
  }
#else  // no bfloat16 dot-product instructions: the same sums in float32
  for (int64_t r = 0; r < rows; ++r) {
    float* row = out + r * columns;
    std::fill(row, row + columns, 0.0f);
    for (int64_t k2 = 0; k2 < pairs; ++k2) {
      const uint32_t x = left[r * pairs + k2];
      const float low = FromBf16(x & 0xffff), high = FromBf16(x >> 16);
      for (int64_t j = 0; j < columns; ++j) {
        const uint32_t word = w[k2 * columns + j];
        row[j] += low * FromBf16(word & 0xffff) + high * FromBf16(word >> 16);
      }
    }
  }
#endif
}

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
  const RowMajor w = p.training ? RowMajor() : GateColumns(p.kernel, p.I, p, begin, end);
  const RowMajor u = GateColumns(p.recurrent_kernel, p.H, p, begin, end);
  const Array bias = p.training ? Array() : Array(GateColumns(p.bias, 1, p, begin, end).row(0).transpose().array());
  const Array recurrent_bias = GateColumns(p.recurrent_bias, 1, p, begin, end).row(0).transpose().array();
  PairedBf16 w_pairs, u_pairs;
  if (p.bfloat16) u_pairs = PairRows(u);
  if (p.bfloat16 && !p.training) w_pairs = PairRows(w);
  // Each product's row stride: the bfloat16 products fill whole 64-column blocks.
  const int64_t x_stride = p.bfloat16 ? w_pairs.columns : width, h_stride = p.bfloat16 ? u_pairs.columns : width;
  std::vector<float> from_input(p.training ? 0 : p.B * x_stride), from_state(p.B * h_stride);
  std::vector<uint32_t> x_pairs, h_pairs;
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
        const int64_t row = p.training ? t * p.B + b : b * p.T + t;  // the outputs' layout
        float* output = p.outputs == nullptr ? nullptr : p.outputs + row * p.H + begin;
        Eigen::Map<Array> h_part(from_state.data() + b * h_stride, width);
        h_part += recurrent_bias;
        if (p.training) {  // what the backward loop recomputes the step from
          for (int64_t g = 0; g < p.gates; ++g)
            std::memcpy(p.products + (t * p.B + b) * p.G + g * p.H + begin, h_part.data() + g * n, n * sizeof(float));
          std::memcpy(p.h_before + (t * p.B + b) * p.H + begin, hp, n * sizeof(float));
          if (p.lstm) std::memcpy(p.c_before + (t * p.B + b) * p.H + begin, p.c + b * p.H + begin, n * sizeof(float));
        }
        if (p.mask != nullptr && !p.mask[b * p.T + time]) {
          std::memcpy(hn, hp, n * sizeof(float));
          if (output) std::memset(output, 0, n * sizeof(float));
          continue;
        }
        // x_t W + b of gate `index`: computed here, or given (training: x is the projected sequence).
        const float* x_row = p.training ? p.x + (time * p.B + b) * p.G + begin : from_input.data() + b * x_stride;
        const int64_t x_gate_stride = p.training ? p.H : n;
        if (!p.training) Eigen::Map<Array>(from_input.data() + b * x_stride, width) += bias;
        auto x_gate = [&](int index) { return Eigen::Map<const Array>(x_row + index * x_gate_stride, n); };
        auto h_gate = [&](int index) { return h_part.segment(index * n, n); };
        // Transcendentals are evaluated into aligned temporaries: assigned straight into a buffer, Eigen would take
        // the scalar path for as many leading elements as the buffer's address is off alignment, and the same
        // inputs would give results one rounding apart from call to call.
        Eigen::Map<Array> h_out(hn, n);
        if (p.lstm) {  // gates i, f, g, o
          Eigen::Map<Array> c(p.c + b * p.H + begin, n);
          const Array c_new = (x_gate(1) + h_gate(1)).logistic() * c +
                              (x_gate(0) + h_gate(0)).logistic() * (x_gate(2) + h_gate(2)).tanh();
          const Array h_new = (x_gate(3) + h_gate(3)).logistic() * c_new.tanh();
          c = c_new;
          h_out = h_new;
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
  if (TF_GetCode(status) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "bfloat16_products", &value, status);
  attributes->bfloat16 = value;
  if (TF_GetCode(status) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "training", &value, status);
  attributes->training = value;
  if (TF_GetCode(status) != TF_OK) TF_OpKernelConstruction_Failure(ctx, status);
  TF_DeleteStatus(status);
  return attributes;
}

void Delete(void* attributes) { delete static_cast<Attributes*>(attributes); }

constexpr int kInputs = 8;

// Why the inputs can't run: empty when they can.
std::string ShapeProblem(TF_Tensor* const* in, int gates, bool training) {
  if (TF_NumDims(in[0]) != 3) return training ? "x must be [time, batch, gates * units]" : "x must be [batch, time, features]";
  const int64_t B = TF_Dim(in[0], training ? 1 : 0), T = TF_Dim(in[0], training ? 0 : 1), I = TF_Dim(in[0], 2);
  if (TF_NumDims(in[1]) != 2 || TF_Dim(in[1], 0) != B) return "h0 must be [batch, units]";
  const int64_t H = TF_Dim(in[1], 1), G = gates * H;
  if (training && I != G) return "x must be [time, batch, gates * units]";
  auto is = [](TF_Tensor* t, std::vector<int64_t> dims) {
    if (TF_NumDims(t) != static_cast<int>(dims.size())) return false;
    for (size_t i = 0; i < dims.size(); ++i) if (TF_Dim(t, i) != dims[i]) return false;
    return true;
  };
  if (!is(in[2], {B, H})) return "c0 must be [batch, units]";
  if (!training && !is(in[3], {I, G})) return "kernel must be [features, gates * units]";
  if (!training && !is(in[4], {G})) return "bias must be [gates * units]";
  if (!is(in[5], {H, G})) return "recurrent_kernel must be [units, gates * units]";
  if (!is(in[6], {G})) return "recurrent_bias must be [gates * units]";
  if (!is(in[7], {0}) && !is(in[7], {B, T})) return "mask must be [batch, time] or [0]";
  return "";
}

void Run(const Attributes& attributes, TF_Tensor* const* in, TF_OpKernelContext* ctx, TF_Status* status) {
  Problem p;
  p.bfloat16 = attributes.bfloat16;
  p.lstm = attributes.lstm;
  p.backwards = attributes.go_backwards;
  p.training = attributes.training;
  p.gates = p.lstm ? 4 : 3;
  const std::string problem = ShapeProblem(in, p.gates, p.training);
  if (!problem.empty()) {
    TF_SetStatus(status, TF_INVALID_ARGUMENT, ("ZooRnnForward: " + problem).c_str());
    return;
  }
  p.B = TF_Dim(in[0], p.training ? 1 : 0), p.T = TF_Dim(in[0], p.training ? 0 : 1);
  p.I = p.training ? 0 : TF_Dim(in[0], 2);
  p.H = TF_Dim(in[1], 1), p.G = p.gates * p.H;
  const int64_t steps = attributes.return_sequences ? p.T : 0;
  const int64_t state_dims[2] = {p.B, p.H};
  const size_t state_bytes = p.B * p.H * sizeof(float);
  // outputs, last_output, h, c; then (training only, else empty) products, h_before, c_before
  std::vector<std::vector<int64_t>> shapes = {
      p.training ? std::vector<int64_t>{steps, p.B, p.H} : std::vector<int64_t>{p.B, steps, p.H},
      {p.B, p.H}, {p.B, p.H}, {p.B, p.H},
      {p.training ? p.T : 0, p.B, p.G}, {p.training ? p.T : 0, p.B, p.H},
      {p.training && p.lstm ? p.T : 0, p.B, p.H}};
  TF_Tensor* out[7] = {nullptr};
  for (int i = 0; i < 7 && TF_GetCode(status) == TF_OK; ++i) {
    size_t elements = 1;
    for (int64_t dim : shapes[i]) elements *= dim;
    out[i] = TF_AllocateOutput(ctx, i, TF_FLOAT, shapes[i].data(), static_cast<int>(shapes[i].size()),
                               elements * sizeof(float), status);
  }
  if (TF_GetCode(status) == TF_OK) {
    auto data = [&](int i) { return static_cast<const float*>(TF_TensorData(in[i])); };
    p.x = data(0), p.kernel = data(3), p.bias = data(4), p.recurrent_kernel = data(5), p.recurrent_bias = data(6);
    p.mask = TF_NumDims(in[7]) == 2 ? static_cast<const bool*>(TF_TensorData(in[7])) : nullptr;
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
    // Threads only where a step's products are large enough (about 2M multiply-adds: 64 × (64 + 256) × 1024 is
    // 21M) for the per-step barrier to be small beside them; a smaller step runs on TensorFlow's thread alone,
    // which also keeps small models from fighting over the cores with other processes' threads.
    const int64_t step_multiply_adds = p.B * ((p.training ? 0 : p.I) + p.H) * p.G;
    const int threads = step_multiply_adds < (int64_t{1} << 21)
        ? 1 : static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(AvailableCores(), p.H / 16)));
    Barrier barrier(threads);
    if (threads == 1) {
      RunUnits(p, 0, p.H, &barrier);
    } else {
      // Every share runs on a thread of its own while TensorFlow's thread waits in join(): measured faster than
      // running one share on TensorFlow's thread, whose pool keeps a sibling spinning on the other core.
      std::vector<std::thread> workers;
      for (int k = 0; k < threads; ++k)
        workers.emplace_back(RunUnits, std::cref(p), p.H * k / threads, p.H * (k + 1) / threads, &barrier);
      for (auto& worker : workers) worker.join();
    }
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
  TF_OpDefinitionBuilder* op = TF_NewOpDefinitionBuilder("ZooRnnForward");
  for (const char* input : {"x: float", "h0: float", "c0: float", "kernel: float", "bias: float",
                            "recurrent_kernel: float", "recurrent_bias: float", "mask: bool"})
    TF_OpDefinitionBuilderAddInput(op, input);
  for (const char* output : {"outputs: float", "last_output: float", "h: float", "c: float", "products: float",
                             "h_before: float", "c_before: float"})
    TF_OpDefinitionBuilderAddOutput(op, output);
  TF_OpDefinitionBuilderAddAttr(op, "cell: {'lstm', 'gru'}");
  TF_OpDefinitionBuilderAddAttr(op, "return_sequences: bool = true");
  TF_OpDefinitionBuilderAddAttr(op, "go_backwards: bool = false");
  TF_OpDefinitionBuilderAddAttr(op, "bfloat16_products: bool = false");
  TF_OpDefinitionBuilderAddAttr(op, "training: bool = false");
  TF_OpDefinitionBuilderSetShapeInferenceFunction(op, &UnknownShapes);
  TF_RegisterOpDefinition(op, status);
  if (TF_GetCode(status) == TF_OK) {
    TF_KernelBuilder* builder = TF_NewKernelBuilder("ZooRnnForward", "CPU", &Create, &Compute, &Delete);
    TF_RegisterKernelBuilder("ZooRnnForward", builder, status);
  }
  const bool ok = TF_GetCode(status) == TF_OK;
  TF_DeleteStatus(status);
  return ok;
}

const bool registered = Register();

}  // namespace
