#include "ruv/status.h"

namespace ruv {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "OK";
    case ErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::kDimensionMismatch:
      return "DIMENSION_MISMATCH";
    case ErrorCode::kNonFinite:
      return "NON_FINITE";
    case ErrorCode::kCorruptData:
      return "CORRUPT_DATA";
    case ErrorCode::kOutOfMemory:
      return "OUT_OF_MEMORY";
    case ErrorCode::kUnsupported:
      return "UNSUPPORTED";
    case ErrorCode::kInternal:
      return "INTERNAL";
    case ErrorCode::kModelLoadFailed:
      return "MODEL_LOAD_FAILED";
  }
  return "UNKNOWN";
}

}  // namespace ruv
