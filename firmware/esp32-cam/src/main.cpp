// moodtune ESP32-CAM (AI-Thinker) firmware: the thin Arduino adapter. All logic (protocol,
// request building, colours, fades, state machine, backoff) is in lib/moodtune_core and is
// unit-tested on the host (tests/device). This file only binds it to the hardware:
// camera, Wi-Fi, HTTP(S), LEDC PWM on the RGB LED (R=IO15, G=IO13, B=IO12), a button.
// With MOODTUNE_ON_DEVICE (config.h) the emotion is read on the device: the JPEG is decoded
// to gray here (esp_jpg_decode at 1/2 scale), the core crops and runs the int8 net
// (kEmotionInt8Net, from src/emotion_int8_model.cpp that scripts/gen_model.sh generates), and
// the upload only fetches music.
// Thread-safety: everything runs in the Arduino loop task.
#include <Arduino.h>
#include <HTTPClient.h>
#include <WiFi.h>
#include <WiFiClientSecure.h>
#include <esp_camera.h>

#if __has_include("config.h")
#include "config.h"
#else
#error "Copy src/config.example.h to src/config.h and fill in Wi-Fi and server settings."
#endif

#include "moodtune_core/device_core.h"
#include "moodtune_core/on_device.h"
#include "moodtune_core/request.h"
#include "moodtune_core/url.h"

#ifndef MOODTUNE_API_KEY  // config.h files from before the option send no key
#define MOODTUNE_API_KEY ""
#endif
#ifndef MOODTUNE_ON_DEVICE  // config.h files from before the option: the service decides
#define MOODTUNE_ON_DEVICE 0
#endif
#ifndef MOODTUNE_CROP_PERMILLE  // 0 = the core's default (CoreOptions::crop_permille)
#define MOODTUNE_CROP_PERMILLE 0
#endif

#if MOODTUNE_ON_DEVICE
#if !__has_include("emotion_int8_model.cpp")
#error "MOODTUNE_ON_DEVICE needs src/emotion_int8_model.cpp: run scripts/gen_model.sh first."
#endif
#include <esp_heap_caps.h>
#include <esp_jpg_decode.h>
#endif

namespace md = moodtune::device;

namespace {

constexpr int kPinR = 15, kPinG = 13, kPinB = 12, kPinFlash = 4;
constexpr int kPwmBits = 10, kPwmHz = 5000;

// Sends head + JPEG + tail as one body without copying the frame.
class PartsStream : public Stream {
 public:
  explicit PartsStream(const md::UploadRequest& r) : r_(r) {}
  int available() override { return static_cast<int>(r_.content_length() - pos_); }
  int read() override {
    char c;
    return readBytes(&c, 1) == 1 ? static_cast<unsigned char>(c) : -1;
  }
  int peek() override { return -1; }
  size_t write(uint8_t) override { return 0; }
  size_t readBytes(char* out, size_t n) override {
    size_t done = 0;
    while (done < n && pos_ < r_.content_length()) {
      const char* src;
      size_t left, off = pos_;
      if (off < r_.head_len) { src = r_.head + off; left = r_.head_len - off; }
      else if ((off -= r_.head_len) < r_.jpeg_len) {
        src = reinterpret_cast<const char*>(r_.jpeg) + off; left = r_.jpeg_len - off;
      } else { off -= r_.jpeg_len; src = r_.tail + off; left = r_.tail_len - off; }
      const size_t k = min(left, n - done);
      memcpy(out + done, src, k);
      done += k;
      pos_ += k;
    }
    return done;
  }

 private:
  const md::UploadRequest& r_;
  size_t pos_ = 0;
};

#if MOODTUNE_ON_DEVICE
// The decoded frame: VGA at 1/2 scale = 320x240 gray, in PSRAM, allocated once in setup().
constexpr uint16_t kGrayW = 320, kGrayH = 240;
uint8_t* g_gray = nullptr;

// esp_jpg_decode passes the same `arg` to the reader and the writer.
struct DecodeJob {
  const uint8_t* data;
  size_t len;
  bool size_ok;
};

size_t ReadJpeg(void* arg, size_t index, uint8_t* buf, size_t len) {
  const auto* job = static_cast<const DecodeJob*>(arg);
  if (index >= job->len) return 0;
  if (len > job->len - index) len = job->len - index;
  if (buf != nullptr) memcpy(buf, job->data + index, len);
  return len;
}

// esp_jpg_decode hands out RGB888 blocks (data == nullptr first, with the image size).
bool WriteGray(void* arg, uint16_t x, uint16_t y, uint16_t w, uint16_t h, uint8_t* data) {
  auto* job = static_cast<DecodeJob*>(arg);
  if (data == nullptr) {
    job->size_ok = w <= kGrayW && h <= kGrayH;
    return job->size_ok;
  }
  for (uint16_t iy = 0; iy < h; ++iy) {
    uint8_t* row = g_gray + static_cast<size_t>(y + iy) * kGrayW + x;
    for (uint16_t ix = 0; ix < w; ++ix, data += 3) row[ix] = md::GrayOf(data[0], data[1], data[2]);
  }
  return true;
}
#endif

class MillisClock : public md::Clock {
 public:
  uint32_t NowMs() override { return millis(); }
};

class EspIo : public md::DeviceIo {
 public:
  explicit EspIo(const md::ServerUrl& url) : url_(url) {}

