// No dependency beyond the standard library: the trainer core compiles this file on GPU
// machines that have libtorch and nothing else.
#include "moodtune/pack.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

namespace moodtune {
namespace {

constexpr int kEscapeQ = 24;  // unary prefixes this long are followed by 8 raw bits

class BitWriter {
 public:
  void Put(std::uint32_t bits, int n) {  // n <= 24
    acc_ = (acc_ << n) | (bits & ((1u << n) - 1));
    used_ += n;
    while (used_ >= 8) {
      used_ -= 8;
      out_.push_back(static_cast<std::uint8_t>(acc_ >> used_));
    }
  }
  std::vector<std::uint8_t> Finish() {
    if (used_ > 0) out_.push_back(static_cast<std::uint8_t>(acc_ << (8 - used_)));
    used_ = 0;
    return std::move(out_);
  }

 private:
  std::uint64_t acc_ = 0;
  int used_ = 0;
  std::vector<std::uint8_t> out_;
};

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> in) : in_(in) {}
  bool Get(int n, std::uint32_t* bits) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= in_.size() * 8) return false;
      v = (v << 1) | ((in_[pos_ / 8] >> (7 - pos_ % 8)) & 1u);
      ++pos_;
    }
    *bits = v;
    return true;
  }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

int Predict(const std::uint8_t* img, int w, int x, int y) {
  if (y == 0) return x == 0 ? 128 : img[x - 1];
  const int b = img[(y - 1) * w + x];
  if (x == 0) return b;
  const int a = img[y * w + x - 1], c = img[(y - 1) * w + x - 1];
  if (c >= std::max(a, b)) return std::min(a, b);
  if (c <= std::min(a, b)) return std::max(a, b);
  return a + b - c;
}

// JPEG-LS style running estimate of the residual magnitude picks the Rice parameter.
struct RiceState {
  int a = 8, n = 1;
  int K() const {
    int k = 0;
    while ((n << k) < a && k < 7) ++k;
    return k;
  }
  void Update(int u) {
    a += u;
    if (++n == 64) { a /= 2; n /= 2; }
  }
};

int ZigZag(int r) { return r >= 0 ? 2 * r : -2 * r - 1; }    // r in [-128,127] -> [0,255]
int UnZigZag(int u) { return (u & 1) ? -(u + 1) / 2 : u / 2; }

void PutU8(std::string& s, std::uint8_t v) { s.push_back(static_cast<char>(v)); }
void PutU16(std::string& s, std::uint16_t v) { for (int i = 0; i < 2; ++i) PutU8(s, v >> (8 * i)); }
void PutU32(std::string& s, std::uint32_t v) { for (int i = 0; i < 4; ++i) PutU8(s, v >> (8 * i)); }

struct Cursor {
  const std::vector<std::uint8_t>& buf;
  std::size_t pos = 0;
  bool Has(std::size_t n) const { return pos + n <= buf.size(); }
  std::uint32_t Get(int bytes) {
    std::uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint32_t(buf[pos++]) << (8 * i);
    return v;
  }
};

}  // namespace

std::vector<std::uint8_t> EncodeGray(std::span<const std::uint8_t> px, int w, int h) {
  BitWriter bw;
  RiceState st;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int r = int(px[y * w + x]) - Predict(px.data(), w, x, y);
      r = ((r + 128) & 255) - 128;  // modulo-256 residual
      const int u = ZigZag(r), k = st.K();
      const int q = u >> k;
      if (q < kEscapeQ) {
        bw.Put((1u << q) - 1, q);  // q ones
        bw.Put(0, 1);
        bw.Put(u & ((1 << k) - 1), k);
      } else {
        bw.Put((1u << kEscapeQ) - 1, kEscapeQ);
        bw.Put(u, 8);
      }
      st.Update(u);
    }
  }
  return bw.Finish();
}

