# Sourced by bin/cellstream and bin/test: finds a JDK 25 and exports JAVA_HOME, or says how to get one.
find_java25() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  candidates+=(/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25)
  local c v
  for c in "${candidates[@]}"; do
    if [ -x "$c/bin/java" ]; then
      v="$("$c/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
      if [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
        echo "$c"; return 0
      fi
    fi
  done
  return 1
}

if ! JDK="$(find_java25)"; then
  cat >&2 <<MSG
cellstream needs JDK 25 and none was found.
  Looked at: \$JAVA_HOME (${JAVA_HOME:-unset}), /usr/lib/jvm/temurin-25-jdk-amd64, /usr/lib/jvm/java-25-openjdk-amd64.
  Install Temurin 25 (https://adoptium.net) or your distribution's openjdk-25-jdk, then
  export JAVA_HOME=/path/to/jdk-25 and run this command again.
MSG
  exit 3
fi
export JAVA_HOME="$JDK"
