// What zoo's compiled RNN kernels share (rnn_forward.cc, rnn_backward.cc): Eigen types, the per-step barrier of
// the threads that split a layer's units, and the bfloat16 products of a mixed_bfloat16 policy.

#ifndef ZOO_NATIVE_RNN_COMMON_H_
#define ZOO_NATIVE_RNN_COMMON_H_

#include <sched.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include <Eigen/Core>
#include <immintrin.h>

namespace zoo_native {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Array = Eigen::Array<float, Eigen::Dynamic, 1>;


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

inline int AvailableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}


// A thread's temporaries for one row of a step: `count` arrays of n floats, each at Eigen's largest alignment (so a
// transcendental is evaluated the same way whatever the row), reused row after row and call after call; an Eigen
// Array temporary would be a heap allocation per row and step.
class Scratch {
 public:
  void Resize(int count, int64_t n) {
    n_ = n;
    stride_ = (n + 15) / 16 * 16;
    data_.resize(count * stride_);
  }
  Eigen::Map<Array, Eigen::AlignedMax> operator[](int k) { return {data_.data() + k * stride_, n_}; }

 private:
  std::vector<float, Eigen::aligned_allocator<float>> data_;
  int64_t n_ = 0, stride_ = 0;
};

// The operands of a bfloat16 product (a mixed_bfloat16 policy): bfloat16-rounded values multiplied, summed in float32.
// With AVX512-BF16 (kBf16DotProducts) they are bfloat16 words paired for its dot products. Without, they are the
// same bfloat16 values held in float32 and multiplied by Eigen's float32 product: a product of two bfloat16s is exact
// in float32, so only the order of the sums differs, and the step runs at float32 speed (emulating the paired
// products ran 3-4x slower than float32 on a CPU without the instructions).
#if defined(__AVX512BF16__)
constexpr bool kBf16DotProducts = true;
#else
constexpr bool kBf16DotProducts = false;
#endif

// A right-hand matrix [K, columns]. Paired: rows (k, k+1) in one 32-bit word of two bfloat16s, columns padded to a
// multiple of 64 (the product's column block). Else `rounded`, unpadded.
struct PairedBf16 {
  int64_t pairs = 0, columns = 0;
  std::vector<uint32_t> words;
  RowMajor rounded;
};

// A left-hand matrix [rows, K]: each row's bfloat16s in pairs (the last pair of an odd K zero-padded), or `rounded`.
struct Bf16Rows {
  std::vector<uint32_t> words;
  RowMajor rounded;
};

inline uint16_t ToBf16(float value) {  // round to nearest even, as TensorFlow's cast
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0;  // NaN
  return static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

inline float FromBf16(uint32_t half) {
  const uint32_t bits = half << 16;
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

// `count` floats rounded to their nearest bfloat16 (ties to even), kept as float32.
inline void RoundToBf16(const float* from, int64_t count, float* to) {
  for (int64_t k = 0; k < count; ++k) to[k] = FromBf16(ToBf16(from[k]));
}

inline void PairRows(const RowMajor& matrix, PairedBf16* paired) {
  const int64_t rows = matrix.rows(), cols = matrix.cols();
  if (!kBf16DotProducts) {
    paired->columns = cols;
    paired->rounded.resize(rows, cols);
    RoundToBf16(matrix.data(), rows * cols, paired->rounded.data());
    return;
  }
  paired->pairs = (rows + 1) / 2;
  paired->columns = (cols + 63) / 64 * 64;
  paired->words.assign(paired->pairs * paired->columns, 0);
  for (int64_t k = 0; k < rows; k += 2) {
    uint32_t* words = paired->words.data() + (k / 2) * paired->columns;
    const float* low = matrix.data() + k * cols;
    const float* high = k + 1 < rows ? low + cols : nullptr;
    int64_t j = 0;
#if defined(__AVX512BF16__)
    for (; high != nullptr && j + 16 <= cols; j += 16) {  // 16 columns: two rows' bfloat16s interleaved
      const __m256i a = (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(low + j));
      const __m256i b = (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(high + j));
      const __m256i first = _mm256_unpacklo_epi16(a, b), second = _mm256_unpackhi_epi16(a, b);  // per 128-bit lane
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + j), _mm256_permute2x128_si256(first, second, 0x20));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + j + 8), _mm256_permute2x128_si256(first, second, 0x31));
    }
#endif
    for (; j < cols; ++j)
      words[j] = ToBf16(low[j]) | (high == nullptr ? 0u : static_cast<uint32_t>(ToBf16(high[j])) << 16);
  }
}

