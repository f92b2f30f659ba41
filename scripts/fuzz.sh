#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/CMakeLists.txt, clang-14 with ASan and UBSan) and runs each
# for SECONDS (default 10). Two groups:
#   iso20022 (the readers; ctest FuzzIso20022Readers): seeded with src/iso20022/testdata, hostile
#     variants of it and fuzz/corpus/hostile, with fuzz/iso20022.dict and the testdata's tags as
#     dictionary;
#   iso8583 (the card codec; ctest FuzzIso8583Codec): seeded with the golden frames of
#     src/iso8583/testdata (as frames and as bodies, under both of the target's dialects), with
#     fuzz/iso8583.dict.
# Both also with fuzz/corpus/<name> (saved findings). Fails when a target crashes, leaks or
# breaks its contract; the input is saved as $BUILD/artifacts/<name>-crash-<sha1>.
# Longer, on demand: scripts/fuzz.sh 600 [TARGET|GROUP...].
# Env: CORRIDOR_FUZZ_BUILD (default build-fuzz), CORRIDOR_FUZZ_JOBS (ninja -j, default 1).
# Exit 77 (ctest's skip) when clang-14 or its libFuzzer runtime is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-10}
shift || true
build=${CORRIDOR_FUZZ_BUILD:-$root/build-fuzz}
jobs=${CORRIDOR_FUZZ_JOBS:-1}

if ! command -v clang++-14 >/dev/null ||
   [ ! -f "$(clang++-14 -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a" ]; then
  echo "fuzz: SKIPPED: clang-14 and libclang-rt-14-dev are not installed (scripts/setup.sh installs them)"
  exit 77
fi
mkdir -p "$build"
CC=clang-14 CXX=clang++-14 cmake -S fuzz -B "$build" -G Ninja >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
ninja -C "$build" -j"$jobs" >/dev/null

# Hostile variants of one real message: cut in half, behind a DOCTYPE with an external entity,
# nested 40 deep, well-formed but one byte over the 64 KiB bound, in another version of its
# namespace.
hostile_variants() {  # FILE DIR
  local file=$1 dir=$2 base
  base=$(basename "$file" .xml)
  head -c $(($(wc -c <"$file") / 2)) "$file" >"$dir/${base}_truncated.xml"
  sed '1a <!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' "$file" |
    sed '0,/<MsgId>/s//<MsgId>\&xxe;/' >"$dir/${base}_doctype_xxe.xml"
  { sed '$d' "$file"; printf '<A>%.0s' {1..40}; printf '</A>%.0s' {1..40}; tail -n1 "$file"; } \
    >"$dir/${base}_deep.xml"
  { sed '$d' "$file"; printf '<!--'; head -c $((65537 - 8 - $(wc -c <"$file"))) /dev/zero |
    tr '\0' x; printf -- '-->\n'; tail -n1 "$file"; } >"$dir/${base}_oversize.xml"
  sed -E '0,/\.001\.[0-9]{2}"/s//.001.99"/' "$file" >"$dir/${base}_wrong_version.xml"
}

# Every tag of the testdata, opening and closing, after the fixed dictionary.
dict=$build/iso20022.dict
cp fuzz/iso20022.dict "$dict"
grep -ohE '<[A-Za-z]+' src/iso20022/testdata/*.xml | sort -u |
  sed -E 's/^<(.*)$/"<\1>"\n"<\/\1>"/' >>"$dict"

# The codec target's input: one byte choosing the dialect (bit 0) and the split point of the
# stream (the rest), then the bytes. Each golden frame as a frame and as a body (the target
# adds a correct length prefix to it), under both dialects.
iso8583_seeds() {  # DIR
  local dir=$1 f base
  for f in src/iso8583/testdata/*.hex; do
    base=$(basename "$f" .hex)
    xxd -r -p "$f" >"$dir/$base.frame"
    for selector in 00 01 2a; do
      { printf "\x$selector"; cat "$dir/$base.frame"; } >"$dir/${base}_$selector"
      { printf "\x$selector"; tail -c +3 "$dir/$base.frame"; } >"$dir/${base}_body_$selector"
    done
    rm "$dir/$base.frame"
  done
}

failed=()
while read -r group name; do
  [ -z "$name" ] && continue
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]] && [[ " $* " != *" $group "* ]]; then continue; fi
  seeds=$build/seeds/$name
  rm -rf "$seeds" && mkdir -p "$seeds" "$build/corpus/$name" "$build/artifacts" "$build/logs"
  dirs=("$build/corpus/$name" "$seeds")
  if [ "$group" = iso8583 ]; then
    iso8583_seeds "$seeds"
    target_dict=fuzz/iso8583.dict
  else
    pattern="${name}_*.xml"
    [ "$name" = xml_document ] && pattern="*.xml"  # the shared parse: every message
    for f in src/iso20022/testdata/$pattern; do
      [ -f "$f" ] || continue
      cp "$f" "$seeds/"
      hostile_variants "$f" "$seeds"
    done
    dirs+=(fuzz/corpus/hostile)
    target_dict=$dict
  fi
  [ -d "fuzz/corpus/$name" ] && dirs+=("fuzz/corpus/$name")
  log=$build/logs/$name.log
  if "$build/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -dict="$target_dict" -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" \
      "${dirs[@]}" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    corpus=$(ls "$build/corpus/$name" | wc -l)
    echo "fuzz_$name: ok, ${seconds} s, ${execs:-?} execs, corpus $corpus"
  else
    echo "fuzz_$name: FAILED (log: $log)"
    grep -E 'contract broken|ERROR: |SUMMARY|artifact_prefix|Test unit written' "$log" | head -20
    failed+=("$name")
  fi
done <"$build/fuzz_targets.txt"

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: every target ran ${seconds} s without a finding"
