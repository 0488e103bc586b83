/**
 * Stable error codes. Every backend (native, wasm, js-fallback) throws a {@link RuVectorError}
 * with the same `code` and `message` for the same bad input.
 */
export type RuVectorErrorCode =
  | 'INVALID_ARGUMENT'
  | 'DIMENSION_MISMATCH'
  | 'NON_FINITE'
  | 'CORRUPT_DATA'
  | 'OUT_OF_MEMORY'
  | 'UNSUPPORTED'
  | 'NOT_INITIALIZED'
  | 'BACKEND_UNAVAILABLE'
  | 'MODEL_LOAD_FAILED'
  /** A store opened with another embedding model than the one that made its vectors. */
  | 'MODEL_MISMATCH'
  /** A store another process (or tab) has open for writing. */
  | 'LOCKED'
  /** The disk or the browser's storage quota is full; nothing was changed. */
  | 'QUOTA_EXCEEDED'
  /** The operating system refused a file operation (read-only, missing permission, ...). */
  | 'IO_ERROR'
  | 'INTERNAL';

/** The one error class of ruvector-runtime. `code` is stable; `message` is for people. */
export class RuVectorError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: RuVectorErrorCode;

  constructor(code: RuVectorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuVectorError';
    this.code = code;
  }
}

/**
 * Status numbers of the C ABI (`ruv_status` in core/capi/ruv_capi.h), index = number.
 * Used by the native and wasm adapters to turn a status into a code.
 */
export const CAPI_STATUS_CODES: readonly RuVectorErrorCode[] = [
  'INTERNAL', // 0 is RUV_OK and never thrown
  'INVALID_ARGUMENT',
  'DIMENSION_MISMATCH',
  'NON_FINITE',
  'CORRUPT_DATA',
  'OUT_OF_MEMORY',
  'UNSUPPORTED',
  'INTERNAL',
  'MODEL_LOAD_FAILED',
];

/** BACKEND_UNAVAILABLE from a loader: `<backend> backend unavailable: <reason>`. */
export function backendUnavailable(backend: string, reason: string, cause?: unknown): RuVectorError {
  return new RuVectorError('BACKEND_UNAVAILABLE', `${backend} backend unavailable: ${reason}`, { cause });
}
