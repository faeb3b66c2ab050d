#!/usr/bin/env bash
# Cross-compiles the firmware's portable core (lib/moodtune_core) and the shared protocol
# header (include/moodtune/device_protocol.h) for a real Xtensa core: Debian's
# xtensa-lx106-elf GCC (the ESP8266's core, the ESP32's instruction-set family) with picolibc,
# -Os, no exceptions, no RTTI, freestanding, every warning an error. Then it checks the objects
# and prints a report:
#   - text/data/bss per object (xtensa-lx106-elf-size -B);
#   - no allocator, exception, RTTI-runtime, static-guard/atexit or printf symbol is referenced
#     (nm -u): the core cannot touch a heap, at start-up or after;
#   - the core's objects have no data or bss (no mutable globals: state lives in DeviceCore);
#   - the worst stack frame (-fstack-usage) and the worst call chain from DeviceCore::Step()
#     (-fcallgraph-info=su, stack_depth.py) stay under the bounds below.
# Usage: cross_build.sh [OUT_DIR]   (default build/xtensa; report in OUT_DIR/report.md)
# Exit: 0 pass, 1 fail, 77 toolchain missing (ctest SKIP) -- but 1 under CI=true, where a
# skip is not a pass (tests/common/skip.h). Set-up installs the toolchain (scripts/setup.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fw="$(dirname "$here")"
repo="$(cd "$fw/../.." && pwd)"
out="${1:-$repo/build/xtensa}"
core="$fw/lib/moodtune_core"

# Bounds. The Arduino loop task that runs the core on the ESP32 has an 8 KB stack; the core
# may use a quarter of it, and no single function more than 1 KB.
max_chain_bytes=2048
max_frame_bytes=1024

cxx="${XTENSA_CXX:-xtensa-lx106-elf-g++}"
prefix="${cxx%g++}"
specs="${XTENSA_PICOLIBC_SPECS:-/usr/lib/xtensa-lx106-elf/picolibc.specs}"

missing() {
  if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
    echo "FAIL: CI=true and $1 (scripts/setup.sh installs gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)" >&2
    exit 1
  fi
  echo "SKIP: $1 (apt-get install gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)" >&2
  exit 77
}
command -v "$cxx" >/dev/null || missing "$cxx not found"
command -v "${prefix}size" >/dev/null || missing "${prefix}size not found"
command -v "${prefix}nm" >/dev/null || missing "${prefix}nm not found"
[ -f "$specs" ] || missing "picolibc specs $specs not found"
command -v python3 >/dev/null || missing "python3 not found"

flags=(--specs="$specs" -std=gnu++17 -Os -ffreestanding -fno-exceptions -fno-rtti
  -mlongcalls -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su
  -Wall -Wextra -Werror -I"$repo/include" -I"$core/include")

