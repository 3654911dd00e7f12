/**
 * Test helper of the real docker-driver tests: after a suite, force-remove
 * whatever the driver's own reconcile left (containers, OVS ports and bridges,
 * root links, namespaces), so that one failing suite does not leave the host
 * dirty for the next. Not a test file itself.
 */
import type { CommandRunner, DockerVimDriver } from '../../../vim/index.js';

/** What a suite found left, by kind (each kind optional). */
export interface DockerLeftovers {
  containers?: string[];
  ports?: string[];
  bridges?: string[];
  links?: string[];
  namespaces?: string[];
}

/** Remove `left` by force, ignoring what is already gone. */
export async function removeLeftovers(driver: DockerVimDriver, runner: CommandRunner, left: DockerLeftovers | undefined): Promise<void> {
  for (const c of left?.containers ?? []) await driver.docker.getContainer(c.replace(/^\//, '')).remove({ force: true }).catch(() => undefined);
  for (const p of left?.ports ?? []) await runner.run(['ovs-vsctl', '--if-exists', 'del-port', p], { allowFailure: true });
  for (const b of left?.bridges ?? []) await runner.run(['ovs-vsctl', '--if-exists', 'del-br', b], { allowFailure: true });
  for (const l of left?.links ?? []) await runner.run(['ip', 'link', 'del', l], { allowFailure: true });
  for (const n of left?.namespaces ?? []) await runner.run(['ip', 'netns', 'del', n], { allowFailure: true });
}
