/**
 * The NFVO process: hapi REST server (SOL005 routes, OSM's paths), the
 * embedded store under the data directory, the catalog and the NS LCM with
 * its domain connector. `start()` first marks operations a crashed process
 * left behind as FAILED_TEMP. `GET /health` answers without authentication.
 */
import Hapi from '@hapi/hapi';
import { createLogger, type Logger } from '../common/index.js';
import { FileStore, type Store } from './store/index.js';
import { NsLcm, type DomainConnector } from './lcm/index.js';
import { Catalog } from './catalog/index.js';
import { TunnelMaintainer, type TunnelMaintainerOptions } from './ccips/index.js';
import { nslcmRoutes } from './api/nslcm-routes.js';
import { adminRoutes } from './api/admin-routes.js';
import { catalogRoutes } from './api/catalog-routes.js';
import { renderProblems } from './api/problem.js';
import { authRoutes } from './api/auth-routes.js';
import { AuthService, installAuth, type LoginThrottleSettings } from './auth/index.js';
import { SubscriptionManager } from './subscriptions/index.js';
import { subscriptionRoutes } from './api/subscription-routes.js';
import { openApiDocument } from './api/openapi.js';
import { Pager } from './api/paging.js';

/** Version of the NBI document (the package's). */
const NBI_VERSION = '0.1.0';

export interface NfvoOptions {
  dataDir: string;
  installationId: string;
  connector: DomainConnector;
  host?: string;
  port?: number;
  store?: Store;
  logger?: Logger;
  /** The first admin, created at start when the store has no users (e.g. from QNFV_ADMIN_USER / QNFV_ADMIN_PASSWORD). */
  bootstrapAdmin?: { username: string; password: string };
  /** Bearer token lifetime in seconds (default 3600). */
  tokenTtlS?: number;
  /** Failed-login limits of POST /admin/v1/tokens (default 5 per username + address, 20 per address, in 15 min; 15-min lockout). */
  loginThrottle?: LoginThrottleSettings;
  /** Serve HTTPS with this PEM key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Notification delivery tunables (retry back-off, timeout). */
  notifications?: { retryDelaysMs?: number[]; timeoutMs?: number };
  /** Records per page of the GET lists (SOL013 5.4.2 paging; default 100). */
  pageSize?: number;
  /** Tunables of the rekey service (drain time, retries). */
  tunnelMaintenance?: Partial<Pick<TunnelMaintainerOptions, 'drainMs' | 'retries' | 'retryMs' | 'reconnectMs'>>;
}

/** A running NFVO. */
export class NfvoServer {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly lcm: NsLcm;
  readonly tunnels: TunnelMaintainer;
  readonly auth: AuthService;
  readonly subscriptions: SubscriptionManager;
  readonly http: Hapi.Server;
  private readonly log: Logger;
  private readonly opts: NfvoOptions;

  constructor(opts: NfvoOptions) {
    this.opts = opts;
    this.log = opts.logger ?? createLogger('nfvo');
    this.store = opts.store ?? new FileStore(opts.dataDir);
    this.catalog = new Catalog(this.store);
    this.tunnels = new TunnelMaintainer({
      instances: this.store.collection('ns_instances'),
      accounts: this.store.collection('vim_accounts'),
      resolver: this.catalog,
      connector: opts.connector,
      logger: this.log.child('ccips'),
      ...opts.tunnelMaintenance,
    });
    this.subscriptions = new SubscriptionManager({ store: this.store, logger: this.log.child('subscriptions'), ...opts.notifications });
    this.lcm = new NsLcm({
      store: this.store,
      resolver: this.catalog,
      connector: opts.connector,
      installationId: opts.installationId,
      logger: this.log.child('lcm'),
      maintenance: this.tunnels,
      notify: (n) => this.subscriptions.notify(n),
    });
    this.auth = new AuthService({ store: this.store, tokenTtlS: opts.tokenTtlS, loginThrottle: opts.loginThrottle, logger: this.log.child('auth') });
    this.http = Hapi.server({
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      tls: opts.tls,
      // JSON bodies are small; package uploads set their own limit.
      routes: { payload: { maxBytes: 1024 * 1024 } },
    });
    this.http.ext('onPreResponse', renderProblems);
    // OSM clients prepend /osm to every path (its NBI behind nginx): serve both.
    this.http.ext('onRequest', (request, h) => {
      if (request.path === '/osm' || request.path.startsWith('/osm/')) request.setUrl((request.url.pathname.slice(4) || '/') + request.url.search);
      return h.continue;
    });
    installAuth(this.http, this.auth);
    const pager = new Pager(opts.pageSize);
    this.http.route([
      { method: 'GET', path: '/health', options: { auth: false }, handler: () => ({ status: 'UP' }) },
      ...authRoutes(this.auth),
      ...catalogRoutes(this.catalog, pager),
      ...nslcmRoutes(this.lcm, undefined, pager),
      ...subscriptionRoutes(this.subscriptions, undefined, pager),
      { method: 'GET', path: '/openapi.json', handler: () => openApiDocument(this.http, NBI_VERSION) },
      ...adminRoutes(this.store, undefined, pager),
    ]);
  }

  /** Recover, then listen. */
  async start(): Promise<string> {
    const admin = this.opts.bootstrapAdmin;
    if (admin) await this.auth.bootstrapAdmin(admin.username, admin.password);
    else if (await this.auth.empty()) this.log.warn('no users exist and no first admin was given (QNFV_ADMIN_USER / QNFV_ADMIN_PASSWORD): nobody can log in');
    await this.lcm.recover();
    await this.tunnels.start();
    await this.http.start();
    this.log.info('NFVO listening', { url: this.http.info.uri });
    return this.http.info.uri;
  }

  /** Stop accepting requests and wait for running operations. */
  async stop(): Promise<void> {
    await this.http.stop({ timeout: 2000 });
    await this.lcm.settleAll();
    await this.subscriptions.stop();
    await this.tunnels.stop();
    await this.store.close();
  }
}
