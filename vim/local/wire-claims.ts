/**
 * The UDP port of each virtual link under the `local` driver: every member
 * of a link binds that port on its own loopback address (see
 * virtual-router/wire/wire-address.ts), so two links must never share one.
 * Ports are claimed in a per-user folder that every installation and
 * process of this user sees, with exclusive file creation (O_EXCL), so that
 * two domains ensuring the same link at once — in two processes even — end
 * up with the same port, and two links never with one:
 *   ports/<port>        which link holds the port (created first)
 *   links/<hash>.json   the link's port (created second; the one that exists wins)
 * A claim says nothing about other users' or programs' sockets: binding
 * each member (createRouter, createHost) finds those.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, DriverError } from '../../common/index.js';
import type { NetworkKind } from '../types.js';
import { ensurePrivateDir } from './local-paths.js';

/** Link ports are taken from [WIRE_PORT_MIN, WIRE_PORT_MIN + WIRE_PORT_COUNT): unprivileged, below Linux's ephemeral range (32768+). */
export const WIRE_PORT_MIN = 20000;
export const WIRE_PORT_COUNT = 12000;

/** Which link holds a port. */
export interface WireClaim {
  installationId: string;
  instanceId: string;
  network: string;
  kind: NetworkKind;
  port: number;
}

function sameLink(a: Omit<WireClaim, 'kind' | 'port'>, b: Omit<WireClaim, 'kind' | 'port'>): boolean {
  return a.installationId === b.installationId && a.instanceId === b.instanceId && a.network === b.network;
}

function isClaim(x: unknown): x is WireClaim {
  const c = x as Partial<WireClaim> | null;
  return !!c && typeof c.installationId === 'string' && typeof c.instanceId === 'string' && typeof c.network === 'string' && typeof c.kind === 'string' && Number.isInteger(c.port);
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof SyntaxError) return undefined; // being written or damaged: not a claim
    throw err;
  }
}

/** Create `file` with `text` unless it exists; true when this call created it. */
async function createExclusive(file: string, text: string): Promise<boolean> {
  try {
    await writeFile(file, text, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The claims folder of one user. */
export class WireClaims {
  constructor(readonly dir: string) {}

  private linkFile(link: Omit<WireClaim, 'kind' | 'port'>): string {
    const h = createHash('sha256').update(`${link.installationId}\0${link.instanceId}\0${link.network}`).digest('hex').slice(0, 32);
    return join(this.dir, 'links', `${h}.json`);
  }

  private portFile(port: number): string {
    return join(this.dir, 'ports', String(port));
  }

  /** The link's claim, or undefined. */
  async find(link: Omit<WireClaim, 'kind' | 'port'>): Promise<WireClaim | undefined> {
    const c = await readJson(this.linkFile(link));
    return isClaim(c) && sameLink(c, link) ? c : undefined;
  }

  /** The link's port: the existing claim, or a new one. ConflictError when the link exists with another kind. */
  async claim(link: Omit<WireClaim, 'port'>): Promise<WireClaim> {
    await ensurePrivateDir(join(this.dir, 'links'));
    await ensurePrivateDir(join(this.dir, 'ports'));
    const known = await this.find(link);
    if (known) return checkKind(known, link.kind);
    const seed = createHash('sha256').update(`${link.installationId}\0${link.instanceId}\0${link.network}`).digest();
    for (let attempt = 0; attempt < WIRE_PORT_COUNT; attempt++) {
      const port = WIRE_PORT_MIN + ((seed.readUInt32BE(0) + attempt * 7919) % WIRE_PORT_COUNT);
      const claim: WireClaim = { ...link, port };
      if (!(await createExclusive(this.portFile(port), JSON.stringify(claim)))) continue;
      if (await createExclusive(this.linkFile(link), JSON.stringify(claim))) return claim;
      // Another process claimed the link meanwhile: give the port back and use theirs.
      await rm(this.portFile(port), { force: true });
      const theirs = await this.find(link);
      if (theirs) return checkKind(theirs, link.kind);
      throw new DriverError(['claim', this.linkFile(link)], null, 'the link file exists but is unreadable');
    }
    throw new DriverError(['claim', this.dir], null, `all ${WIRE_PORT_COUNT} link ports from ${WIRE_PORT_MIN} are claimed: remove stale instances (reconcile)`);
  }

  /** Every claim of an installation (of every installation when undefined). */
  async list(installationId?: string): Promise<WireClaim[]> {
    const files = await readdir(join(this.dir, 'links')).catch(() => [] as string[]);
    const claims = await Promise.all(files.filter((f) => f.endsWith('.json')).map((f) => readJson(join(this.dir, 'links', f))));
    return claims.filter((c): c is WireClaim => isClaim(c) && (installationId === undefined || c.installationId === installationId));
  }

  /** Give the link's port back; true when a claim was removed. */
  async release(link: Omit<WireClaim, 'kind' | 'port'>): Promise<boolean> {
    const c = await this.find(link);
    if (!c) return false;
    await rm(this.linkFile(link), { force: true });
    const holder = await readJson(this.portFile(c.port));
    if (isClaim(holder) && sameLink(holder, link)) await rm(this.portFile(c.port), { force: true });
    return true;
  }
}

function checkKind(c: WireClaim, kind: NetworkKind): WireClaim {
  if (c.kind !== kind) throw new ConflictError(`network '${c.network}' of instance '${c.instanceId}' exists as kind '${c.kind}'`);
  return c;
}
