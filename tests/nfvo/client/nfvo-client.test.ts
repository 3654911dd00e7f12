/**
 * The NFVO client's list reading (nfvo/client/nfvo-client.ts): `list()`
 * follows SOL013 `Link: <…>; rel="next"` pages to the end, against a running
 * NFVO with a small page size (also under `/osm` and through `qnfv vim list`)
 * and against a scripted server for the Link forms RFC 8288 allows, a link
 * off the NFVO and a link loop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NfvoClient, nextLink } from '../../../nfvo/client/index.js';
import type { VimAccount } from '../../../nfvo/index.js';
import { ProtocolError } from '../../../common/index.js';
import { runCli } from '../../../bin/cli/index.js';
import { accountBody, startHarness, type Harness } from '../api/harness.js';

describe('nextLink', () => {
  it('finds rel="next" among several links and parameter forms', () => {
    expect(nextLink(null)).toBeUndefined();
    expect(nextLink('</a?m=1>; rel="next"')).toBe('/a?m=1');
    expect(nextLink('</first>; rel="first", </b?m=2>; rel=next')).toBe('/b?m=2');
    expect(nextLink('</c>; title="x; y"; rel="prev next"')).toBe('/c');
    expect(nextLink('</d>; rel="prev"')).toBeUndefined();
  });
});

describe('NfvoClient.list against the NFVO', () => {
  let h: Harness;
  let url: string;
  let made: VimAccount[];
  beforeAll(async () => {
    h = await startHarness({ pageSize: 2 });
    made = [];
    for (let i = 0; i < 5; i++) made.push((await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody(`dom-${i}`, String(i)))).json);
    url = await h.server.start();
  });
  afterAll(async () => {
    await h.close();
  });
  const ids = (l: { id: string }[]) => l.map((a) => a.id);

  it('reads every page of a list, with or without a filter, also under /osm', async () => {
    const api = new NfvoClient(url, h.token);
    const first = await api.request<VimAccount[]>('GET', '/admin/v1/vim_accounts');
    expect([first.body.length, first.headers.get('link')]).toEqual([2, expect.stringContaining('rel="next"')]);
    expect(ids(await api.list<VimAccount>('/admin/v1/vim_accounts'))).toEqual(ids(made).sort());
    expect(ids(await api.list<VimAccount>('/admin/v1/vim_accounts?filter=(neq,name,dom-2)'))).toEqual(ids(made.filter((a) => a.name !== 'dom-2')).sort());
    expect(ids(await new NfvoClient(`${url}/osm`, h.token).list<VimAccount>('/admin/v1/vim_accounts'))).toEqual(ids(made).sort());
  });

  it('qnfv vim list shows every account, not the first page', async () => {
    const config = await mkdtemp(join(tmpdir(), 'qnfv-cli-'));
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await runCli(['vim', 'list', '--json', '--url', url], { out: (s) => out.push(s), err: (s) => err.push(s), env: { QNFV_TOKEN: h.token, QNFV_CONFIG_DIR: config }, tty: false });
      expect([code, err]).toEqual([0, []]);
      expect(ids(JSON.parse(out.join('')) as VimAccount[])).toEqual(ids(made).sort());
    } finally {
      await rm(config, { recursive: true, force: true });
    }
  });
});

describe('NfvoClient.list against a scripted server', () => {
  let server: Server;
  let base: string;
  /** path+query → [Link header or none, body]. */
  let pages: Record<string, [string | undefined, unknown]>;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const page = pages[req.url!];
      if (!page) {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 404, detail: `no page ${req.url}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', ...(page[0] ? { link: page[0] } : {}) }).end(JSON.stringify(page[1]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('follows path, query-relative and absolute same-origin links', async () => {
    pages = {
      '/l': ['</l?p=2>; rel="next"', [1, 2]],
      '/l?p=2': ['<?p=3>; rel=next', [3]],
      '/l?p=3': [`<${base}/l?p=4>; rel="next"`, [4, 5]],
      '/l?p=4': [undefined, [6]],
    };
    expect(await new NfvoClient(base).list<number>('/l')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a link off the NFVO, a link loop and a page that is not a list', async () => {
    pages = { '/off': ['<http://198.51.100.1/l?p=2>; rel="next"', [1]] };
    await expect(new NfvoClient(base, 'secret').list('/off')).rejects.toThrow(ProtocolError);
    pages = { '/a': ['</b>; rel="next"', [1]], '/b': ['</a>; rel="next"', [2]] };
    await expect(new NfvoClient(base).list('/a')).rejects.toThrow(/links back to \/a/);
    pages = { '/o': [undefined, { not: 'a list' }] };
    await expect(new NfvoClient(base).list('/o')).rejects.toThrow(/expected a JSON array/);
  });
});
