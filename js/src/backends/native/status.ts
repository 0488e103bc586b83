/** The addon's errors: a failing C ABI call throws an Error carrying `ruvStatus`. */
import { CAPI_STATUS_CODES, RuVectorError } from '../../errors.js';

/** Turns the addon's status errors into RuVectorError; other errors pass through. */
export function rethrow(error: unknown): never {
  const status = (error as { ruvStatus?: unknown } | null)?.ruvStatus;
  if (typeof status === 'number') {
    throw new RuVectorError(CAPI_STATUS_CODES[status] ?? 'INTERNAL', (error as Error).message);
  }
  throw error;
}

/** Runs a call into the addon, turning its status errors into RuVectorError. */
export function guarded<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    rethrow(error);
  }
}
