// How a failed command ends: the lines it writes on stderr and its exit code. Scripts rely on
// the codes: 0 done, 1 the call failed (the API refused it, Relais could not be reached, a
// signature did not verify), 2 the command was called wrongly. Nothing here imports the SDK:
// its errors are recognised by name, so `relais --help` loads none of it.

interface ApiErrorLike {
  name: 'RelaisApiError';
  status: number;
  title: string;
  detail: string;
  errors: { field: string; message: string }[];
}

function isApiError(err: unknown): err is ApiErrorLike {
  return err instanceof Error && err.name === 'RelaisApiError' && typeof (err as Partial<ApiErrorLike>).status === 'number';
}

/** `<status> <title>: <field>: <message>`, one line per named field (the detail when none is named). */
export function apiErrorLines(err: ApiErrorLike): string[] {
  const head = `${err.status} ${err.title}`;
  if (err.errors.length > 0) return err.errors.map((e) => `${head}: ${e.field}: ${e.message}`);
  return [err.detail ? `${head}: ${err.detail.split('\n')[0]}` : head];
}

/** A network failure (fetch's TypeError) says little; its cause says what happened. */
function networkLine(err: Error): string | undefined {
  if (!(err instanceof TypeError) || err.message !== 'fetch failed') return undefined;
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return `cannot reach Relais: ${cause?.code ?? cause?.message ?? 'network error'} (check RELAIS_URL / --url)`;
}

/** The stderr lines and exit code of an error thrown by a remote command. */
export function describeFailure(err: unknown): { lines: string[]; exitCode: number } {
  if (isApiError(err)) return { lines: apiErrorLines(err), exitCode: 1 };
  if (err instanceof Error && err.name === 'UsageError') return { lines: [err.message], exitCode: 2 };
  if (err instanceof Error) return { lines: (networkLine(err) ?? err.message).split('\n'), exitCode: 1 };
  return { lines: [String(err)], exitCode: 1 };
}
