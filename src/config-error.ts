// A configuration the process cannot run with. Kept apart from config.ts so that the CLI's entry
// point can tell it from other failures (exit 2, not 1) without loading the schema for `--help`.

/** One line per problem, each naming its variable: `RELAIS_ROLES: "web" is not one of api, worker (comma-separated)`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The exit code of a command stopped by it: 2, as a usage error, so scripts can tell it from a failure at work. */
  readonly exitCode = 2;
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}
