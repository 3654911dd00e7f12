/**
 * Where the `local` VIM driver keeps its files, per user (it runs without
 * root, so /run/qnfv is not writable): `$XDG_RUNTIME_DIR/qnfv/vim-local`
 * when the session has a runtime directory (a per-user tmpfs), otherwise
 * `<os tmpdir>/qnfv-vim-local-<uid>`. Under it:
 *   <installationId>/instances/<instanceId>/<domain>.json   state records
 *   <installationId>/hosts/                                 host control sockets and logs
 *   wire-ports/                                              UDP port claims of every link
 * A directory in a shared temp folder could be planted by another user, so
 * each one is created 0700 and must be a real directory owned by this user.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { PrerequisiteError } from '../../common/index.js';

/** Longest Unix domain socket path (sun_path is 108 bytes with the NUL, unix(7)). */
export const UNIX_PATH_MAX = 107;

/** This user's id, or undefined where there is none (not POSIX). */
export function userId(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** The per-user root of the local driver's files (see the file comment). */
export function defaultLocalRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'qnfv', 'vim-local');
  return join(tmpdir(), `qnfv-vim-local-${userId() ?? 'user'}`);
}

/** Create `dir` (and parents) 0700 if needed; fail unless it is a directory of this user that nobody else may write. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new PrerequisiteError(`the local VIM driver cannot create ${dir}: ${(err as Error).message}; set its stateDir to a writable directory`);
  }
  const st = await lstat(dir);
  const uid = userId();
  if (!st.isDirectory()) throw new PrerequisiteError(`${dir} is not a directory (a symbolic link?): remove it or set the local VIM driver's stateDir elsewhere`);
  if (uid !== undefined && st.uid !== uid) throw new PrerequisiteError(`${dir} belongs to uid ${st.uid}, not to this user (${uid}): remove it or set the local VIM driver's stateDir elsewhere`);
  if ((st.mode & 0o022) !== 0) throw new PrerequisiteError(`${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 700 ${dir}`);
}
