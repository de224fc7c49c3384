// Structured JSON logs. Secrets never reach them: bearer tokens, webhook secrets and signature
// headers are censored wherever they appear in a logged object.
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'request.headers["webhook-signature"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'relais' } }, destination);
}
