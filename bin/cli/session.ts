/**
 * Where the CLI finds its NFVO and token: QNFV_URL / QNFV_TOKEN when set,
 * else the session `qnfv login` saved in `$QNFV_CONFIG_DIR/session.json`
 * (default `~/.config/qnfv`, file mode 0600). The password is never saved.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Session {
  url: string;
  token?: string;
  username?: string;
  /** Epoch seconds. */
  expires?: number;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

function configDir(env: NodeJS.ProcessEnv): string {
  return env.QNFV_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'qnfv');
}

/** The session to use: environment first, then the saved file, then the default URL without a token. */
export async function loadSession(env: NodeJS.ProcessEnv, urlFlag?: string): Promise<Session> {
  let saved: Session | undefined;
  try {
    saved = JSON.parse(await readFile(join(configDir(env), 'session.json'), 'utf8')) as Session;
  } catch {
    saved = undefined;
  }
  const url = urlFlag ?? env.QNFV_URL ?? saved?.url ?? DEFAULT_URL;
  // A saved token belongs to the NFVO it was issued by.
  const token = env.QNFV_TOKEN ?? (saved && saved.url === url ? saved.token : undefined);
  return { url, token, username: saved?.username, expires: saved?.expires };
}

export async function saveSession(env: NodeJS.ProcessEnv, s: Session): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'session.json');
  await writeFile(file, JSON.stringify(s, null, 1) + '\n', { mode: 0o600 });
  return file;
}

export async function clearSession(env: NodeJS.ProcessEnv): Promise<void> {
  await rm(join(configDir(env), 'session.json'), { force: true });
}
