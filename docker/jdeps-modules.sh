#!/usr/bin/env bash
# Prints the JDK modules cellstream's jars need (the jlink list in docker/Dockerfile, before the additions it
# explains). Run after ./mvnw -DskipTests package. Some jars are modular with requires that jdeps cannot
# resolve on a class path, so each jar is unpacked without its module-info and analysed as plain classes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bin/jdk25.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for jar in "$here/target/cellstream.jar" "$here"/target/lib/*.jar; do
  d="$tmp/$(basename "$jar" .jar)"
  mkdir -p "$d"
  (cd "$d" && "$JDK/bin/jar" xf "$jar")
  find "$d" -name module-info.class -delete
done
"$JDK/bin/jdeps" --multi-release 25 --print-module-deps --ignore-missing-deps "$tmp"/*
