#!/usr/bin/env bash
# Runs CustomGpt locally: ModelApi with the repository's default model, and the Dashboard wired to it.
# Needs the .NET 10 SDK and Node/npm (the build fetches llama.cpp's libraries with npm pack).
#   API_PORT (default 8080), DASHBOARD_PORT (default 5000), API_KEY (optional), MODEL_PATH (optional)
set -euo pipefail
cd "$(dirname "$0")"
api_port=${API_PORT:-8080}
dashboard_port=${DASHBOARD_PORT:-5000}
out=artifacts/run

echo "Building ModelApi and the Dashboard (Release)..."
dotnet publish ModelApi -c Release -o "$out/ModelApi" --disable-build-servers -v quiet -nologo
dotnet publish Dashboard -c Release -o "$out/Dashboard" --disable-build-servers -v quiet -nologo

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

PORT=$api_port HOST=127.0.0.1 API_REFERENCE=true MODEL_PATH=${MODEL_PATH:-$PWD/models/custom-gpt.gguf} \
  dotnet "$out/ModelApi/ModelApi.dll" &
pids+=($!)
PORT=$dashboard_port HOST=127.0.0.1 GPT_API_URL=http://127.0.0.1:$api_port GPT_API_KEY=${API_KEY:-} \
  dotnet "$out/Dashboard/Dashboard.dll" &
pids+=($!)

for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$api_port/health" >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<MSG

  ModelApi   http://127.0.0.1:$api_port   (API reference: http://127.0.0.1:$api_port/scalar/; try: curl -s http://127.0.0.1:$api_port/generate -H 'Content-Type: application/json' -d '{"seed":42,"temperature":0.8,"num_chars":200}')
  Dashboard  http://127.0.0.1:$dashboard_port

Ctrl+C stops both.
MSG
wait
