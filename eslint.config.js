import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.js';

// The layers (ARCHITECTURE.md): common <- engine <- app <- cli / shell; the renderer sees common and the
// bridge only; research/ stands beside the product and nothing in it imports research/.
const NO_RESEARCH = { folders: ['research'], why: 'research/ is not part of the product' };
const ELECTRON = { name: 'electron', why: 'only src-main/shell imports electron' };
const ENGINE_DENY = { folders: ['src-main/app', 'src-main/cli', 'src-main/shell'], why: 'the engine sits below the app layer and the front ends' };
const STAGES = ['decode', 'preprocess', 'infer', 'stitch', 'geometry', 'cache', 'effects', 'encode'];
const LAYERS = [
  {
    name: 'common',
    folders: ['src-main/common'],
    only: { folders: ['src-main/common'], why: 'common/ imports nothing of ours outside common/' },
    noBuiltins: 'common/ is pure TypeScript for every process (main, workers, renderer): no node builtins',
    packages: [ELECTRON],
  },
  {
    name: 'renderer',
    folders: ['src-renderer'],
    only: { folders: ['src-renderer', 'src-main/common'], why: 'the renderer imports only src-main/common/ and itself; it reaches the engine through the bridge (src-renderer/api.ts)' },
    noBuiltins: 'the renderer is a sandboxed web page: no node builtins',
    packages: [ELECTRON],
  },
  {
    name: 'engine',
    folders: ['src-main/engine', 'src-main/util'],
    deny: [ENGINE_DENY, NO_RESEARCH],
    packages: [ELECTRON],
  },
  // The engine's stages, in the order data flows: a stage imports earlier stages, never a later one nor
  // the jobs that wire them. The model's manifest (infer/manifest.ts) is the contract every stage reads.
  ...STAGES.map((stage, i) => ({
    name: `engine/${stage}`,
    folders: [`src-main/engine/${stage}`],
    deny: [
      ENGINE_DENY,
      NO_RESEARCH,
      {
        folders: [...STAGES.slice(i + 1), 'jobs', 'model-manager', 'project', 'sequence', 'otio'].map((s) => `src-main/engine/${s}`),
        except: ['src-main/engine/infer/manifest.ts'],
        why: `data flows ${STAGES.join(' -> ')}: ${stage}/ imports only the stages before it (and the model manifest); jobs/ wires them`,
      },
    ],
    packages: [ELECTRON],
  })),
  {
    name: 'app',
    folders: ['src-main/app'],
    deny: [{ folders: ['src-main/cli', 'src-main/shell'], why: 'the app layer serves the front ends and never imports them' }, NO_RESEARCH],
    packages: [ELECTRON],
  },
  { name: 'cli', folders: ['src-main/cli'], deny: [{ folders: ['src-main/shell'], why: 'the CLI and the Electron shell are separate front ends' }, NO_RESEARCH], packages: [ELECTRON] },
  { name: 'shell', folders: ['src-main/shell'], deny: [{ folders: ['src-main/cli'], why: 'the Electron shell and the CLI are separate front ends' }, NO_RESEARCH] },
  { name: 'research', folders: ['research'], packages: [ELECTRON] },
  { name: 'scripts', folders: ['scripts'], deny: [NO_RESEARCH], packages: [ELECTRON] },
];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'dist-main', 'dist-renderer', 'out', 'release', 'test-artifacts', 'bench-out', '**/*.as.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    plugins: { layers },
    rules: { 'layers/imports': ['error', LAYERS] },
  },
  {
    // Tests read ffprobe's free-form JSON.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
