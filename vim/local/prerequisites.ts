/**
 * What the `local` driver needs, checked once: the compiled site host
 * program (`npm run build`; the routers' program is the VCA's to find),
 * Linux's /proc (ownership checks and listing by label read it), loopback
 * addresses beyond 127.0.0.1 that this user may bind (every port has one),
 * and private state folders. No root, no TUN, no namespaces, no tools.
 * Every missing piece goes into one PrerequisiteError that says what to do.
 */
import { createSocket } from 'node:dgram';
import { access } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { PrerequisiteError, errorMessage } from '../../common/index.js';
import { hostMainPath } from './host-program.js';
import { ensurePrivateDir } from './local-paths.js';

/** Bind a UDP socket on a loopback address other than 127.0.0.1; resolves to an error text or undefined. */
async function loopbackBindProblem(): Promise<string | undefined> {
  const host = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  const sock = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: host, port: 0, exclusive: true }, () => resolve());
    });
    return undefined;
  } catch (err) {
    return `cannot bind a UDP socket on ${host} (${errorMessage(err)}): the local driver gives every port its own 127.0.0.0/8 address, which Linux routes to lo — check that lo is up and holds 127.0.0.1/8`;
  } finally {
    try {
      sock.close();
    } catch {
      // never bound
    }
  }
}

/** Throw PrerequisiteError listing every missing prerequisite with its fix. */
export async function checkLocalPrerequisites(dirs: readonly string[]): Promise<void> {
  const missing: string[] = [];
  try {
    hostMainPath();
  } catch (err) {
    missing.push(errorMessage(err));
  }
  if (process.platform !== 'linux') missing.push(`the local driver runs on Linux (it reads /proc), not ${process.platform}`);
  else {
    try {
      await access('/proc/self/environ');
    } catch {
      missing.push('/proc is not mounted (or /proc/self/environ is unreadable): mount -t proc proc /proc');
    }
  }
  const bind = await loopbackBindProblem();
  if (bind) missing.push(bind);
  for (const dir of dirs) {
    try {
      await ensurePrivateDir(dir);
    } catch (err) {
      missing.push(errorMessage(err));
    }
  }
  if (missing.length > 0) throw new PrerequisiteError(`the local VIM driver cannot run here: ${missing.join('; ')}`);
}