// Rows of a [rows, K] float matrix (row stride `stride`) as the left operand of a bfloat16 product.
inline void PairColumns(const float* matrix, int64_t rows, int64_t k_size, int64_t stride, Bf16Rows* out) {
  if (!kBf16DotProducts) {
    out->rounded.resize(rows, k_size);
    for (int64_t r = 0; r < rows; ++r) RoundToBf16(matrix + r * stride, k_size, out->rounded.data() + r * k_size);
    return;
  }
  const int64_t pairs = (k_size + 1) / 2;
  out->words.assign(rows * pairs, 0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = matrix + r * stride;
    uint16_t* halves = reinterpret_cast<uint16_t*>(out->words.data() + r * pairs);
    int64_t k = 0;
#if defined(__AVX512BF16__)
    for (; k + 32 <= k_size; k += 32)
      _mm512_storeu_si512(halves + k, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + k + 16), _mm512_loadu_ps(row + k)));
#endif
    for (; k < k_size; ++k) halves[k] = ToBf16(row[k]);
  }
}

// out [rows, right.columns] = left [rows, K] · right, float32 sums of bfloat16 products.
inline void ProductBf16(const Bf16Rows& left_rows, int64_t rows, const PairedBf16& right, float* out) {
#if defined(__AVX512BF16__)
  const std::vector<uint32_t>& left = left_rows.words;
  const int64_t pairs = right.pairs, columns = right.columns;
  const uint32_t* w = right.words.data();
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
#else
  Eigen::Map<RowMajor>(out, rows, right.columns).noalias() = left_rows.rounded.topRows(rows) * right.rounded;
#endif
}

// How many threads split a step's work of `multiply_adds` over `units`: one below about 2M multiply-adds
// (64 × (64 + 256) × 1024 is 21M), where the per-step barrier would not be small beside the products and
// small models would fight over the cores with other processes' threads; else one per core, 16 units at least each.
inline int ThreadCount(int64_t multiply_adds, int64_t units) {
  if (multiply_adds < (int64_t{1} << 21)) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(AvailableCores(), units / 16)));
}

// Threads kept between calls, so that each call neither starts threads nor touches fresh memory: a share's
// buffers (thread_local in the work) stay allocated in its thread. One call at a time; a call arriving while
// another runs (two layers run concurrently by TensorFlow) gets threads of its own.
class WorkerPool {
 public:
  static WorkerPool& Instance() {
    // Never destroyed (threads blocked at exit are simply ended); rebuilt in a forked child, which has no threads.
    static std::atomic<WorkerPool*> pool{nullptr};
    WorkerPool* current = pool.load();
    if (current == nullptr || current->pid_ != getpid()) {
      static std::mutex creating;
      std::lock_guard<std::mutex> lock(creating);
      current = pool.load();
      if (current == nullptr || current->pid_ != getpid()) pool.store(current = new WorkerPool);
    }
    return *current;
  }

  // Runs work(k) for k in [0, count) on the pool's threads; false (nothing run) while another call holds them.
  bool TryRun(int count, const std::function<void(int)>& work) {
    std::unique_lock<std::mutex> running(running_, std::try_to_lock);
    if (!running.owns_lock()) return false;
    std::unique_lock<std::mutex> lock(mutex_);
    while (static_cast<int>(threads_.size()) < count) {
      threads_.emplace_back(&WorkerPool::Serve, this, static_cast<int>(threads_.size()), generation_);
      threads_.back().detach();
    }
    work_ = &work;
    active_ = count;
    remaining_ = count;
    ++generation_;
    wake_.notify_all();
    done_.wait(lock, [this] { return remaining_ == 0; });
    work_ = nullptr;
    return true;
  }

 private:
  WorkerPool() : pid_(getpid()) {}

  // `seen`: the generation before the thread's first job (the job that starts it may be posted before it runs).
  void Serve(int index, int64_t seen) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (index >= active_) continue;
      const std::function<void(int)>* work = work_;
      lock.unlock();
      (*work)(index);
      lock.lock();
      if (--remaining_ == 0) done_.notify_one();
    }
  }

  const pid_t pid_;
  std::mutex running_, mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(int)>* work_ = nullptr;
  int active_ = 0, remaining_ = 0;
  int64_t generation_ = 0;
};

// Runs work(begin, end, barrier) for `threads` equal shares of [0, units). Every share runs on a thread of its own
// (WorkerPool's) while TensorFlow's thread waits: measured faster than running one share on TensorFlow's thread,
// whose pool keeps a sibling spinning on the other core.
template <typename Work>
void RunShares(int threads, int64_t units, Work work) {
  Barrier barrier(threads);
  if (threads == 1) {
    work(int64_t{0}, units, &barrier);
    return;
  }
  const std::function<void(int)> share = [&](int k) { work(units * k / threads, units * (k + 1) / threads, &barrier); };
  if (WorkerPool::Instance().TryRun(threads, share)) return;
  std::vector<std::thread> workers;
  for (int k = 0; k < threads; ++k) workers.emplace_back(share, k);
  for (auto& worker : workers) worker.join();
}

}  // namespace zoo_native

#endif  // ZOO_NATIVE_RNN_COMMON_H_
