/**
 * ETSI GS QKD 004 v2.1.1 messages in the JSON dialect of CONTRACTS.md:
 * OPEN_CONNECT (source, destination, QoS, optional Key_stream_ID), GET_KEY
 * (Key_stream_ID, index, optional metadata) and CLOSE (Key_stream_ID), their
 * responses, request validation with messages naming the field, and the error
 * that carries a non-zero status.
 */
import { ProtocolError, ValidationError } from '../../common/index.js';
import { CMD_CLOSE, CMD_GET_KEY, CMD_OPEN_CONNECT, DEFAULT_QOS, ETSI004_STATUS_NAMES, MAX_INDEX } from './constants.js';

/** QoS of OPEN_CONNECT (`key_chunk_size` in bytes, `timeout` in ms, `ttl` in s). */
export interface Qos {
  key_chunk_size: number;
  max_bps: number;
  min_bps: number;
  jitter: number;
  priority: number;
  timeout: number;
  ttl: number;
  metadata_mimetype: string;
}

/** GET_KEY metadata: `size` = capacity (request) or length (response) of `buffer`. */
export interface Metadata {
  size: number;
  buffer: string;
}

/** OPEN_CONNECT data. */
export interface OpenConnectRequest {
  source: string;
  destination: string;
  qos: Qos;
  /** Absent: the key manager assigns one (side A). Present: join that stream (side B). */
  key_stream_id?: string;
}

/** GET_KEY data. */
export interface GetKeyRequest {
  key_stream_id: string;
  index: number;
  /** The caller's metadata buffer capacity (`size`); `buffer` is ignored on requests. */
  metadata?: { size: number; buffer?: string };
}

/** CLOSE data. */
export interface CloseRequest {
  key_stream_id: string;
}

/** A parsed request. */
export type Etsi004Request =
  | { command: typeof CMD_OPEN_CONNECT; data: OpenConnectRequest }
  | { command: typeof CMD_GET_KEY; data: GetKeyRequest }
  | { command: typeof CMD_CLOSE; data: CloseRequest };

/** OPEN_CONNECT response (`message` is this implementation's explanation of a non-zero status). */
export interface OpenConnectResponse {
  status: number;
  key_stream_id?: string;
  qos?: Qos;
  message?: string;
}

/** GET_KEY response. */
export interface GetKeyResponse {
  status: number;
  index?: number;
  /** Lowercase hex. */
  key_buffer?: string;
  metadata?: Metadata;
  message?: string;
}

/** CLOSE response. */
export interface CloseResponse {
  status: number;
  message?: string;
}

/** A non-zero GS QKD 004 status: thrown by handlers (the server replies with it) and by the client. */
export class Etsi004StatusError extends ProtocolError {
  readonly status: number;
  readonly statusName: string;
  /** The message without the status prefix (what the server sends as `message`). */
  readonly detail: string;
  /** Extra response fields (e.g. the QoS counter-proposal of status 7, required metadata size of 8). */
  readonly response: Record<string, unknown>;
  constructor(status: number, message: string, response: Record<string, unknown> = {}) {
    const name = ETSI004_STATUS_NAMES[status] ?? 'UNKNOWN_STATUS';
    super(`${name} (status ${status}): ${message}`);
    this.status = status;
    this.statusName = name;
    this.detail = message;
    this.response = response;
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` is a UUID (the form of a Key_stream_ID). */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** Validate a decoded message as a request; throws ValidationError naming the field. */
export function parseRequest(msg: Record<string, unknown>): Etsi004Request {
  const command = msg.command;
  const data = msg.data;
  if (typeof command !== 'string') throw new ValidationError('command must be a string');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ValidationError('data must be an object');
  const d = data as Record<string, unknown>;
  switch (command) {
    case CMD_OPEN_CONNECT: {
      const source = str(d, 'source');
      const destination = str(d, 'destination');
      const ksid = d.key_stream_id;
      const out: OpenConnectRequest = { source, destination, qos: parseQos(d.qos) };
      if (ksid !== undefined && ksid !== null && ksid !== '') out.key_stream_id = ksidOf(ksid);
      return { command, data: out };
    }
    case CMD_GET_KEY: {
      const index = d.index;
      if (!Number.isInteger(index) || (index as number) < 0 || (index as number) > MAX_INDEX) {
        throw new ValidationError(`data.index must be an integer in 0..${MAX_INDEX}`);
      }
      const out: GetKeyRequest = { key_stream_id: ksidOf(d.key_stream_id), index: index as number };
      if (d.metadata !== undefined && d.metadata !== null) {
        const m = d.metadata as Record<string, unknown>;
        if (typeof m !== 'object' || !Number.isInteger(m.size) || (m.size as number) < 0) {
          throw new ValidationError('data.metadata.size must be a non-negative integer');
        }
        out.metadata = { size: m.size as number };
      }
      return { command, data: out };
    }
    case CMD_CLOSE:
      return { command, data: { key_stream_id: ksidOf(d.key_stream_id) } };
    default:
      throw new ValidationError(`unknown command '${command}' (OPEN_CONNECT, GET_KEY or CLOSE)`);
  }
}

/** Fill QoS defaults and check types (`TTL` is accepted for `ttl`). */
export function parseQos(value: unknown): Qos {
  if (value === undefined || value === null) return { ...DEFAULT_QOS };
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError('data.qos must be an object');
  const q = value as Record<string, unknown>;
  const num = (field: keyof Qos, v: unknown): number => {
    if (v === undefined || v === null) return DEFAULT_QOS[field] as number;
    if (!Number.isInteger(v) || (v as number) < 0) throw new ValidationError(`data.qos.${field} must be a non-negative integer`);
    return v as number;
  };
  const mime = q.metadata_mimetype ?? DEFAULT_QOS.metadata_mimetype;
  if (typeof mime !== 'string') throw new ValidationError('data.qos.metadata_mimetype must be a string');
  return {
    key_chunk_size: num('key_chunk_size', q.key_chunk_size),
    max_bps: num('max_bps', q.max_bps),
    min_bps: num('min_bps', q.min_bps),
    jitter: num('jitter', q.jitter),
    priority: num('priority', q.priority),
    timeout: num('timeout', q.timeout),
    ttl: num('ttl', q.ttl ?? q.TTL),
    metadata_mimetype: mime,
  };
}

function str(d: Record<string, unknown>, field: string): string {
  const v = d[field];
  if (typeof v !== 'string' || v === '') throw new ValidationError(`data.${field} must be a non-empty string`);
  return v;
}

function ksidOf(v: unknown): string {
  if (typeof v !== 'string' || !isUuid(v)) throw new ValidationError('data.key_stream_id must be a UUID');
  return v.toLowerCase();
}
