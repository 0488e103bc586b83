/* The wasm module exports the C ABI, linked from ruv_core (see CMakeLists.txt). The only code of
 * its own is the bridges that let a JS function act as a C ABI callback (a search's
 * ruv_hnsw_allow_fn, a load's ruv_embed_read_fn): the C ABI calls a C function pointer, and a JS
 * function is not one. Emscripten's addFunction would
 * make one, but it compiles a small wasm module at run time, which Workers forbid; instead each
 * C function below forwards to a JS import (EM_JS), and the TS adapter passes its address.
 * Nothing is added to the table at run time (no -sALLOW_TABLE_GROWTH). */
#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>

#include "ruv_capi.h"
#include "ruv_capi_embed.h"
#include "ruv_capi_hnsw.h"

_Static_assert(sizeof(size_t) == 4, "the TS adapter passes pointers and sizes as 32-bit numbers");
_Static_assert(sizeof(void*) == 4, "the TS adapter passes pointers and sizes as 32-bit numbers");

/* Calls Module.ruvHnswAllow(ctx, id, id_len), set by js/src/backends/wasm/hnsw.ts. The adapter's
 * function never throws (it catches the predicate's exceptions and rethrows them after the search
 * returns), so no JS exception unwinds through the core's frames (which would leave the index's
 * lock held and the search's memory leaked). */
EM_JS(int32_t, ruv_wasm_js_allow, (void* ctx, const char* id, size_t id_len),
      { return Module["ruvHnswAllow"](ctx, id, id_len); });

static int32_t ruv_wasm_allow(void* ctx, const char* id, size_t id_len) {
  return ruv_wasm_js_allow(ctx, id, id_len);
}

/* The ruv_hnsw_allow_fn to pass to ruv_hnsw_search for a JS predicate (a table index). */
EMSCRIPTEN_KEEPALIVE ruv_hnsw_allow_fn ruv_wasm_hnsw_allow_fn(void) { return &ruv_wasm_allow; }

/* Calls Module.ruvEmbedRead(ctx, offset, dst, n), set by js/src/backends/wasm/embed.ts for the
 * duration of a ruv_embed_load_sourced: copies bytes of a file held in JS memory into the heap
 * (never throws: it returns 0 instead). */
EM_JS(int32_t, ruv_wasm_js_read, (void* ctx, size_t offset, uint8_t* dst, size_t n),
      { return Module["ruvEmbedRead"](ctx, offset, dst, n); });

static int32_t ruv_wasm_read(void* ctx, size_t offset, uint8_t* dst, size_t n) {
  return ruv_wasm_js_read(ctx, offset, dst, n);
}

/* The ruv_embed_read_fn to pass to ruv_embed_load_sourced for a file in JS memory. */
EMSCRIPTEN_KEEPALIVE ruv_embed_read_fn ruv_wasm_embed_read_fn(void) { return &ruv_wasm_read; }