  bool WifiConnected() override { return WiFi.status() == WL_CONNECTED; }
  void WifiReconnect() override {
    WiFi.disconnect();
    WiFi.begin(MOODTUNE_WIFI_SSID, MOODTUNE_WIFI_PASSWORD);
  }
  bool Capture(md::Frame* out) override {
    fb_ = esp_camera_fb_get();
    if (fb_ == nullptr) return false;
    out->data = fb_->buf;
    out->len = fb_->len;
    return true;
  }
  void ReleaseFrame() override {
    if (fb_ != nullptr) esp_camera_fb_return(fb_);
    fb_ = nullptr;
  }
  md::HttpReply Post(const md::UploadRequest& req, char* body, size_t cap) override {
    md::HttpReply reply;
    WiFiClient plain;
    WiFiClientSecure secure;
    if (url_.https) {
#if defined(MOODTUNE_CA_CERT)
      secure.setCACert(MOODTUNE_CA_CERT);
#elif defined(MOODTUNE_TLS_INSECURE)
      secure.setInsecure();
#endif
    }
    HTTPClient http;
    http.setTimeout(MOODTUNE_HTTP_TIMEOUT_MS);
    http.setConnectTimeout(MOODTUNE_HTTP_TIMEOUT_MS);
    if (!http.begin(url_.https ? static_cast<WiFiClient&>(secure) : plain, url_.host, url_.port,
                    url_.path, url_.https)) {
      return reply;
    }
    http.addHeader("Content-Type", req.content_type);
    if (req.device_id[0] != '\0') http.addHeader(md::kDeviceIdHeader, req.device_id);
    if (req.authorization[0] != '\0') http.addHeader(md::kAuthorizationHeader, req.authorization);
    // Retry-After is handed to the core raw; the core parses and bounds it (429/503 only).
    static const char* kCollect[] = {md::kRetryAfterHeader};
    http.collectHeaders(kCollect, 1);
    int code;
    if (req.head_len == 0 && req.tail_len == 0) {
      code = http.sendRequest("POST", const_cast<uint8_t*>(req.jpeg), req.jpeg_len);
    } else {
      PartsStream parts(req);
      code = http.sendRequest("POST", &parts, req.content_length());
    }
    if (code <= 0) {  // negative: connection refused, timeout, TLS failure
      http.end();
      return reply;
    }
    reply.reached = true;
    reply.http_status = static_cast<uint16_t>(code);
    strlcpy(reply.retry_after, http.header(md::kRetryAfterHeader).c_str(), sizeof(reply.retry_after));
    // Read at most cap bytes into the core's buffer; never a heap String.
    WiFiClient* s = http.getStreamPtr();
    const int size = http.getSize();  // -1 when unknown (chunked / close-delimited)
    const uint32_t start = millis();
    while (s != nullptr && (size < 0 || reply.body_len < static_cast<size_t>(size)) &&
           millis() - start < MOODTUNE_HTTP_TIMEOUT_MS) {
      const int avail = s->available();
      if (avail <= 0) {
        if (!s->connected()) break;
        delay(1);
        continue;
      }
      if (reply.body_len == cap) {
        reply.truncated = true;
        break;
      }
      reply.body_len += s->readBytes(body + reply.body_len,
                                     min(static_cast<size_t>(avail), cap - reply.body_len));
    }
    http.end();
    return reply;
  }
  void SetLed(md::Rgb c) override {
    // Common-cathode LED: duty up = brighter. Gamma keeps fades even to the eye.
    ledcWrite(0, md::GammaDuty(c.r, kPwmBits));
    ledcWrite(1, md::GammaDuty(c.g, kPwmBits));
    ledcWrite(2, md::GammaDuty(c.b, kPwmBits));
  }
#if MOODTUNE_ON_DEVICE
  bool DecodeGray(const md::Frame& frame, md::GrayImage* out) override {
    if (g_gray == nullptr) return false;
    DecodeJob job{frame.data, frame.len, false};
    if (esp_jpg_decode(frame.len, JPG_SCALE_2X, ReadJpeg, WriteGray, &job) != ESP_OK || !job.size_ok)
      return false;
    *out = md::GrayImage{g_gray, kGrayW, kGrayH, kGrayW};
    return true;
  }
#endif
  uint32_t Random() override { return esp_random(); }
  void OnStateChange(md::State from, md::State to, const char* detail) override {
    Serial.printf("[%lu] %s -> %s %s\n", millis(), md::StateName(from), md::StateName(to), detail);
  }

