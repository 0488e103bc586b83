// Entry point of ruvector_native.node. Each *_binding.cc file registers one module of the C ABI;
// long-running work (HNSW build, batch embedding) will come as Napi::AsyncWorker subclasses in
// their own files, registered the same way.
#include <napi.h>

#include "binding_util.h"

static Napi::Object InitRuvectorNative(Napi::Env env, Napi::Object exports) {
  ruv_node::RegisterRuntime(env, exports);
  ruv_node::RegisterVectorOps(env, exports);
  ruv_node::RegisterQuant(env, exports);
  ruv_node::RegisterHnsw(env, exports);
  ruv_node::RegisterEmbed(env, exports);
  ruv_node::RegisterLearn(env, exports);
  ruv_node::RegisterMemory(env, exports);
  ruv_node::RegisterFileLock(env, exports);
  return exports;
}

NODE_API_MODULE(ruvector_native, InitRuvectorNative)
