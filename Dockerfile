# syntax=docker/dockerfile:1
# moodtune service image (issues 7 and 11). Built and run on the development machine with
# Debian's buildah by scripts/container.sh (figures in docs/deploy.md); plain Docker works too:
#
#   scripts/fetch_models.sh                        # the detector, SHA-256 checked (set-up)
#   docker build -t moodtune .
#   docker run --rm -p 127.0.0.1:8000:8000 moodtune    # http://127.0.0.1:8000/
#
# Stage 1 builds only the `moodtune` binary and its media library libmoodtune_media.so
# (OpenCV's codecs for PNG/BMP/WebP, opened on first need: issue 12); no tests, benches or
# trainer. The BlazeFace detector is not fetched here: it comes from the build context
# (models/blazeface/, fetched by the set-up) and the build fails unless its SHA-256 is the one
# pinned in fetch_models.sh.
FROM debian:bookworm-slim AS build
# The base image's libraries, listed before anything is installed: the runtime stage starts
# from the same base, so only the others are copied into it.
RUN find /usr/lib -name '*.so*' | sort >/base-libs.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libopencv-dev libcpp-httplib-dev libboost1.81-dev libssl-dev nlohmann-json3-dev \
      libsqlite3-dev libspdlog-dev libcli11-dev libpqxx-dev libturbojpeg0-dev \
      libdnnl-dev ocl-icd-opencl-dev libonnx-dev libprotobuf-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/fetch_models.sh --check
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DMOODTUNE_BUILD_TESTS=OFF -DMOODTUNE_BUILD_BENCH=OFF -DMOODTUNE_BUILD_TRAINER=OFF \
      -DMOODTUNE_WITH_CAMERA=OFF \
 && cmake --build /build --target moodtune moodtune_media -j "$(nproc)" \
 && strip /build/moodtune /build/libmoodtune_media.so
# What the binary and its media library load (ldd), minus the base's own libraries, plus the
# owning packages' copyright files: /rootfs is laid over the runtime stage's base. The media
# library goes where the binary looks for it: <bin>/../lib/moodtune for the default prefix
# /usr/local (src/vision/CMakeLists.txt; scripts/container.sh posts a PNG to check it).
RUN deploy/runtime_libs.sh /build/moodtune /base-libs.txt /rootfs /build/libmoodtune_media.so \
 && install -D -m 0755 /build/moodtune /rootfs/usr/local/bin/moodtune \
 && install -D -m 0644 /build/libmoodtune_media.so \
      /rootfs/usr/local/lib/moodtune/libmoodtune_media.so \
 && install -D -m 0644 -t /rootfs/app/models/blazeface \
      models/blazeface/face_detection_back_256x256_barracuda.onnx \
      models/blazeface/face_detection_front_128x128_barracuda.onnx models/blazeface/LICENSE* \
 && install -D -m 0644 -t /rootfs/app/models/emotion models/emotion/emotion.onnx

# Stage 2: the base, the binary's and the media library's libraries, the binary, the media
# library and the two models; runs as an unprivileged user. Model paths are the defaults
# (models/...), relative to WORKDIR.
FROM debian:bookworm-slim
COPY --from=build /rootfs/ /
# ldconfig: the copied libraries join the loader's cache; the build fails here if the binary
# cannot resolve one of them in this stage.
RUN ldconfig \
 && if ldd /usr/local/bin/moodtune /usr/local/lib/moodtune/libmoodtune_media.so \
      | grep 'not found'; then exit 1; fi \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/moodtune \
      --create-home --shell /usr/sbin/nologin moodtune
WORKDIR /app
# Catalogue + listener history (SQLite, WAL); mount a volume here to keep it.
ENV MOODTUNE_DB=/var/lib/moodtune/moodtune.db
VOLUME ["/var/lib/moodtune"]
USER 10001:10001
EXPOSE 8000
# 200 from /readyz once both models have loaded. The image has no HTTP client: bash's
# /dev/tcp sends the request (HEALTHCHECK needs Docker's image format; OCI drops it).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /readyz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r -t 3 _ code _ <&3 && [ \"$code\" = 200 ]"]
# The server binds 127.0.0.1 unless told otherwise; in a container it must listen on all
# interfaces for the published port to reach it.
ENTRYPOINT ["/usr/local/bin/moodtune"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
