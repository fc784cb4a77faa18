#!/usr/bin/env sh
# Starts Temporal's time-skipping test server (Java, from Maven Central) on the port the
# SDK passes as the first argument. The classpath is resolved by scripts/setup.mjs.
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
cp_file="${TEMPORAL_TEST_SERVER_CLASSPATH_FILE:-$here/../.tools/test-server.classpath}"
if [ ! -s "$cp_file" ]; then
  echo "temporal-test-server: classpath file $cp_file is missing; run 'npm run setup'" >&2
  exit 1
fi
exec java -Xss2m -cp "$(cat "$cp_file")" io.temporal.testserver.TestServer "$@"
