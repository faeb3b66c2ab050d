#include "conv_chain.h"

namespace moodtune {

int WindowOutput(int in, int kernel, int stride, int pad_begin, int pad_end) {
  return (in + pad_begin + pad_end - kernel) / stride + 1;
}

}  // namespace moodtune
