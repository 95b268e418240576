# Sourced by ./perpetua and .ci/run: sets JAVA_HOME to a JDK >= 21 and puts it first on PATH.
# Order: $JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm.

perpetua_java_major() { # prints the major version of the java binary $1, or 0
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case "$v" in 1.*) v=${v#1.}; v=${v%%.*} ;; esac
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

perpetua_find_jdk() {
  local best="" best_major=0 dir major
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" ]]; then
    major=$(perpetua_java_major "$JAVA_HOME/bin/java")
    if (( major >= 21 )); then export PATH="$JAVA_HOME/bin:$PATH"; return 0; fi
  fi
  for dir in /usr/lib/jvm/*; do
    [[ -x "$dir/bin/java" && -x "$dir/bin/javac" && ! -L "$dir" ]] || continue
    major=$(perpetua_java_major "$dir/bin/java")
    if (( major > best_major )); then best="$dir"; best_major=$major; fi
  done
  if (( best_major >= 21 )); then
    export JAVA_HOME="$best" PATH="$best/bin:$PATH"
    return 0
  fi
  echo "perpetua: no JDK 21 or newer found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm has none); install one and set JAVA_HOME" >&2
  return 1
}