Result<std::vector<std::uint8_t>> DecodeGray(std::span<const std::uint8_t> code, int w, int h) {
  if (w <= 0 || h <= 0) return Status::InvalidArgument("bad image size");
  std::vector<std::uint8_t> img(std::size_t(w) * h);
  BitReader br(code);
  RiceState st;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int q = 0;
      std::uint32_t bit = 1;
      while (q < kEscapeQ) {
        if (!br.Get(1, &bit)) return Status::InvalidArgument("truncated image code");
        if (bit == 0) break;
        ++q;
      }
      std::uint32_t u = 0;
      const int k = st.K();
      if (q < kEscapeQ) {
        std::uint32_t low = 0;
        if (!br.Get(k, &low)) return Status::InvalidArgument("truncated image code");
        u = (std::uint32_t(q) << k) | low;
      } else if (!br.Get(8, &u)) {
        return Status::InvalidArgument("truncated image code");
      }
      if (u > 255) return Status::InvalidArgument("corrupt image code");
      img[y * w + x] = static_cast<std::uint8_t>(Predict(img.data(), w, x, y) + UnZigZag(u));
      st.Update(int(u));
    }
  }
  return img;
}

Status WritePack(const PackedDataset& d, const std::string& path) {
  const std::size_t frame = std::size_t(d.width) * d.height;
  if (d.width <= 0 || d.height <= 0 || d.width > 65535 || d.height > 65535)
    return Status::InvalidArgument("bad image size");
  if (d.pixels.size() != frame * d.labels.size())
    return Status::InvalidArgument("pixel buffer does not match count x size");
  if (d.class_names.empty() || d.class_names.size() > 255)
    return Status::InvalidArgument("need 1..255 class names");
  std::string out = "MTPK";
  PutU32(out, 1);
  PutU32(out, static_cast<std::uint32_t>(d.labels.size()));
  PutU16(out, d.height);
  PutU16(out, d.width);
  PutU8(out, static_cast<std::uint8_t>(d.class_names.size()));
  for (const auto& n : d.class_names) {
    if (n.size() > 255) return Status::InvalidArgument("class name too long");
    PutU8(out, static_cast<std::uint8_t>(n.size()));
    out += n;
  }
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    if (d.labels[i] >= d.class_names.size()) return Status::InvalidArgument("label out of range");
    auto code = EncodeGray({d.pixels.data() + i * frame, frame}, d.width, d.height);
    PutU8(out, d.labels[i]);
    PutU32(out, static_cast<std::uint32_t>(code.size()));
    out.append(code.begin(), code.end());
  }
  const std::string tmp = path + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::NotFound("cannot write " + tmp);
    f.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (!f) return Status::Internal("write failed: " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::Internal("rename failed: " + path);
  return Status::Ok();
}

Result<PackedDataset> ReadPack(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::NotFound("cannot open pack file " + path);
  const std::vector<std::uint8_t> buf((std::istreambuf_iterator<char>(f)),
                                      std::istreambuf_iterator<char>());
  Cursor c{buf};
  const auto corrupt = [&](const char* what) {
    return Status::InvalidArgument(path + ": corrupt pack (" + what + ")");
  };
  if (!c.Has(17) || std::string(buf.begin(), buf.begin() + 4) != "MTPK") return corrupt("magic");
  c.pos = 4;
  if (c.Get(4) != 1) return corrupt("version");
  PackedDataset d;
  const std::uint32_t count = c.Get(4);
  d.height = static_cast<int>(c.Get(2));
  d.width = static_cast<int>(c.Get(2));
  const int classes = static_cast<int>(c.Get(1));
  if (d.width == 0 || d.height == 0 || classes == 0) return corrupt("header");
  for (int i = 0; i < classes; ++i) {
    if (!c.Has(1)) return corrupt("class names");
    const std::size_t len = c.Get(1);
    if (!c.Has(len)) return corrupt("class names");
    d.class_names.emplace_back(buf.begin() + c.pos, buf.begin() + c.pos + len);
    c.pos += len;
  }
  const std::size_t frame = std::size_t(d.width) * d.height;
  if (count > buf.size()) return corrupt("count");
  d.labels.reserve(count);
  d.pixels.reserve(count * frame);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!c.Has(5)) return corrupt("record header");
    const std::uint8_t label = static_cast<std::uint8_t>(c.Get(1));
    const std::size_t n = c.Get(4);
    if (label >= classes || !c.Has(n)) return corrupt("record");
    auto img = DecodeGray({buf.data() + c.pos, n}, d.width, d.height);
    if (!img.ok()) return corrupt("image code");
    c.pos += n;
    d.labels.push_back(label);
    d.pixels.insert(d.pixels.end(), img->begin(), img->end());
  }
  return d;
}

}  // namespace moodtune
