# Sourced by ./perpetua and .ci/run: sets JAVA_HOME to a JDK >= 21 and puts it first on PATH.
# Order: $JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm.

perpetua_java_major() { # prints the major version of the java binary $1, or 0
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case "$v" in 1.*) v=${v#1.}; v=${v%%.*} ;; esac
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

# Maven 3.9.x itself (jansi, guava) trips JDK 22+ warnings on every run; these flags quiet them.
# They cannot go in .mvn/jvm.config because a JDK 21 rejects the ones it does not know.
perpetua_maven_opts() { # $1 = major version of the JDK Maven will run on
  local opts=""
  (( $1 >= 22 )) && opts="--enable-native-access=ALL-UNNAMED"
  (( $1 >= 23 )) && opts="$opts --sun-misc-unsafe-memory-access=allow"
  [[ -n "$opts" ]] && export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }$opts"
  return 0
}

perpetua_find_jdk() {
  local best="" best_major=0 dir major
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" ]]; then
    major=$(perpetua_java_major "$JAVA_HOME/bin/java")
    if (( major >= 21 )); then
      export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
      perpetua_maven_opts "$major"
      return 0
    fi
  fi
  for dir in /usr/lib/jvm/*; do
    [[ -x "$dir/bin/java" && -x "$dir/bin/javac" && ! -L "$dir" ]] || continue
    major=$(perpetua_java_major "$dir/bin/java")
    if (( major > best_major )); then best="$dir"; best_major=$major; fi
  done
  if (( best_major >= 21 )); then
    export JAVA_HOME="$best" PATH="$best/bin:$PATH"
    perpetua_maven_opts "$best_major"
    return 0
  fi
  echo "perpetua: no JDK 21 or newer found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm has none); install one and set JAVA_HOME" >&2
  return 1
}
