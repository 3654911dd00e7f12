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

export interface NfvoOptions {
  dataDir: string;
  installationId: string;
  connector: DomainConnector;
  host?: string;
  port?: number;
  store?: Store;
  logger?: Logger;
  /** Tunables of the rekey service (drain time, retries). */
  tunnelMaintenance?: Partial<Pick<TunnelMaintainerOptions, 'drainMs' | 'retries' | 'retryMs' | 'reconnectMs'>>;
}

/** A running NFVO. */
export class NfvoServer {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly lcm: NsLcm;
  readonly tunnels: TunnelMaintainer;
  readonly http: Hapi.Server;
  private readonly log: Logger;

  constructor(opts: NfvoOptions) {
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
    this.lcm = new NsLcm({
      store: this.store,
      resolver: this.catalog,
      connector: opts.connector,
      installationId: opts.installationId,
      logger: this.log.child('lcm'),
      maintenance: this.tunnels,
    });
    this.http = Hapi.server({
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      routes: { payload: { maxBytes: 64 * 1024 * 1024 } },
    });
    this.http.ext('onPreResponse', renderProblems);
    this.http.route([
      { method: 'GET', path: '/health', handler: () => ({ status: 'UP' }) },
      ...catalogRoutes(this.catalog),
      ...nslcmRoutes(this.lcm),
      ...adminRoutes(this.store),
    ]);
  }

  /** Recover, then listen. */
  async start(): Promise<string> {
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
    await this.tunnels.stop();
    await this.store.close();
  }
}
