// Test/bench fixture maker: a face photo -> a 640x480 JPEG (centre crop after scaling to
// cover) and/or a .y4m clip of that frame for Chromium's fake camera
// (--use-file-for-fake-video-capture).
// Usage: face_fixture PHOTO [--jpeg OUT.jpg] [--y4m OUT.y4m] [--frames N] [--size WxH]
// (--size: the frame size, 640x480 by default; the benchmarks use 800x600 and 4032x3024).
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: face_fixture PHOTO [--jpeg OUT.jpg] [--y4m OUT.y4m] [--frames N] "
                 "[--size WxH]\n");
    return 2;
  }
  std::string jpeg_out, y4m_out;
  int frames = 30;
  int kW = 640, kH = 480;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--jpeg")) jpeg_out = argv[i + 1];
    else if (!std::strcmp(argv[i], "--y4m")) y4m_out = argv[i + 1];
    else if (!std::strcmp(argv[i], "--frames")) frames = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--size")) {
      if (std::sscanf(argv[i + 1], "%dx%d", &kW, &kH) != 2 || kW < 16 || kH < 16 || kW > 10000 ||
          kH > 10000) {
        std::fprintf(stderr, "face_fixture: --size must be WxH, 16..10000 each\n");
        return 2;
      }
    }
    else {
      std::fprintf(stderr, "face_fixture: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  cv::Mat img = cv::imread(argv[1], cv::IMREAD_COLOR);
  if (img.empty()) {
    std::fprintf(stderr, "face_fixture: cannot read %s\n", argv[1]);
    return 1;
  }
  const double scale = std::max(double(kW) / img.cols, double(kH) / img.rows);
  cv::Mat scaled;
  cv::resize(img, scaled, {}, scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const int x = (scaled.cols - kW) / 2, y = (scaled.rows - kH) / 2;
  cv::Mat frame = scaled(cv::Rect(x, y, kW, kH)).clone();
  if (!jpeg_out.empty() && !cv::imwrite(jpeg_out, frame, {cv::IMWRITE_JPEG_QUALITY, 90})) {
    std::fprintf(stderr, "face_fixture: cannot write %s\n", jpeg_out.c_str());
    return 1;
  }
  if (!y4m_out.empty()) {
    cv::Mat yuv;
    cv::cvtColor(frame, yuv, cv::COLOR_BGR2YUV_I420);  // planar Y, U, V: w*h*3/2 bytes
    std::ofstream out(y4m_out, std::ios::binary);
    out << "YUV4MPEG2 W" << kW << " H" << kH << " F30:1 Ip A1:1 C420jpeg\n";
    for (int f = 0; f < frames; ++f) {
      out << "FRAME\n";
      out.write(reinterpret_cast<const char*>(yuv.data), static_cast<std::streamsize>(yuv.total()));
    }
    if (!out) {
      std::fprintf(stderr, "face_fixture: cannot write %s\n", y4m_out.c_str());
      return 1;
    }
  }
  return 0;
}
