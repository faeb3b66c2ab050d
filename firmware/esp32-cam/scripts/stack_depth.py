#!/usr/bin/env python3
"""Worst stack depth of the firmware core from GCC's -fcallgraph-info=su files (*.ci).

Usage: stack_depth.py ENTRY_MANGLED_NAME FILE.ci...
Prints one line per the worst call chain starting at ENTRY and, over every function defined
in the given files, the largest single frame. Calls through function pointers / virtual
functions (the DeviceIo and Clock adapters, which are the firmware's own and not in the core)
and calls into libgcc/libc (memcpy, __udivdi3, ...) count as 0 bytes; they are listed.
Exit status 1 on recursion or a dynamic (unbounded) frame, 2 on bad input.
"""
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
SIZE = re.compile(r'\\n(\d+) bytes \(([a-z,]+)\)')


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    entry = sys.argv[1]
    frames = {}  # title -> (bytes, qualifier, pretty name)
    edges = {}
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for title, label in NODE.findall(text):
            m = SIZE.search(label)
            if m:
                frames[title] = (int(m.group(1)), m.group(2), label.split("\\n")[0])
        for src, dst in EDGE.findall(text):
            edges.setdefault(src, []).append(dst)
    by_name = {}
    for title in frames:
        by_name.setdefault(title.rsplit(":", 1)[-1], []).append(title)

    unknown = set()

    def resolve(target):
        if target in frames:
            return target
        defs = by_name.get(target)
        if not defs:
            unknown.add(target)
            return None
        return max(defs, key=lambda t: frames[t][0])

    memo = {}
    on_path = set()

    def depth(title):
        if title in memo:
            return memo[title]
        if title in on_path:
            raise RecursionError(frames[title][2])
        on_path.add(title)
        best, best_chain = 0, []
        for t in edges.get(title, []):
            r = resolve(t)
            if r is None:
                continue
            d, chain = depth(r)
            if d > best:
                best, best_chain = d, chain
        on_path.discard(title)
        memo[title] = (frames[title][0] + best, [title] + best_chain)
        return memo[title]

    dynamic = [v[2] for v in frames.values() if v[1] != "static"]
    if dynamic:
        print("dynamic (unbounded) frames: " + "; ".join(dynamic))
        return 1
    roots = by_name.get(entry)
    if not roots:
        print("entry %s not found" % entry, file=sys.stderr)
        return 2
    try:
        total, chain = depth(roots[0])
    except RecursionError as e:
        print("recursion through " + str(e))
        return 1
    biggest = max(frames, key=lambda t: frames[t][0])
    print("worst_chain_bytes=%d" % total)
    print("worst_chain=" + " -> ".join("%s (%d)" % (frames[t][2], frames[t][0]) for t in chain))
    print("largest_frame_bytes=%d" % frames[biggest][0])
    print("largest_frame=" + frames[biggest][2])
    print("not_counted=" + " ".join(sorted(unknown)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
