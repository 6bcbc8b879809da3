/** Errors the core throws on purpose; app.onError maps them to HTTP answers. */

export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

/**
 * A per-field message collector without a prototype: field names come from
 * user input, and "constructor" or "__proto__" must be plain keys.
 */
export function fieldMessages(): Record<string, string[]> {
  return Object.create(null) as Record<string, string[]>;
}

export class NotFoundError extends AppError {
  constructor(message = 'The page or resource you asked for does not exist.') {
    super(404, 'not_found', message);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, fields?: Record<string, string[]>) {
    super(400, 'invalid_input', message, fields);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Sign in first.') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this.') {
    super(403, 'forbidden', message);
  }
}

export class TooManyRequestsError extends AppError {
  /** `retryAfterSeconds` becomes the Retry-After header: when trying again can succeed. */
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(429, 'too_many_requests', message);
  }
}

/** The Retry-After header for an error that says when to come back, else none. */
export function retryAfterHeader(error: unknown): Record<string, string> {
  return error instanceof TooManyRequestsError && error.retryAfterSeconds !== undefined
    ? { 'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) }
    : {};
}
