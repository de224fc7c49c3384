// One catalog of expected errors, each with a stable code and HTTP status. The API turns them
// into RFC 9457 problem details; anything not in here is a fault, logged and answered 500.
export interface FieldError {
  field: string; // JSON path of the offending input, e.g. `events[0]` or `body.url`
  message: string;
}

export class RelaisError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'RelaisError';
  }
}

export const errors = {
  validation: (errs: FieldError[], detail?: string) =>
    new RelaisError('RELAIS_ERR_VALIDATION', 422, 'Invalid request', detail ?? errs.map((e) => `${e.field}: ${e.message}`).join('; '), errs),
  badRequest: (detail: string, field?: string) =>
    new RelaisError('RELAIS_ERR_BAD_REQUEST', 400, 'Bad request', detail, field ? [{ field, message: detail }] : []),
  unauthenticated: () =>
    new RelaisError('RELAIS_ERR_AUTH_MISSING', 401, 'Unauthenticated', 'send a valid bearer token in the Authorization header'),
  linkExpired: () =>
    new RelaisError('RELAIS_ERR_AUTH_EXPIRED', 401, 'Unauthenticated', 'this sign-in link has expired: ask for a new one'),
  forbidden: (detail: string) => new RelaisError('RELAIS_ERR_AUTH_FORBIDDEN', 403, 'Forbidden', detail),
  notFound: (what: string, id: string) =>
    new RelaisError('RELAIS_ERR_NOT_FOUND', 404, 'Not found', `${what} "${id}" does not exist`),
  conflict: (detail: string, field?: string) =>
    new RelaisError('RELAIS_ERR_CONFLICT', 409, 'Conflict', detail, field ? [{ field, message: detail }] : []),
  /** An idempotency id sent again with another type or data. */
  idempotencyConflict: (errs: FieldError[]) =>
    new RelaisError('RELAIS_ERR_IDEMPOTENCY_CONFLICT', 409, 'Conflict', errs.map((e) => `${e.field}: ${e.message}`).join('; '), errs),
} as const;
