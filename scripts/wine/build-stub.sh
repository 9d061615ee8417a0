#!/usr/bin/env bash
# Builds scripts/wine/bcryptprimitives.c with mingw-w64 into the directory given (default: the
# current one): the ProcessPrng stand-in that lets Rust programs start under Wine 8.
set -euo pipefail
out=${1:-.}
here=$(dirname "$0")
mkdir -p "$out"
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$out/bcryptprimitives.dll" "$here/bcryptprimitives.c" \
  -ladvapi32
