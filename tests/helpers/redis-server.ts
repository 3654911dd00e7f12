/** The throw-away redis-server of the lab (bin/lab/redis-server.ts), for tests. */
export * from '../../bin/lab/redis-server.js';
