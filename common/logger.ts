/**
 * Structured logging: one JSON object per line (or a readable line on a TTY)
 * with a component name and fields. Sinks are pluggable so that a test can
 * capture everything a component logs (the key-leak test does). Log key ids,
 * KSIDs and SPIs only, never key bytes.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One log record as handed to a sink. */
export interface LogRecord {
  time: string;
  level: LogLevel;
  component: string;
  msg: string;
  [field: string]: unknown;
}

/** Where records go. */
export type LogSink = (record: LogRecord) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger for a sub-component (`nfvo.lcm`), sharing sinks and level. */
  child(component: string): Logger;
}

const sinks = new Set<LogSink>();
let threshold: number = LEVELS[(process.env.QNFV_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? LEVELS.info;
let consoleEnabled = process.env.QNFV_LOG !== 'off';

/** Default sink: stderr, JSON lines unless stderr is a terminal. */
function consoleSink(r: LogRecord): void {
  if (!consoleEnabled) return;
  if (process.stderr.isTTY) {
    const { time, level, component, msg, ...rest } = r;
    const extra = Object.keys(rest).length > 0 ? ' ' + JSON.stringify(rest, bigintSafe) : '';
    process.stderr.write(`${time.slice(11, 23)} ${level.padEnd(5)} [${component}] ${msg}${extra}\n`);
  } else {
    process.stderr.write(JSON.stringify(r, bigintSafe) + '\n');
  }
}

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** Add a sink that receives every record at or above the threshold; returns a remover. */
export function addLogSink(sink: LogSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

/** Set the minimum level, and whether the stderr sink writes at all. */
export function configureLogging(opts: { level?: LogLevel; console?: boolean }): void {
  if (opts.level) threshold = LEVELS[opts.level];
  if (opts.console !== undefined) consoleEnabled = opts.console;
}

/** A logger tagged with a component name, e.g. `nfvo`, `vca.a`, `router.r1`. */
export function createLogger(component: string): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[level] < threshold) return;
    const record: LogRecord = { time: new Date().toISOString(), level, component, msg, ...fields };
    consoleSink(record);
    for (const s of sinks) s(record);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (c) => createLogger(`${component}.${c}`),
  };
}