rm -rf "$out"
mkdir -p "$out"
cd "$out"  # the .su/.ci files land beside the objects
fail=0
sources=("$core"/src/*.cpp "$here/xtensa_probe.cpp")
for src in "${sources[@]}"; do
  obj="$(basename "${src%.cpp}").o"
  if ! "$cxx" "${flags[@]}" -c "$src" -o "$obj" 2>"$obj.log"; then
    echo "FAIL: $cxx rejects $src:" >&2
    cat "$obj.log" >&2
    fail=1
  fi
done
[ "$fail" = 0 ] || exit 1

report="$out/report.md"
{
  echo "Built by \`firmware/esp32-cam/scripts/cross_build.sh\` with \`$("$cxx" --version | head -1)\`,"
  echo "flags \`${flags[*]:1}\` (paths shortened)."
  echo
  echo "| object | text | data | bss | largest frame (bytes) |"
  echo "|---|---:|---:|---:|---:|"
} | sed "s|$repo/||g" >"$report"
core_text=0
for src in "${sources[@]}"; do
  base="$(basename "${src%.cpp}")"
  read -r text data bss _ < <("${prefix}size" -B "$base.o" | tail -1)
  frame="$(cut -f2 "$base.su" | sort -n | tail -1)"
  echo "| $base.o | $text | $data | $bss | ${frame:-0} |" >>"$report"
  if [ "$base" != xtensa_probe ]; then
    core_text=$((core_text + text))
    if [ "$data" != 0 ] || [ "$bss" != 0 ]; then
      echo "FAIL: $base.o has data=$data bss=$bss; the core keeps no globals" >&2
      fail=1
    fi
  fi
done
echo "| core total (without the probe) | $core_text | 0 | 0 | |" >>"$report"
# The core's RAM: the one DeviceCore object the adapter places (the probe's g_core).
core_ram_hex="$("${prefix}nm" -S --defined-only xtensa_probe.o | awk '$4 ~ /g_core/ {print $2}')"
core_ram=""
[ -n "$core_ram_hex" ] && core_ram=$((16#$core_ram_hex))
if [ -z "$core_ram" ]; then
  echo "FAIL: cannot find the probe's DeviceCore (g_core) in xtensa_probe.o" >&2
  fail=1
fi

# No allocator, no exception or RTTI runtime, no guarded statics or atexit destructors, no
# printf: none of them may be referenced by the core or by an adapter-shaped user of it.
forbidden='^(malloc|calloc|realloc|free|_malloc_r|_free_r|strdup|_Zn[wa].*|_Zd[la]Pv.*|__cxa_.*|_Unwind_.*|__gxx_personality.*|.*printf.*|abort)$'
bad="$("${prefix}nm" -u ./*.o | awk '$1 == "U" {print $2}' | grep -E "$forbidden" | sort -u || true)"
if [ -n "$bad" ]; then
  echo "FAIL: objects reference forbidden symbols:" $bad >&2
  fail=1
fi
undefined="$("${prefix}nm" -u ./*.o | awk '$1 == "U" {print $2}' | grep -v '^_ZN8moodtune' | sort -u | tr '\n' ' ' | sed 's/ $//')"

core_ci=()
for src in "$core"/src/*.cpp; do core_ci+=("$(basename "${src%.cpp}").ci"); done
if ! depth="$(python3 "$here/stack_depth.py" _ZN8moodtune6device10DeviceCore4StepEv "${core_ci[@]}")"; then
  echo "FAIL: stack analysis: $depth" >&2
  exit 1
fi
# The int8 emotion net's entry point, separately (the firmware calls it outside Step()).
if ! int8_depth="$(python3 "$here/stack_depth.py" _ZN8moodtune6device10RunInt8NetERKNS0_7Int8NetEPKhPhjPi "${core_ci[@]}")"; then
  echo "FAIL: stack analysis of RunInt8Net: $int8_depth" >&2
  exit 1
fi
# The on-device read (centre crop + int8 net), which DeviceCore::Step() calls in on-device mode.
if ! od_depth="$(python3 "$here/stack_depth.py" _ZN8moodtune6device19ReadEmotionOnDeviceERKNS0_7Int8NetERKNS0_9GrayImageEtPhjPi "${core_ci[@]}")"; then
  echo "FAIL: stack analysis of ReadEmotionOnDevice: $od_depth" >&2
  exit 1
fi
od_chain_bytes="$(sed -n 's/^worst_chain_bytes=//p' <<<"$od_depth")"
od_chain="$(sed -n 's/^worst_chain=//p' <<<"$od_depth")"
int8_chain_bytes="$(sed -n 's/^worst_chain_bytes=//p' <<<"$int8_depth")"
chain_bytes="$(sed -n 's/^worst_chain_bytes=//p' <<<"$depth")"
chain="$(sed -n 's/^worst_chain=//p' <<<"$depth")"
frame_bytes="$(sed -n 's/^largest_frame_bytes=//p' <<<"$depth")"
frame_fn="$(sed -n 's/^largest_frame=//p' <<<"$depth")"
not_counted="$(sed -n 's/^not_counted=//p' <<<"$depth")"
{
  echo
  echo "- Worst stack depth from \`DeviceCore::Step()\`: **$chain_bytes bytes** (bound $max_chain_bytes): $chain."
  echo "  Not counted (0 bytes): the DeviceIo/Clock calls (the adapter's own) and libgcc/libc leaves: $not_counted."
  echo "- Worst stack depth from \`RunInt8Net()\` (the int8 emotion net): **$int8_chain_bytes bytes** (bound $max_chain_bytes)."
  echo "- Worst stack depth from \`ReadEmotionOnDevice()\` (centre crop + int8 net): **$od_chain_bytes bytes** (bound $max_chain_bytes): $od_chain."
  echo "- RAM of the core: one \`DeviceCore\` object, **${core_ram:-?} bytes** on xtensa-lx106 (\`nm -S\` of the probe's \`g_core\`); no heap."
  echo "- Largest single frame in the core: $frame_bytes bytes, \`$frame_fn\` (bound $max_frame_bytes)."
  echo "- Undefined symbols besides the core's own: \`$undefined\` (no allocator, no exception/RTTI runtime, no printf)."
} >>"$report"
if [ "$chain_bytes" -gt "$max_chain_bytes" ]; then
  echo "FAIL: worst stack chain $chain_bytes B > $max_chain_bytes B" >&2
  fail=1
fi
if [ "$int8_chain_bytes" -gt "$max_chain_bytes" ]; then
  echo "FAIL: RunInt8Net stack chain $int8_chain_bytes B > $max_chain_bytes B" >&2
  fail=1
fi
if [ "$od_chain_bytes" -gt "$max_chain_bytes" ]; then
  echo "FAIL: ReadEmotionOnDevice stack chain $od_chain_bytes B > $max_chain_bytes B" >&2
  fail=1
fi
if [ "$frame_bytes" -gt "$max_frame_bytes" ]; then
  echo "FAIL: largest frame $frame_bytes B > $max_frame_bytes B" >&2
  fail=1
fi
cat "$report"
[ "$fail" = 0 ] && echo "PASS: core cross-compiled for xtensa-lx106 (report: $report)"
exit "$fail"
