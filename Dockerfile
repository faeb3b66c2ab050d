# syntax=docker/dockerfile:1
# moodtune service image (issue 7). Not built on the development machine (it has no Docker
# engine); see docs/deploy.md for what was and was not checked.
#
#   docker build -t moodtune .
#   docker run --rm -p 8000:8000 moodtune          # http://127.0.0.1:8000/
#
# Stage 1 builds only the `moodtune` binary (no tests, benches or trainer) and fetches the
# BlazeFace model with its pinned SHA-256 (scripts/fetch_models.sh fails on a mismatch).
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates nodejs npm \
      libopencv-dev libcpp-httplib-dev libssl-dev nlohmann-json3-dev libsqlite3-dev \
      libspdlog-dev libcli11-dev libpqxx-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/fetch_models.sh
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DMOODTUNE_BUILD_TESTS=OFF -DMOODTUNE_BUILD_BENCH=OFF -DMOODTUNE_BUILD_TRAINER=OFF \
 && cmake --build /build --target moodtune -j "$(nproc)" \
 && strip /build/moodtune
# The runtime packages are the ones owning the binary's direct shared-library dependencies
# (apt pulls in theirs), so the list cannot drift from what was linked.
RUN for lib in $(objdump -p /build/moodtune | awk '/NEEDED/ {print $2}'); do \
      path=$(ldd /build/moodtune | awk -v n="$lib" '$1 == n {print $3}'); \
      dpkg -S "$path" 2>/dev/null || dpkg -S "/usr$path"; \
    done | cut -d: -f1 | sort -u > /build/runtime-packages.txt \
 && cat /build/runtime-packages.txt

# Stage 2: the binary, the two models and their shared libraries; runs as an unprivileged
# user. Model paths are the defaults (models/...), relative to WORKDIR.
FROM debian:bookworm-slim
COPY --from=build /build/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates $(cat /tmp/runtime-packages.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/moodtune \
      --create-home --shell /usr/sbin/nologin moodtune
COPY --from=build /build/moodtune /usr/local/bin/moodtune
COPY --from=build /src/models/blazeface/face_detection_back_256x256_barracuda.onnx \
                  /src/models/blazeface/face_detection_front_128x128_barracuda.onnx \
                  /src/models/blazeface/LICENSE* /app/models/blazeface/
COPY --from=build /src/models/emotion/emotion.onnx /app/models/emotion/
WORKDIR /app
# Catalogue + listener history (SQLite, WAL); mount a volume here to keep it.
ENV MOODTUNE_DB=/var/lib/moodtune/moodtune.db
VOLUME ["/var/lib/moodtune"]
USER 10001:10001
EXPOSE 8000
# The server binds 127.0.0.1 unless told otherwise; in a container it must listen on all
# interfaces for the published port to reach it.
ENTRYPOINT ["/usr/local/bin/moodtune"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
