#!/usr/bin/env bash
# Issue 15 end to end: `catalog import --format deezer-mood`, `recommend` with a genre filter
# and previews, `catalog recheck`, `recommend-eval`, on the user's copy of the Deezer mood
# dataset (DATA_DIR/deezer-mood; read in place, never copied). Usage: listener_cmd_test.sh
# MOODTUNE_BIN DATA_DIR. Exit 77 (ctest: skipped) without the data, except under CI=true.
set -euo pipefail
bin=$1
data=${MOODTUNE_DATA_DIR:-$2}/deezer-mood
if [[ ! -f $data/train.csv || ! -f $data/validation.csv || ! -f $data/test.csv ]]; then
  if [[ ${CI:-} == true || ${CI:-} == 1 ]]; then echo "CI=true, cannot skip: no $data" >&2; exit 1; fi
  echo "skipped: no $data" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=("$data/train.csv" "$data/validation.csv" "$data/test.csv")
export MOODTUNE_CONFIG=/nonexistent
fail() { echo "FAIL: $*" >&2; exit 1; }

# `catalog import FILE...` also takes several plain CSVs, one transaction each.
printf 'title,artists,genre,valence,energy\nFirst Song,Alpha,pop,0.5,0.5\n' >"$tmp/a.csv"
printf 'title,artists,genre,valence,energy\nSecond Song,Beta,jazz,0.2,0.3\n' >"$tmp/b.csv"
out=$("$bin" catalog import --db "$tmp/plain.db" "$tmp/a.csv" "$tmp/b.csv")
grep -q "a.csv: 1 rows, 1 added" <<<"$out" && grep -q "b.csv: 1 rows, 1 added" <<<"$out" \
  || fail "several plain files: $out"

out=$("$bin" catalog import --format deezer-mood --db "$tmp/c.db" "${files[@]}")
echo "$out"
grep -q '^deezer-mood: 18644 rows in 3 files, ' <<<"$out" || fail "import summary"
grep -Eq 'reduced major axis, [0-9]{2,} shared tracks' <<<"$out" || fail "shared count"
grep -Eq '^  valence = 0\.[0-9]+ \* listener valence \+ 0\.[0-9]+  \(r = 0\.[0-9]+\)$' <<<"$out" \
  || fail "valence fit line"
grep -Eq '^  energy  = 0\.[0-9]+ \* listener arousal \+ 0\.[0-9]+  \(r = 0\.[0-9]+\)$' <<<"$out" \
  || fail "energy fit line"

# A genre filter says that genre-less (imported) tracks were not matched.
"$bin" recommend --db "$tmp/c.db" --emotion sad --genre jazz --seed 1 >"$tmp/out" 2>"$tmp/err"
grep -Eq '^recommend: warning: 18[0-9]{3} of 19[0-9]{3} tracks have no genre' "$tmp/err" \
  || fail "genre warning: $(cat "$tmp/err")"
grep -q '\[jazz\]' "$tmp/out" || fail "jazz list"
json=$("$bin" recommend --db "$tmp/c.db" --emotion sad --genre jazz --seed 1 --json 2>/dev/null)
grep -q '"code": "tracks_without_genre"' <<<"$json" || fail "json warning"

# Imported tracks carry a Deezer id; without a provider each says why it has no preview.
"$bin" recommend --db "$tmp/c.db" --emotion happy --seed 2 >"$tmp/out"
grep -q 'preview: none (previews need a provider)' "$tmp/out" || fail "preview reason: $(cat "$tmp/out")"
grep -q 'genre unknown' "$tmp/out" || fail "unknown genre shown"

out=$("$bin" catalog recheck --db "$tmp/c.db" --deezer-mood "${files[@]}" --top 3 --apply)
echo "$out"
grep -Eq '^  stored values:    0\.[0-9]{3}; 0\.[0-9]{3}' <<<"$out" || fail "r before"
grep -Eq '^corrected [0-9]+ tracks in ' <<<"$out" || fail "apply"
out=$("$bin" catalog recheck --db "$tmp/c.db" --deezer-mood "${files[@]}" --top 0)
grep -Eq '^  stored values:    1\.000; 1\.000' <<<"$out" || fail "r after apply: $out"

out=$("$bin" recommend-eval --db "$tmp/c.db" --deezer-mood "${files[@]}" --trials 2)
echo "$out"
[[ $(grep -Ec '^\| (angry|disgust|fear|happy|sad|surprise|neutral) \| (match|uplift|calm) \|' <<<"$out") == 21 ]] \
  || fail "21 emotion x strategy rows"
grep -q '^| \*\*mean\*\* | all |' <<<"$out" || fail "mean row"
echo "ok"
