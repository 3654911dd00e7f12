/** The NFVO's command line (`qnfv nsd|vnfpkg|ns|op|vim|login|logout`). */
export { runCli, type CliIo } from './commands.js';
export { CLI_GROUPS, CLI_USAGE } from './usage.js';
export { loadSession, saveSession, clearSession, type Session } from './session.js';
