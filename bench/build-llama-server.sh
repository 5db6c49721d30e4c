#!/usr/bin/env bash
# Builds llama-server from the llama.cpp source the project's native libraries were built from
# (the git bundle inside npm node-llama-cpp@3.22.1, commit de3ff81) into .llama-server/ (git-ignored),
# for `dotnet run --project bench -c Release -- --vs-llama-server .llama-server/build/bin/llama-server`.
# Opt-in: ./test.sh never runs it. About 13 minutes on 2 quiet cores; it runs at the lowest priority.
#   JOBS (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.llama-server
mkdir -p "$dir"
cd "$dir"
if [ ! -f package/llama/gitRelease.bundle ]; then
  [ -f node-llama-cpp-3.22.1.tgz ] || npm pack node-llama-cpp@3.22.1 >/dev/null
  tar xzf node-llama-cpp-3.22.1.tgz package/llama/gitRelease.bundle
fi
[ -d llama.cpp ] || git clone -q package/llama/gitRelease.bundle llama.cpp
# Only the server: no tests, examples, curl or OpenSSL; native CPU like the prebuilt zen4/haswell variants.
cmake -S llama.cpp -B build -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DGGML_NATIVE=ON >/dev/null
nice -n 19 cmake --build build --config Release -j"${JOBS:-2}" --target llama-server
echo "$PWD/build/bin/llama-server"
