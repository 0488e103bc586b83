// Conversions shared by the binding files: typed-array views without copies, numbers, the one
// way a C ABI status becomes a JS exception (an Error with a numeric `ruvStatus`), and the one
// way an errno does (as node:fs's errors).
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "ruv_capi.h"
#include "ruv_capi_hnsw.h" /* ruv_bytes */

namespace ruv_node {

template <typename T>
struct ArrayView {
  T* data;
  size_t length;  // elements, not bytes
};

template <typename T>
constexpr napi_typedarray_type kTypedArrayType = T::unsupported_element_type;
template <>
inline constexpr napi_typedarray_type kTypedArrayType<float> = napi_float32_array;
template <>
inline constexpr napi_typedarray_type kTypedArrayType<uint8_t> = napi_uint8_array;
template <>
inline constexpr napi_typedarray_type kTypedArrayType<int32_t> = napi_int32_array;
template <>
inline constexpr napi_typedarray_type kTypedArrayType<uint32_t> = napi_uint32_array;

inline const char* ExpectedTypedArray(napi_typedarray_type type) {
  switch (type) {
    case napi_float32_array:
      return "expected a Float32Array";
    case napi_int32_array:
      return "expected an Int32Array";
    case napi_uint32_array:
      return "expected a Uint32Array";
    default:
      return "expected a Uint8Array";
  }
}

// Pointer and length of a typed array argument: its own memory, already adjusted by byteOffset.
// Throws a TypeError when the argument is not a typed array of element type T.
template <typename T>
ArrayView<T> TypedArrayArg(const Napi::CallbackInfo& info, size_t index) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_status status =
      napi_get_typedarray_info(info.Env(), info[index], &type, &length, &data, nullptr, nullptr);
  if (status != napi_ok || type != kTypedArrayType<T>) {
    throw Napi::TypeError::New(info.Env(), ExpectedTypedArray(kTypedArrayType<T>));
  }
  return {static_cast<T*>(data), length};
}

inline int32_t Int32Arg(const Napi::CallbackInfo& info, size_t index) {
  int32_t value = 0;
  if (napi_get_value_int32(info.Env(), info[index], &value) != napi_ok) {
    throw Napi::TypeError::New(info.Env(), "expected a number");
  }
  return value;
}

// A count or dimension: a non-negative integer.
inline size_t SizeArg(const Napi::CallbackInfo& info, size_t index) {
  int64_t value = 0;
  if (napi_get_value_int64(info.Env(), info[index], &value) != napi_ok || value < 0) {
    throw Napi::TypeError::New(info.Env(), "expected a non-negative integer");
  }
  return static_cast<size_t>(value);
}

inline float FloatArg(const Napi::CallbackInfo& info, size_t index) {
  double value = 0;
  if (napi_get_value_double(info.Env(), info[index], &value) != napi_ok) {
    throw Napi::TypeError::New(info.Env(), "expected a number");
  }
  return static_cast<float>(value);
}

inline bool BoolArg(const Napi::CallbackInfo& info, size_t index) {
  bool value = false;
  if (napi_get_value_bool(info.Env(), info[index], &value) != napi_ok) {
    throw Napi::TypeError::New(info.Env(), "expected a boolean");
  }
  return value;
}

// An Error whose message is the C ABI's and whose `ruvStatus` is the status number.
[[noreturn]] inline void ThrowStatus(Napi::Env env, int32_t status, const char* message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("ruvStatus", Napi::Number::New(env, status));
  throw error;
}

[[noreturn]] inline void ThrowStatus(Napi::Env env, int32_t status) {
  ThrowStatus(env, status, ruv_last_error_message());
}

// An Error for a failed system call as node:fs makes them: `code` the errno's name (ENOENT,
// ENOSPC, EACCES...; libuv's codes are -errno on POSIX), `errno` the number, and the message
// `context: reason` (the reason alone when there is no context), so callers map them as they map
// node:fs's (a full disk is QUOTA_EXCEEDED).
inline Napi::Error ErrnoError(Napi::Env env, int err, const std::string& context = "") {
  const std::string reason = std::strerror(err);
  Napi::Error e = Napi::Error::New(env, context.empty() ? reason : context + ": " + reason);
  e.Set("code", Napi::String::New(env, uv_err_name(-err)));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

inline void Check(Napi::Env env, int32_t status) {
  if (status != RUV_OK) [[unlikely]]
    ThrowStatus(env, status);
}

// A size argument that must fit a uint32 (INVALID_ARGUMENT "<module>: value out of range").
inline uint32_t U32Arg(const Napi::CallbackInfo& info, size_t index, const char* module) {
  const size_t v = SizeArg(info, index);
  if (v > UINT32_MAX)
    ThrowStatus(info.Env(), RUV_INVALID_ARGUMENT, (std::string(module) + ": value out of range").c_str());
  return static_cast<uint32_t>(v);
}

// The binding's own guard for memory safety: a buffer the C ABI would read or write past.
// (The TS layer validates first, so this only fires when the addon is called directly.)
inline void RequireLength(Napi::Env env, bool ok, const char* what) {
  if (!ok) [[unlikely]]
    ThrowStatus(env, RUV_DIMENSION_MISMATCH, what);
}

inline std::string IdArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), "expected a string id");
  return info[index].As<Napi::String>().Utf8Value();
}

// Results of at least this many bytes reach JS as an external ArrayBuffer over the C ABI's bytes.
inline constexpr size_t kLendAbove = size_t{1} << 20;

// Hands a C ABI bytes object to JS as a Uint8Array and frees it. Small ones are copied (the copy
// is small beside the work); large ones are lent when the runtime allows external buffers (Node
// builds with the V8 sandbox refuse them: those get a copy).
inline Napi::Uint8Array BytesToJs(Napi::Env env, ruv_bytes* raw) {
  std::unique_ptr<ruv_bytes, void (*)(ruv_bytes*)> bytes(raw, ruv_bytes_free);
  const size_t size = ruv_bytes_size(bytes.get());
  if (size >= kLendAbove) {
    // Large results (a serialized index) are lent, not copied: touching tens of MB of fresh pages
    // on the JS thread costs ~3 ms per MB here, and the bytes are already the caller's to keep.
    auto* data = const_cast<uint8_t*>(ruv_bytes_data(bytes.get()));
    napi_value buffer;
    const napi_status st = napi_create_external_arraybuffer(
        env, data, size, [](napi_env, void*, void* owned) { ruv_bytes_free(static_cast<ruv_bytes*>(owned)); },
        bytes.get(), &buffer);
    if (st == napi_ok) {
      bytes.release();  // the ArrayBuffer's finalizer frees it
      return Napi::Uint8Array::New(env, size, Napi::ArrayBuffer(env, buffer), 0);
    }
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
  }
  Napi::Uint8Array out = Napi::Uint8Array::New(env, size);
  if (size != 0) std::memcpy(out.Data(), ruv_bytes_data(bytes.get()), size);
  return out;
}

// Each binding file adds its functions to the exports object.
void RegisterVectorOps(Napi::Env env, Napi::Object exports);
void RegisterQuant(Napi::Env env, Napi::Object exports);
void RegisterRuntime(Napi::Env env, Napi::Object exports);
void RegisterHnsw(Napi::Env env, Napi::Object exports);
void RegisterEmbed(Napi::Env env, Napi::Object exports);
void RegisterLearn(Napi::Env env, Napi::Object exports);
void RegisterMemory(Napi::Env env, Napi::Object exports);
void RegisterFileLock(Napi::Env env, Napi::Object exports);

}  // namespace ruv_node