 private:
  md::ServerUrl url_;
  camera_fb_t* fb_ = nullptr;
};

bool StartCamera() {
  camera_config_t c = {};  // AI-Thinker pin map
  c.pin_pwdn = 32; c.pin_reset = -1; c.pin_xclk = 0; c.pin_sccb_sda = 26; c.pin_sccb_scl = 27;
  c.pin_d7 = 35; c.pin_d6 = 34; c.pin_d5 = 39; c.pin_d4 = 36;
  c.pin_d3 = 21; c.pin_d2 = 19; c.pin_d1 = 18; c.pin_d0 = 5;
  c.pin_vsync = 25; c.pin_href = 23; c.pin_pclk = 22;
  c.xclk_freq_hz = 20000000;
  c.ledc_timer = LEDC_TIMER_1;  // timer 0 drives the RGB LED
  c.ledc_channel = LEDC_CHANNEL_4;
  c.pixel_format = PIXFORMAT_JPEG;
  c.frame_size = FRAMESIZE_VGA;  // 640x480
  c.jpeg_quality = 12;
  c.fb_count = 1;
  c.fb_location = CAMERA_FB_IN_PSRAM;
  c.grab_mode = CAMERA_GRAB_LATEST;
  return esp_camera_init(&c) == ESP_OK;
}

md::ServerUrl g_url;
MillisClock g_clock;
md::DeviceCore* g_core = nullptr;
int g_last_button = HIGH;
uint32_t g_button_changed = 0;

}  // namespace

void setup() {
  Serial.begin(115200);
  pinMode(kPinFlash, OUTPUT);
  digitalWrite(kPinFlash, LOW);  // the bright flash LED stays off
  const int pins[3] = {kPinR, kPinG, kPinB};
  for (int ch = 0; ch < 3; ++ch) {
    ledcSetup(ch, kPwmHz, kPwmBits);
    ledcAttachPin(pins[ch], ch);
  }
  pinMode(MOODTUNE_BUTTON_PIN, INPUT_PULLUP);
  if (!md::ParseServerUrl(MOODTUNE_SERVER_URL, &g_url)) {
    Serial.println("config.h: MOODTUNE_SERVER_URL is not http[s]://host[:port][/base]");
  }
  if (!StartCamera()) Serial.println("camera init failed");  // Capture() then reports it
  WiFi.mode(WIFI_STA);
  WiFi.setAutoReconnect(true);
  WiFi.begin(MOODTUNE_WIFI_SSID, MOODTUNE_WIFI_PASSWORD);
  static EspIo io(g_url);
  md::CoreOptions o;
  o.interval_ms = MOODTUNE_INTERVAL_MS;
  o.encoding = MOODTUNE_UPLOAD_MULTIPART ? md::UploadEncoding::kMultipart
                                         : md::UploadEncoding::kRawJpeg;
  o.device_id = MOODTUNE_DEVICE_ID;
  o.api_key = MOODTUNE_API_KEY;
  if (o.api_key[0] != '\0' && !md::IsValidApiKey(o.api_key)) {
    Serial.println("config.h: MOODTUNE_API_KEY must be printable ASCII without spaces, <= 128 bytes");
  }
#if MOODTUNE_ON_DEVICE
  // Start-up allocations only (the core itself never allocates): the decoded frame in PSRAM,
  // the net's scratch (about 66 KB) in internal RAM when it fits, else PSRAM.
  const size_t arena_len = md::OnDeviceArenaBytes(md::kEmotionInt8Net);
  auto* arena = static_cast<uint8_t*>(heap_caps_malloc(arena_len, MALLOC_CAP_INTERNAL | MALLOC_CAP_8BIT));
  if (arena == nullptr) arena = static_cast<uint8_t*>(ps_malloc(arena_len));
  g_gray = static_cast<uint8_t*>(ps_malloc(static_cast<size_t>(kGrayW) * kGrayH));
  if (arena == nullptr || g_gray == nullptr) {
    Serial.println("on-device: out of memory for the net's arena / the gray frame");
  } else {
    o.on_device_net = &md::kEmotionInt8Net;
    o.on_device_arena = arena;
    o.on_device_arena_len = arena_len;
    if (MOODTUNE_CROP_PERMILLE > 0) o.crop_permille = MOODTUNE_CROP_PERMILLE;
    o.upload = MOODTUNE_SERVER_URL[0] != '\0';  // no server: LED only, no music
  }
#endif
  static md::DeviceCore core(o, &g_clock, &io);
  g_core = &core;
}

void loop() {
  // Debounced press (falling edge held 30 ms).
  const int b = digitalRead(MOODTUNE_BUTTON_PIN);
  if (b != g_last_button && millis() - g_button_changed > 30) {
    g_button_changed = millis();
    if (b == LOW) g_core->RequestCapture();
    g_last_button = b;
  }
  g_core->Step();
  delay(10);
}
