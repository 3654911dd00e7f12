/**
 * The HTTP edge's error mapping: QnfvErrors become ETSI SOL005 ProblemDetails
 * (clause 4.3.5.3, `application/problem+json`) with the status the error
 * class implies; anything else is a 500 whose detail is logged but not
 * leaked. Only this layer knows about HTTP.
 */
import Boom from '@hapi/boom';
import type { Request, ResponseToolkit, ResponseObject } from '@hapi/hapi';
import { ConflictError, NotFoundError, NotSupportedError, QnfvError, ValidationError, createLogger } from '../../common/index.js';
import type { ProblemDetails } from '../model.js';

const log = createLogger('nfvo.api');

/** HTTP status for an error thrown below the route layer. */
export function statusOf(err: unknown): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof NotSupportedError) return 501;
  if (Boom.isBoom(err)) return err.output.statusCode;
  return 500;
}

/** ProblemDetails for an error. */
export function problemOf(err: unknown, instance?: string): ProblemDetails {
  const status = statusOf(err);
  if (Boom.isBoom(err)) {
    const data = err.data as { problems?: ProblemDetails['problems'] } | null;
    const problems = (err as { problems?: ProblemDetails['problems'] }).problems ?? data?.problems;
    return { status, title: err.output.payload.error, detail: err.message, instance, ...(problems ? { problems } : {}) };
  }
  if (err instanceof QnfvError) {
    const problems = err instanceof ValidationError && err.problems.length > 0 ? err.problems : undefined;
    return { status, title: err.name, detail: err.message, instance, ...(problems ? { problems } : {}) };
  }
  return { status: 500, title: 'Internal Server Error', detail: 'an unexpected error occurred; see the NFVO log', instance };
}

/** hapi onPreResponse extension: render every error as ProblemDetails. */
export function renderProblems(request: Request, h: ResponseToolkit): ResponseObject | symbol {
  const response = request.response;
  if (!Boom.isBoom(response)) return h.continue;
  const original = (response.data as { cause?: unknown } | null)?.cause ?? response;
  const problem = problemOf(original, request.path);
  if (problem.status >= 500) log.error('request failed', { path: request.path, method: request.method, error: (original as Error).message });
  const res = h.response(problem).code(problem.status).type('application/problem+json');
  // Keep the headers the error carries (Allow of a 405, RFC 9110 §15.5.6).
  for (const [name, value] of Object.entries(response.output.headers)) if (value !== undefined) res.header(name, String(value));
  return res;
}

/** Wrap a thrown error so renderProblems can map it (hapi needs a Boom). */
export function toBoom(err: unknown): Boom.Boom {
  if (Boom.isBoom(err)) return err;
  const b = new Boom.Boom((err as Error)?.message ?? String(err), { statusCode: statusOf(err), data: { cause: err } });
  return b;
}
