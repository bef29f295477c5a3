#!/bin/sh
# Stand-in for `dotnet-qcqa build` in the build-integration tests: takes the engine's command line, speaks the
# --msbuild line protocol, writes one output and a dependency file listing it (the one channel for produced
# files), and appends to runs.log in the cache folder
# so tests can count its runs. What it does is chosen by words in the spec:
#   FAIL   -> canonical error + warning lines, exit 1
#   CRASH  -> a stack-trace-like text on stderr, exit 3, no error line
#   otherwise: info/verbose lines, output <out>/tiny/half/config.json (a copy of the spec), exit 0
set -eu
if [ "${1:-}" != build ]; then echo "fake engine: expected 'build', got '${1:-}'" >&2; exit 2; fi
spec=$2
shift 2
out='' cache='' deps='' device=''
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --deps-file) deps=$2; shift 2 ;;
    --msbuild) shift ;;
    *) echo "fake engine: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$cache"
echo "run $spec" >> "$cache/runs.log"
if grep -q FAIL "$spec"; then
  echo "error: $spec(3,5): error QCQA041: Unknown key 'bugdet' in a variant; did you mean 'budget'?"
  echo "warning: $spec(4,7): warning QCQA042: The budget {0} looks odd."
  exit 1
fi
if grep -q CRASH "$spec"; then
  echo "Unhandled exception. System.InvalidOperationException: boom" >&2
  echo "   at Qcqa.Cli.Program.Main()" >&2
  exit 3
fi
echo "info: Compressing $spec"
echo "verbose: device=${device:-from spec}"
target="$out/tiny/half/config.json"
mkdir -p "$(dirname "$target")"
cp "$spec" "$target"
mkdir -p "$(dirname "$deps")"
printf '# qcqa dependency file, format 1\ninput\t%s\noutput\t%s\n' "$spec" "$target" > "$deps.tmp.$$"
mv "$deps.tmp.$$" "$deps"
