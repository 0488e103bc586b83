// Internal to core/capi: the one per-thread last error behind ruv_last_error_message(), shared by
// every file of the C ABI (ruv_capi.cc, ruv_capi_hnsw.cc), and the guard that keeps exceptions
// from crossing the C boundary. Not installed, not seen by the bindings.
#pragma once

#include <cstdint>
#include <exception>
#include <new>

#include "ruv/status.h"

namespace ruv::capi {

// Keeps `message` as this thread's last error and returns `code`. Assigning the message may itself
// run out of memory; the code still gets through (with an empty message).
int32_t Fail(ruv::ErrorCode code, const char* message) noexcept;

// RUV_OK for an ok status; otherwise keeps "<function>: <status message>" (the status message alone
// when function is null) and returns the code.
int32_t Report(const char* function, const ruv::Status& status) noexcept;

// The thread's last error message ("" if none); valid until the next failing call on this thread.
const char* LastErrorMessage() noexcept;

// Runs `body` (which returns a ruv_status) so that no exception crosses the C boundary.
template <class Body>
int32_t Guard(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(ruv::ErrorCode::kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    return Fail(ruv::ErrorCode::kInternal, e.what());
  } catch (...) {
    return Fail(ruv::ErrorCode::kInternal, "unknown C++ exception");
  }
}

}  // namespace ruv::capi
