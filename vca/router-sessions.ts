/**
 * The VCA's NETCONF sessions to its routers, per NS instance: opened once
 * the router answers on its management address (host key pinned to the key
 * the VCA generated for it at day 0), reused for every edit, closed on
 * teardown.
 */
import { NetconfClient } from '../common/netconf/index.js';
import { NotFoundError, ProtocolError, createLogger, errorMessage } from '../common/index.js';

/** Pause between connection attempts while a router boots (a refused local connect costs next to nothing). */
const RETRY_MS = 50;
const log = createLogger('vca.netconf');

export interface RouterEndpoint {
  host: string;
  port: number;
  hostKeyFingerprint: string;
}

/** NETCONF clients keyed by instance and VNF. */
export class RouterSessions {
  private readonly sessions = new Map<string, NetconfClient>();

  constructor(private readonly credentials: { username: string; privateKey: string }) {}

  /** Connect, retrying until the router's NETCONF server answers or `timeoutMs` passes. */
  async open(instanceId: string, vnfId: string, ep: RouterEndpoint, timeoutMs = 20_000): Promise<NetconfClient> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const client = await NetconfClient.connect({
          host: ep.host,
          port: ep.port,
          username: this.credentials.username,
          privateKey: this.credentials.privateKey,
          hostKeyFingerprint: ep.hostKeyFingerprint,
          // Never wait past the deadline the caller gave.
          readyTimeout: Math.max(500, Math.min(5000, deadline - Date.now())),
        });
        // A router recreated (heal) replaces its session: the old one must not be left open.
        const previous = this.sessions.get(key(instanceId, vnfId));
        this.sessions.set(key(instanceId, vnfId), client);
        if (previous) await previous.close().catch(() => undefined);
        log.info('NETCONF session open', { instanceId, vnfId, host: ep.host });
        return client;
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    throw new ProtocolError(`router ${vnfId} did not answer NETCONF on ${ep.host}:${ep.port} within ${timeoutMs} ms: ${errorMessage(last)}`);
  }

  /** The open session of a router. */
  get(instanceId: string, vnfId: string): NetconfClient {
    const c = this.sessions.get(key(instanceId, vnfId));
    if (!c) throw new NotFoundError('NETCONF session to router', `${instanceId}/${vnfId}`);
    return c;
  }

  /** Close every session of an instance. */
  async closeInstance(instanceId: string): Promise<void> {
    for (const [k, c] of this.sessions) {
      if (!k.startsWith(`${instanceId}/`)) continue;
      this.sessions.delete(k);
      await c.close().catch(() => undefined);
    }
  }

  /** Close the session to one router (it is being removed); fine when there is none. */
  async close(instanceId: string, vnfId: string): Promise<void> {
    const c = this.sessions.get(key(instanceId, vnfId));
    this.sessions.delete(key(instanceId, vnfId));
    await c?.close().catch(() => undefined);
  }

  /** Close everything. */
  async closeAll(): Promise<void> {
    for (const c of this.sessions.values()) await c.close().catch(() => undefined);
    this.sessions.clear();
  }
}

function key(instanceId: string, vnfId: string): string {
  return `${instanceId}/${vnfId}`;
}
