#!/bin/sh
# Fill the fuzzing corpora: make-seeds.sh SRCDIR CORPUSDIR TARGET...
# Each CORPUSDIR/TARGET gets tests/fuzz/seeds/TARGET/* plus what is generated
# here (binary seeds, so that none is committed). Existing corpus files are
# kept: corpora grow across runs. CORPUSDIR/skiff.dict is a libFuzzer
# dictionary of the names the parsers know (JSON keys, seccomp actions,
# mount options, signals), taken from the sources so it never goes stale.
set -eu
srcdir=$1 corpus=$2
shift 2

# put TARGET NAME: stdin into CORPUSDIR/TARGET/NAME.
put () { cat > "$corpus/$1/$2"; }

# A sync datagram: u32 type, i32 errno (little-endian, as on the hosts we
# fuzz on), then the payload.
sync_msg () { printf "$1"; printf '%s' "$2"; }

mkdir -p "$corpus"
{
  printf '"%s"\n' '{' '}' '[' ']' ':' ',' 'null' 'true' 'false' '-1' '18446744073709551616' '\\u0000'
  cat "$srcdir"/libocispec/*.c "$srcdir"/src/libskiff/linux/seccomp.c \
    "$srcdir"/src/libskiff/linux/mounts.c "$srcdir"/src/libskiff/signals.c |
    grep -o '"[A-Za-z0-9_.+-]\{2,40\}"' | sort -u
} > "$corpus/skiff.dict"

for t in "$@"; do
  mkdir -p "$corpus/$t"
  if [ -d "$srcdir/tests/fuzz/seeds/$t" ]; then
    cp "$srcdir/tests/fuzz/seeds/$t"/* "$corpus/$t/"
  fi
  case $t in
    oci-spec | seccomp)
      for f in "$srcdir"/tests/unit/data/*.json; do
        cp "$f" "$corpus/$t/unit-$(basename "$f")"
      done
      ;;
    id)
      # id NUL cgroupsPath
      printf 'abc\000/sys/fs/cgroup/x' | put id cg-abs
      printf 'abc\000machine.slice/x' | put id cg-rel
      printf 'abc\000/a/../b' | put id cg-dotdot
      printf 'abc\000' | put id cg-empty
      ;;
    sync)
      sync_msg '\001\000\000\000\000\000\000\000' '' | put sync go
      sync_msg '\002\000\000\000\000\000\000\000' '' | put sync ready
      sync_msg '\003\000\000\000\001\000\000\000' 'mount `/proc`: Operation not permitted' | put sync error
      sync_msg '\004\000\000\000\377\377\377\377' 'x' | put sync badtype
      printf '\001\000\000' | put sync short
      { printf '\003\000\000\000\002\000\000\000'; head -c 4001 /dev/zero | tr '\000' A; } | put sync oversized
      ;;
  esac
done
