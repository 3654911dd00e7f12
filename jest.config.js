/**
 * Jest runs the TypeScript sources directly through ts-jest in ESM mode
 * (node --experimental-vm-modules, see the `test:jest` script). Child
 * processes that tests start (routers, QKD node) run the compiled `dist/`,
 * so `npm run build` comes first (scripts/test.sh does it).
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
  },
  testTimeout: 60000,
  maxWorkers: 2,
};
