// Shared by the oneDNN runners (onednn_chain.cc, onednn_blaze.cc); built only with oneDNN.
// Thread-safety: OneOmpThread changes the calling thread's OpenMP setting while it lives.
#pragma once

#include <omp.h>

#include <algorithm>
#include <dnnl.hpp>

namespace moodtune::onednn {

// This thread's OpenMP thread count is 1 while it lives, then what it was. Primitives fix
// their thread count when they are made, and reorders and pools read it when they run; the
// server runs one worker per core, so each call gets one thread.
class OneOmpThread {
 public:
  OneOmpThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneOmpThread() { omp_set_num_threads(saved_); }
  OneOmpThread(const OneOmpThread&) = delete;
  OneOmpThread& operator=(const OneOmpThread&) = delete;

 private:
  int saved_;
};

// Turns off oneDNN's JIT profiling hooks (VTune/ITT annotations of generated code), once per
// process: at start-up they cost about 7% of the models' load (perf, issue 12's ready time).
inline void QuietJit() {
  static const bool done = [] {
    dnnl::set_jit_profiling_flags(0);
    return true;
  }();
  (void)done;
}

// Attributes whose scratchpad the caller passes (DNNL_ARG_SCRATCHPAD): with oneDNN's default
// ("library") mode some kernels (e.g. the gemm convolution picked without AVX2) use a
// scratchpad owned by the thread that made the primitive, and crash when another thread runs
// it (found in review with ONEDNN_MAX_CPU_ISA=SSE41).
inline dnnl::primitive_attr UserScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// One scratchpad for primitives run one after the other: as large as the largest need.
class Scratchpad {
 public:
  void Need(const dnnl::memory::desc& d) { bytes_ = std::max(bytes_, d.get_size()); }
  dnnl::memory Make(const dnnl::engine& engine) const {
    return dnnl::memory(
        dnnl::memory::desc({static_cast<dnnl::memory::dim>(std::max<std::size_t>(bytes_, 1))},
                           dnnl::memory::data_type::u8, dnnl::memory::format_tag::x),
        engine);
  }

 private:
  std::size_t bytes_ = 0;
};

}  // namespace moodtune::onednn
