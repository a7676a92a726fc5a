import { ApiError } from '../../lib/api';

/** A check made before sending, shaped like the node's 422 so forms show it at the field. */
export function invalid(errors: Record<string, string[]>): ApiError {
  return new ApiError({ type: 'about:blank', status: 422, code: 'validation_failed', title: 'Invalid', detail: '', errors });
}
