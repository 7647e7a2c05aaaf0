/**
 * Errors the user can act on. Anything that is not one of these is our bug and is reported as such
 * (still without a stack trace unless DEBUG is set).
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** The next thing to try, shown under the message. */
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** Wrong flags or arguments: exit code 2. */
export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint, 2);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
