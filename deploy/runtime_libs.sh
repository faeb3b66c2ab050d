#!/bin/sh
# Copies the shared libraries a binary loads, minus those the base image already has, into a
# tree that the image's runtime stage copies over its base (issue 11, item 8). Run in the
# Dockerfile's build stage, where the binary was linked.
# Usage: deploy/runtime_libs.sh BINARY BASE_LIBS OUT [PLUGIN...]
#   BINARY     the linked executable
#   BASE_LIBS  canonical paths of the base image's libraries, one a line (made before any
#              package was installed on top of the base)
#   OUT        tree to fill: OUT/<canonical lib path> (symlinks resolved, named by the soname
#              the loader looks for) and OUT/usr/share/doc/<package>/copyright for each owning
#              Debian package; OUT/usr/share/doc/moodtune/runtime-packages.txt lists them.
#   PLUGIN     shared libraries the binary opens later with dlopen (libmoodtune_media.so,
#              issue 12): ldd does not see them from the binary, so their own closures are
#              copied too (the plug-ins themselves are installed by the caller).
# Fails when ldd cannot resolve a library.
set -eu
[ $# -ge 3 ] || { echo "usage: runtime_libs.sh BINARY BASE_LIBS OUT [PLUGIN...]" >&2; exit 2; }
bin=$1 base=$2 out=$3
shift 3
[ -x "$bin" ] || { echo "runtime_libs: $bin is not an executable" >&2; exit 2; }
[ -r "$base" ] || { echo "runtime_libs: cannot read $base" >&2; exit 2; }
for plugin in "$@"; do
  [ -r "$plugin" ] || { echo "runtime_libs: cannot read $plugin" >&2; exit 2; }
done

: >"$out.ldd"
for f in "$bin" "$@"; do ldd "$f" >>"$out.ldd"; done
if grep -q 'not found' "$out.ldd"; then
  grep 'not found' "$out.ldd" >&2
  echo "runtime_libs: unresolved libraries" >&2
  exit 1
fi
mkdir -p "$out/usr/share/doc/moodtune"
: >"$out.copied"
# Lines "libfoo.so.1 => /usr/lib/x86_64-linux-gnu/libfoo.so.1 (0x...)"; the loader itself
# and the vDSO have no "=>" path and come with the base's libc6.
awk '$2 == "=>" && $3 ~ /^\// {print $3}' "$out.ldd" | sort -u | while read -r lib; do
  canon="$(readlink -f "$(dirname "$lib")")/$(basename "$lib")"
  grep -qxF "$canon" "$base" && continue
  mkdir -p "$out$(dirname "$canon")"
  cp -L "$lib" "$out$canon"
  printf '%s\n%s\n' "$lib" "$(readlink -f "$lib")" >>"$out.copied"
done

# Owning packages (the path as linked or the file behind it, whichever dpkg registered),
# for their copyright files.
sort -u "$out.copied" | xargs -r dpkg-query -S 2>/dev/null | cut -d: -f1 | sort -u \
  >"$out/usr/share/doc/moodtune/runtime-packages.txt"
while read -r pkg; do
  if [ -f "/usr/share/doc/$pkg/copyright" ]; then
    mkdir -p "$out/usr/share/doc/$pkg"
    cp "/usr/share/doc/$pkg/copyright" "$out/usr/share/doc/$pkg/"
  fi
done <"$out/usr/share/doc/moodtune/runtime-packages.txt"
echo "runtime_libs: $(awk 'NR % 2' "$out.copied" | wc -l) libraries," \
     "$(du -sb "$out" | cut -f1) bytes, from" \
     "$(wc -l <"$out/usr/share/doc/moodtune/runtime-packages.txt") packages" >&2
rm -f "$out.ldd" "$out.copied"
