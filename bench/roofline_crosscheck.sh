#!/usr/bin/env bash
# Cross-checks tinyaccel's roofline probes against likwid-bench, in the same session, twice each
# and interleaved (ours, likwid, ours, likwid) so that drift on a shared machine hits both alike:
#   fp32 AVX-512 FMA peak   ours: peak:avx512:f32     likwid: peakflops_sp_avx512_fma (L1-sized)
#   DRAM copy bandwidth     ours: copy:<SIZE>         likwid: copy_avx512 on <SIZE>
# Both count bytes the same way (explicit loads + stores, no write-allocate) and take the size as
# the whole working set (all arrays, all threads). Prints each figure and ours / likwid.
#
# Usage: bench/roofline_crosscheck.sh [THREADS] [SIZE]
#   THREADS  default: the CPUs this process may use (nproc)
#   SIZE     DRAM working set, likwid spelling (1GB = 1e9 bytes); default 1GB
#   TINYACCEL=path/to/tinyaccel overrides the CLI (default: build/apps/tinyaccel/tinyaccel)
# likwid-bench is a cross-check tool, not a dependency: Debian's `likwid` package provides it.
set -euo pipefail

threads=${1:-$(nproc)}
size=${2:-1GB}
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${TINYACCEL:-$root/build/apps/tinyaccel/tinyaccel}

if [[ ! -x $cli ]]; then
  echo "roofline_crosscheck: no tinyaccel CLI at $cli (build it, or set TINYACCEL=...)" >&2
  exit 2
fi
if ! command -v likwid-bench >/dev/null; then
  echo "roofline_crosscheck: likwid-bench not found (Debian package 'likwid')" >&2
  exit 2
fi

# likwid-bench pins threads itself; -W N:<size>:<threads> spreads them over the node.
likwid() {  # likwid() TEST SIZE FIELD -> the field's value (MFlops/s or MByte/s)
  local out
  if ! out=$(likwid-bench -t "$1" -W "N:$2:$threads" 2>&1); then
    echo "roofline_crosscheck: likwid-bench -t $1 failed:" >&2
    echo "$out" | tail -5 >&2
    return 1
  fi
  echo "$out" | awk -v f="$3:" '$1 == f { print $2 }'
}

ours() {  # ours() SPEC -> "best median"
  "$cli" roofline --threads "$threads" --probe "$1" |
    sed -n 's/.* best=\([0-9.]*\) median=\([0-9.]*\).*/\1 \2/p'
}

best_of() { printf '%s\n' "$@" | sort -g | tail -1; }

echo "roofline cross-check: $threads threads, DRAM working set $size ($(date -u +%FT%TZ))" >&2
declare -a our_peak_best our_peak_med lk_peak our_copy_best our_copy_med lk_copy
for round in 1 2; do
  echo "round $round: FMA peak" >&2
  read -r b m < <(ours peak:avx512:f32)
  our_peak_best+=("$b"); our_peak_med+=("$m")
  v=$(likwid peakflops_sp_avx512_fma 32kB MFlops/s)
  lk_peak+=("$(awk -v v="$v" 'BEGIN { print v / 1000 }')")
  echo "round $round: copy $size" >&2
  read -r b m < <(ours "copy:$size")
  our_copy_best+=("$b"); our_copy_med+=("$m")
  v=$(likwid copy_avx512 "$size" MByte/s)
  lk_copy+=("$(awk -v v="$v" 'BEGIN { print v / 1000 }')")
done

row() {  # row NAME UNIT OURS_BEST OURS_MEDIAN LIKWID
  awk -v n="$1" -v u="$2" -v b="$3" -v m="$4" -v l="$5" 'BEGIN {
    rb = l > 0 ? b / l : 0; rm = l > 0 ? m / l : 0
    printf "%-22s %-7s %9.1f %9.1f %9.1f %7.3f %7.3f  %s\n", n, u, b, m, l, rb, rm,
           (rm >= 0.9 && rm <= 1.1) ? "median within 10%" : "median OUTSIDE 10%"
  }'
}
printf "%-22s %-7s %9s %9s %9s %7s %7s\n" "figure" "unit" "ours" "ours-med" "likwid" "best/lk" \
  "med/lk"
row "fp32 avx512 FMA peak" GFLOP/s "$(best_of "${our_peak_best[@]}")" \
  "$(best_of "${our_peak_med[@]}")" "$(best_of "${lk_peak[@]}")"
row "copy $size (DRAM)" GB/s "$(best_of "${our_copy_best[@]}")" \
  "$(best_of "${our_copy_med[@]}")" "$(best_of "${lk_copy[@]}")"
echo "(ours: best repeat of ~1 s of probing, the ceiling the roofline uses; ours-med: the median"
echo " repeat, comparable to likwid's whole-run average; each column the best of 2 rounds)"
