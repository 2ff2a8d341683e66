/**
 * Structured logging: one JSON line per event with the object key as a field,
 * quiet by default (warn) unless SKIFF_LOG_LEVEL or --v says otherwise. The
 * logger is passed down to components (child loggers carry `component`), not
 * imported as a global, so tests can silence or capture it.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.SKIFF_LOG_LEVEL ?? 'warn'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

/** A logger that drops everything, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
