/**
 * Reading what exists: named network namespaces (`ip netns list`), the label
 * a namespace carries on its `lo` alias, and the labelled interfaces of the
 * root namespace (`ip -j link show`, `ifalias`), and waiting for new links to
 * be operationally up. Read-only; nothing here enters a namespace it was not
 * asked about.
 */
import { DriverError } from '../../common/index.js';
import type { CommandRunner } from '../command-runner.js';
import { LINK_POLL_MS, LINK_UP_WAIT_MS } from '../constants.js';
import { parseLabels } from '../labels.js';
import type { ResourceLabels } from '../types.js';

/** A JSON record of `ip -j link show` (only what is read). */
export interface IpLinkJson {
  ifname: string;
  flags?: string[];
  /** RFC 2863 operational state: `UP` once the kernel has processed the carrier. */
  operstate?: string;
  ifalias?: string;
  master?: string;
}

/** Names of all named network namespaces. */
export async function listNamespaces(runner: CommandRunner): Promise<string[]> {
  const { stdout } = await runner.run(['ip', 'netns', 'list']);
  // Lines are `name` or `name (id: N)`.
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n !== undefined && n !== '');
}

/** Links of a namespace (the root namespace when `namespace` is undefined); [] when it does not exist. */
export async function listLinks(runner: CommandRunner, namespace?: string): Promise<IpLinkJson[]> {
  const argv = ['ip', ...(namespace ? ['-n', namespace] : []), '-j', 'link', 'show'];
  const res = await runner.run(argv, { allowFailure: namespace !== undefined });
  if (res.code !== 0) return [];
  return JSON.parse(res.stdout || '[]') as IpLinkJson[];
}

/** The labels on a namespace's `lo`, or undefined when unlabelled or gone. */
export async function readNamespaceLabels(runner: CommandRunner, namespace: string): Promise<ResourceLabels | undefined> {
  const res = await runner.run(['ip', '-n', namespace, '-j', 'link', 'show', 'dev', 'lo'], { allowFailure: true });
  if (res.code !== 0) return undefined;
  const [lo] = JSON.parse(res.stdout || '[]') as IpLinkJson[];
  return parseLabels(lo?.ifalias);
}

/** Root-namespace interfaces with a qnfv label, and the label. */
export async function listLabelledRootLinks(runner: CommandRunner): Promise<{ name: string; labels: ResourceLabels }[]> {
  const links = await listLinks(runner);
  return links.flatMap((l) => {
    const labels = parseLabels(l.ifalias);
    return labels ? [{ name: l.ifname, labels }] : [];
  });
}

/** Links to wait for, in one namespace (the root namespace when undefined). */
export interface LinkGroup {
  namespace?: string;
  names: string[];
}

/** Wait until every named link is operationally UP; DriverError naming the laggards after the timeout. */
export async function waitLinksUp(runner: CommandRunner, groups: readonly LinkGroup[], timeoutMs = LINK_UP_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = groups.filter((g) => g.names.length > 0);
  for (;;) {
    const states = await Promise.all(pending.map((g) => listLinks(runner, g.namespace)));
    pending = pending
      .map((g, i) => ({ ...g, names: g.names.filter((n) => states[i].find((l) => l.ifname === n)?.operstate !== 'UP') }))
      .filter((g) => g.names.length > 0);
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      const late = pending.map((g) => `${g.namespace ?? 'root'}: ${g.names.join(', ')}`).join('; ');
      throw new DriverError(['ip', '-j', 'link', 'show'], null, `links not operationally up after ${timeoutMs} ms (${late})`);
    }
    await new Promise((r) => setTimeout(r, LINK_POLL_MS));
  }
}
