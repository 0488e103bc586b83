// Error model of the core: functions return a Status (never abort, never print).
// The codes are the stable ones every binding exposes as RuVectorError.code.
#pragma once

#include <string>
#include <utility>

namespace ruv {

// Numeric values are part of the C ABI (ruv_status in core/capi/ruv_capi.h): never renumber.
enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument = 1,    // wrong shape of an argument, empty input, unknown enum, bad config
  kDimensionMismatch = 2,  // vectors / buffers whose lengths disagree
  kNonFinite = 3,          // NaN or +-Infinity where finite numbers are required
  kCorruptData = 4,        // untrusted bytes that do not parse
  kOutOfMemory = 5,
  kUnsupported = 6,  // a feature that is not implemented (never faked)
  kInternal = 7,
  kModelLoadFailed = 8,  // model files that are valid bytes but not a model we can run
};

const char* ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

}  // namespace ruv
