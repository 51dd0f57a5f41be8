import type { LogLevel } from '../env';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Field names whose values are never written, whatever they hold. */
const SECRET_FIELD = /authorization|secret|token|password|master_?key|admin_?key|cookie/i;
/**
 * Runs of the characters secrets and JWTs are made of. One character class and no
 * alternation: the scan is linear however the input is shaped (`-eyJ` repeated was quadratic).
 */
const TOKEN_RUN = /[\w.-]+/g;

export type LogFields = Record<string, unknown>;

/** Structured JSON logger; one line per entry. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a collector. */
  write?: (line: string) => void;
  base?: LogFields;
}

/**
 * Creates a JSON logger that redacts secrets and tokens by field name and by shape, so a
 * mistake elsewhere cannot put a credential into the logs.
 *
 * @example
 * const logger = createLogger({ level: 'info' });
 * logger.info('listening', { port: 8080 });
 */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = LEVELS[options.level];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const log = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    const entry = { level, time: new Date().toISOString(), msg, ...base, ...fields };
    write(JSON.stringify(redact(entry, 0)));
  };
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

/**
 * Returns a copy of a log value with secrets removed.
 *
 * @example
 * redact({ authorization: 'Bearer …' }, 0); // { authorization: '[redacted]' }
 */
export function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    if (!value.includes('eyJ') && !value.includes('sk_')) return value;
    return value.replace(TOKEN_RUN, redactRun);
  }
  if (value instanceof Error) {
    return redact({ name: value.name, message: value.message, stack: value.stack }, depth);
  }
  if (value === null || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_FIELD.test(key) && item != null ? '[redacted]' : redact(item, depth + 1);
  }
  return out;
}

/** A run that holds an api secret or a JWT becomes `[redacted]` whole; others stay. */
function redactRun(run: string): string {
  if (/(?:^|[^\w])sk_(?:live|test)_/.test(run)) return '[redacted]';
  if (!run.includes('eyJ')) return run;
  const segments = run.split('.');
  // A JWT: a segment starting with eyJ, followed by two more (payload, signature).
  for (let i = 0; i + 2 < segments.length; i++) {
    if (/eyJ/.test(segments[i]!)) return '[redacted]';
  }
  return run;
}
