// A mistake in how a command was called (a missing URL or token, a bad time, an unreadable
// file): one line on stderr and exit 2, which scripts read as "usage", not "the call failed".
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}
