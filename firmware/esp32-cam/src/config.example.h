// Device settings. Copy to src/config.h (git-ignored) and fill in; never commit config.h.
#pragma once

#define MOODTUNE_WIFI_SSID "your-ssid"
#define MOODTUNE_WIFI_PASSWORD "your-password"

// Service base URL; the device POSTs to <url>/v1/device/mood. http:// or https://.
#define MOODTUNE_SERVER_URL "http://192.168.1.20:8080"

// HTTPS only: the server's root CA (PEM). Leave undefined to use the plain client; define
// MOODTUNE_TLS_INSECURE to accept any certificate (testing only).
// #define MOODTUNE_CA_CERT "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
// #define MOODTUNE_TLS_INSECURE 1

// Sent as X-Device-Id (<= 32 printable ASCII, no spaces); "" sends none.
#define MOODTUNE_DEVICE_ID "esp32cam-1"

// API key, when the service requires one (its api_keys_sha256 option); sent as
// "Authorization: Bearer <key>". "" sends none. Printable ASCII without spaces, <= 128 bytes.
#define MOODTUNE_API_KEY ""

// 0 = capture on the button only; else also every N ms.
#define MOODTUNE_INTERVAL_MS 0
// Button to GND (internal pull-up). IO14 is free on the AI-Thinker board when the SD card is unused.
#define MOODTUNE_BUTTON_PIN 14
// 1 = multipart/form-data upload; 0 = raw image/jpeg body (smaller, the default).
#define MOODTUNE_UPLOAD_MULTIPART 0
// HTTP timeout for one upload, ms.
#define MOODTUNE_HTTP_TIMEOUT_MS 5000

// 1 = read the emotion on the device (int8 net on a fixed centre crop: look into the camera);
// the LED shows it right after the photo, and the upload (when Wi-Fi is up and
// MOODTUNE_SERVER_URL is not "") only fetches music. Needs src/emotion_int8_model.cpp:
// run scripts/gen_model.sh once before `pio run`. 0 = the service reads the emotion.
#define MOODTUNE_ON_DEVICE 0
// On-device crop: the centre square's side in per mille of the frame's shorter side; 0 = the
// default fitted on faces-in-the-wild-train (CoreOptions::crop_permille).
#define MOODTUNE_CROP_PERMILLE 0
