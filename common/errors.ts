/**
 * The project's one small error hierarchy. Components throw these; only the
 * HTTP route layer maps them to ETSI SOL005 ProblemDetails (status + detail).
 * Messages say what failed and where (a descriptor path, a field, an argv).
 * They never carry key bytes.
 */

/** One problem found in an input: where (JSON path / file:line) and why. */
export interface Problem {
  /** JSON path such as `vnfd.df[0].vdu-profile[1].id`, or a field name. */
  path: string;
  /** One-line reason. */
  message: string;
  /** File the problem is in, when it came from a file. */
  file?: string;
  /** 1-based line in that file, when known. */
  line?: number;
}

/** Base class: every error the project throws on purpose is a QnfvError. */
export class QnfvError extends Error {
  /** Stable machine-readable code, e.g. `VALIDATION`, `NOT_FOUND`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input: a request body, a descriptor, a configuration value. */
export class ValidationError extends QnfvError {
  readonly problems: Problem[];
  constructor(message: string, problems: Problem[] = []) {
    super('VALIDATION', problems.length > 0 ? `${message}: ${formatProblems(problems)}` : message);
    this.problems = problems;
  }
}

/** The named object does not exist. */
export class NotFoundError extends QnfvError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} '${id}' not found`);
  }
}

/** The request conflicts with the object's current state (HTTP 409). */
export class ConflictError extends QnfvError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** An interface implementation does not support the operation asked for. */
export class NotSupportedError extends QnfvError {
  constructor(message: string) {
    super('NOT_SUPPORTED', message);
  }
}

/** A peer protocol (NETCONF, ETSI 004/014, SSH) answered with an error or garbage. */
export class ProtocolError extends QnfvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PROTOCOL', message, options);
  }
}

/** An external program (ip, ovs-vsctl, ...) failed: argv, exit code and stderr. */
export class DriverError extends QnfvError {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(argv: readonly string[], exitCode: number | null, stderr: string) {
    super('DRIVER', `'${argv.join(' ')}' failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || 'no output'}`);
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** A prerequisite of the machine is missing; the message says how to fix it. */
export class PrerequisiteError extends QnfvError {
  constructor(message: string) {
    super('PREREQUISITE', message);
  }
}

/** Render problems as `path: message (file:line)` joined by `; `. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((p) => {
      const where = p.file ? ` (${p.file}${p.line ? `:${p.line}` : ''})` : p.line ? ` (line ${p.line})` : '';
      return `${p.path}: ${p.message}${where}`;
    })
    .join('; ');
}

/** The message of anything thrown, for logs and op-occurrence error details. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
