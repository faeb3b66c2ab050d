#include "blazeface_input.h"

#include <opencv2/imgproc.hpp>
#include <vector>

namespace moodtune {

cv::Mat BlazeFaceInput(const cv::Mat& image, const Letterbox& lb) {
  const int side = lb.side;
  cv::Mat resized;
  cv::resize(image, resized, {lb.resized_w, lb.resized_h}, 0, 0,
             lb.resized_w < image.cols ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat rgb;
  if (resized.channels() == 1) {
    cv::cvtColor(resized, rgb, cv::COLOR_GRAY2RGB);
  } else if (resized.channels() == 4) {
    cv::cvtColor(resized, rgb, cv::COLOR_BGRA2RGB);
  } else {
    cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
  }
  cv::Mat blob(std::vector<int>{1, side, side, 3}, CV_32F);
  cv::Mat hwc(side, side, CV_32FC3, blob.ptr<float>());  // a view over the blob's data
  hwc.setTo(cv::Scalar::all(-1.0));                     // black padding
  cv::Mat inside = hwc(cv::Rect(static_cast<int>(lb.pad_x), static_cast<int>(lb.pad_y),
                                lb.resized_w, lb.resized_h));
  rgb.convertTo(inside, CV_32F, 1.0 / 127.5, -1.0);  // writes into the view: same size and type
  return blob;
}

}  // namespace moodtune
