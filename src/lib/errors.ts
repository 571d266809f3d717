/**
 * One error type for the whole gateway (nodebestpractices): `code` is stable and machine-readable,
 * `httpStatus` maps it to HTTP, `operational` says whether it is an expected refusal or a bug, and
 * `retryable` whether the same thing done again later may work (courier's `SendError`). Business
 * refusals are not errors but values (`Refusal`, ledger/refusals.ts).
 */
export class AppError extends Error {
  /** Doing it again later may work (a link down, a peer busy). Default false. */
  readonly retryable: boolean;

  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    readonly operational = true,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.retryable = options?.retryable ?? false;
  }
}

export const badRequest = (message: string) => new AppError('bad_request', message, 400);
export const unauthorized = () => new AppError('unauthorized', 'missing or wrong bearer token', 401);
export const notFound = (what: string) => new AppError('not_found', `${what} not found`, 404);
export const conflict = (code: string, message: string) => new AppError(code, message, 409);
